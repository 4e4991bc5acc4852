package io.mesh4j.config;

import java.time.Duration;

/**
 * The settings of {@code lb: peak_ewma} ({@code peak_ewma:} on a cluster): how fast an
 * endpoint's latency estimate forgets. A sample above the estimate replaces it at once (the
 * "peak"); below it, the estimate moves toward the sample by {@code 1 - exp(-elapsed /
 * decay_time)}, and with no samples it decays toward zero with the same time constant, so an
 * endpoint that was slow is tried again after a while. Immutable.
 *
 * @param decayTime the time constant of the decay (default 10s, Finagle's and Linkerd's); positive
 */
public record PeakEwmaConfig(Duration decayTime) {
  /** Finagle's and Linkerd's decay time. */
  public static final Duration DEFAULT_DECAY_TIME = Duration.ofSeconds(10);

  /** The defaults: a 10s decay time. */
  public static final PeakEwmaConfig DEFAULT = new PeakEwmaConfig(DEFAULT_DECAY_TIME);
}
