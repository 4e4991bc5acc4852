package io.mesh4j.policy;

import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;

/**
 * What a {@link RequestPolicy.Factory} may use from the mesh that creates the policy: its
 * monotonic time, wall clock and meter registry (so a policy's own windows and meters follow the
 * mesh's injected time and registry). Immutable.
 *
 * @param ticker the mesh's monotonic time
 * @param clock the mesh's wall clock
 * @param meterRegistry where the mesh's meters go
 */
public record PolicyContext(Ticker ticker, Clock clock, MeterRegistry meterRegistry) {
  public PolicyContext {
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(meterRegistry, "meterRegistry");
  }
}
