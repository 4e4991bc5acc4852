package io.mesh4j.config;

import java.time.Duration;

/**
 * Passive outlier detection: ejects endpoints that fail real traffic. Immutable; Envoy's
 * defaults applied.
 *
 * @param consecutive5xx consecutive 5xx (and gateway failures) before ejection (5; 0 disables)
 * @param consecutiveGatewayFailure consecutive 502/503/504 or connect failures (5; 0 disables)
 * @param baseEjectionTime ejection time is this times the number of ejections so far (30s)
 * @param maxEjectionPercent at most this percent of the cluster ejected, but at least one (10)
 * @param maxEjectionTime the cap on one ejection (300s)
 * @param enforcing false runs detection as a dry run: ejections are detected and counted, never
 *     enforced (default true)
 */
public record OutlierDetectionConfig(
    int consecutive5xx,
    int consecutiveGatewayFailure,
    Duration baseEjectionTime,
    int maxEjectionPercent,
    Duration maxEjectionTime,
    boolean enforcing) {

  public static final int DEFAULT_CONSECUTIVE_5XX = 5;
  public static final int DEFAULT_CONSECUTIVE_GATEWAY_FAILURE = 5;
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);

  /** Every field at its default. */
  public static final OutlierDetectionConfig DEFAULT =
      new OutlierDetectionConfig(
          DEFAULT_CONSECUTIVE_5XX,
          DEFAULT_CONSECUTIVE_GATEWAY_FAILURE,
          DEFAULT_BASE_EJECTION_TIME,
          DEFAULT_MAX_EJECTION_PERCENT,
          DEFAULT_MAX_EJECTION_TIME,
          true);
}
