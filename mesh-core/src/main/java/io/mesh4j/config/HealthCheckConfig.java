package io.mesh4j.config;

import java.time.Duration;
import java.util.List;

/**
 * Active health checking of a cluster's endpoints. Immutable; defaults applied.
 *
 * @param probe the probe name: {@code http} (default; needs mesh-okhttp or another HTTP probe
 *     registered) or {@code tcp} (connect only)
 * @param path the HTTP path probed (default {@code /health})
 * @param interval time between checks of one endpoint, jittered (default 5s)
 * @param timeout one check's deadline (default 1s)
 * @param unhealthyThreshold consecutive failures before a healthy endpoint goes unhealthy (3)
 * @param healthyThreshold consecutive successes before an unhealthy one comes back (2)
 * @param expectedStatuses HTTP statuses that count as healthy (default 200-299)
 */
public record HealthCheckConfig(
    String probe,
    String path,
    Duration interval,
    Duration timeout,
    int unhealthyThreshold,
    int healthyThreshold,
    List<StatusRange> expectedStatuses) {

  public static final String DEFAULT_PROBE = "http";
  public static final String DEFAULT_PATH = "/health";
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

  public HealthCheckConfig {
    probe = probe == null ? DEFAULT_PROBE : probe;
    path = path == null ? DEFAULT_PATH : path;
    interval = interval == null ? DEFAULT_INTERVAL : interval;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    expectedStatuses =
        expectedStatuses == null || expectedStatuses.isEmpty()
            ? List.of(StatusRange.SUCCESS)
            : List.copyOf(expectedStatuses);
  }

  /** Whether {@code status} counts as healthy. */
  public boolean expects(int status) {
    for (StatusRange r : expectedStatuses) {
      if (r.contains(status)) return true;
    }
    return false;
  }
}
