package io.mesh4j.config;

import java.util.Locale;

/**
 * A cluster's locality-aware load balancing ({@code locality_lb}): how traffic is shared among
 * priority levels and localities before the cluster's {@code lb} picks an endpoint inside one.
 * Immutable; see {@code docs/locality.md} for the exact algorithm.
 *
 * @param mode how localities share traffic inside a priority level
 * @param minClusterSize zone-aware routing stays off while the preferred priority level has fewer
 *     endpoints than this (Envoy's {@code min_cluster_size}, default 6)
 * @param overprovisioningFactor a level (or locality) whose healthy fraction times this factor
 *     reaches 1 counts as fully available (Envoy's default 1.4)
 */
public record LocalityLbConfig(Mode mode, int minClusterSize, double overprovisioningFactor) {

  /** Envoy's default {@code min_cluster_size}. */
  public static final int DEFAULT_MIN_CLUSTER_SIZE = 6;
  /** Envoy's default overprovisioning factor. */
  public static final double DEFAULT_OVERPROVISIONING_FACTOR = 1.4;
  /** Zone-aware routing with Envoy's defaults. */
  public static final LocalityLbConfig DEFAULT =
      new LocalityLbConfig(Mode.ZONE_AWARE, DEFAULT_MIN_CLUSTER_SIZE, DEFAULT_OVERPROVISIONING_FACTOR);

  public LocalityLbConfig {
    mode = mode == null ? Mode.ZONE_AWARE : mode;
  }

  /** The overprovisioning factor as Envoy's integer percent (1.4 → 140). */
  public int overprovisioningPercent() {
    return (int) Math.round(overprovisioningFactor * 100);
  }

  /** How localities share a priority level's traffic. */
  public enum Mode {
    /**
     * Priority levels with failover (Envoy's priority load); inside priority 0, Envoy's zone-aware
     * routing keeps traffic in the service's own locality while that locality can take its share
     * and spills the residual to the others in proportion to their spare capacity.
     */
    ZONE_AWARE,
    /**
     * Istio's locality failover: each endpoint's level is its {@code priority}, then its distance
     * from the service's own locality (same sub-zone, zone, region, other); the levels fail over
     * by Envoy's priority load.
     */
    FAILOVER,
    /**
     * Envoy's locality-weighted load balancing: inside each priority level a locality gets its
     * {@code locality_weight} times its availability (healthy fraction × overprovisioning factor,
     * at most 1).
     */
    WEIGHTED;

    /** The config spelling: {@code zone_aware}, {@code failover}, {@code weighted}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The mode of that config spelling, or {@code null}. */
    public static Mode fromConfigName(String name) {
      for (Mode m : values()) {
        if (m.configName().equals(name)) return m;
      }
      return null;
    }
  }
}
