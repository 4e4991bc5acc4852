package io.mesh4j.config;

import java.time.Duration;

/**
 * Fault injection for chaos testing. Immutable; either part may be null.
 */
public record FaultConfig(Delay delay, Abort abort) {
  /** Delay {@code percent} (0..100) of requests by {@code fixed}. */
  public record Delay(Duration fixed, double percent) {}

  /** Answer {@code percent} (0..100) of requests with {@code status} without forwarding them. */
  public record Abort(int status, double percent) {}
}
