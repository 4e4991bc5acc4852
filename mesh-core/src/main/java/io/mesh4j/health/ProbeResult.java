package io.mesh4j.health;

import io.mesh4j.config.HealthCheckConfig;

/**
 * The answer of one {@link HealthProbe} check: an HTTP status, or a plain healthy/unhealthy
 * verdict with a reason. Immutable.
 */
public final class ProbeResult {
  private static final ProbeResult HEALTHY = new ProbeResult(-1, true, "ok");

  private final int status;
  private final boolean healthy;
  private final String detail;

  private ProbeResult(int status, boolean healthy, String detail) {
    this.status = status;
    this.healthy = healthy;
    this.detail = detail;
  }

  /** The endpoint answered and is healthy (a TCP connect succeeded). */
  public static ProbeResult healthy() {
    return HEALTHY;
  }

  /**
   * The endpoint is unhealthy or unreachable.
   *
   * @param reason a short human-readable reason ({@code "connect refused"}); not null
   */
  public static ProbeResult unhealthy(String reason) {
    if (reason == null) throw new NullPointerException("reason");
    return new ProbeResult(-1, false, reason);
  }

  /**
   * The endpoint answered with an HTTP {@code status}; healthy when it is one of the cluster's
   * {@code expected_statuses}.
   *
   * @throws IllegalArgumentException when {@code status} is not 100..599
   */
  public static ProbeResult status(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100-599)");
    }
    return new ProbeResult(status, false, "status " + status);
  }

  /** The HTTP status, or -1 when the probe is not HTTP. */
  public int httpStatus() {
    return status;
  }

  /** Whether this answer passes the check {@code config} describes. */
  public boolean passes(HealthCheckConfig config) {
    return status >= 0 ? config.expects(status) : healthy;
  }

  /** A short description for logs. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return "ProbeResult{" + detail + "}";
  }
}
