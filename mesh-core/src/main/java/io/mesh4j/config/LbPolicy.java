package io.mesh4j.config;

/** A cluster's load-balancing policy ({@code lb:}). */
public enum LbPolicy {
  /** Smooth weighted round robin (the default). */
  WEIGHTED_ROUND_ROBIN("weighted_round_robin"),
  /** Power of two choices weighted by {@code weight / (active + 1)^bias}. */
  LEAST_REQUEST("least_request"),
  /** Consistent hashing on {@code hash_on}. */
  RING_HASH("ring_hash"),
  /** Uniformly random, weighted. */
  RANDOM("random"),
  /**
   * Power of two choices on {@code peak-EWMA latency × (active + 1) / weight}, as Finagle and
   * Linkerd balance (settings in {@link PeakEwmaConfig}).
   */
  PEAK_EWMA("peak_ewma");

  private final String configName;

  LbPolicy(String configName) {
    this.configName = configName;
  }

  /** The name used in the config file. */
  public String configName() {
    return configName;
  }

  /** The policy with that config name, or {@code null}. */
  public static LbPolicy fromConfigName(String name) {
    for (LbPolicy p : values()) {
      if (p.configName.equals(name)) return p;
    }
    return null;
  }
}
