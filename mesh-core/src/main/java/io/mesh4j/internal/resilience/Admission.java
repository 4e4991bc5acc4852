package io.mesh4j.internal.resilience;

/**
 * The answer of {@link ClusterCircuitBreaker#tryAcquire()}: admitted, or rejected and why. A
 * constant, so asking allocates nothing.
 */
public enum Admission {
  /**
   * The call may proceed. The caller must then report exactly one of {@link
   * ClusterCircuitBreaker#onComplete}, {@link ClusterCircuitBreaker#onSuccess}, {@link
   * ClusterCircuitBreaker#onFailure} or {@link ClusterCircuitBreaker#release}.
   */
  ADMITTED("admitted"),
  /** Rejected: the failure-rate circuit is open (or half-open with every probe taken). */
  REJECTED_CIRCUIT_OPEN("circuit-open"),
  /** Rejected: {@code max_concurrent_requests} calls to the cluster are already in flight. */
  REJECTED_CONCURRENCY_LIMIT("concurrency-limit");

  private final String reason;

  Admission(String reason) {
    this.reason = reason;
  }

  /** Whether the call may proceed. */
  public boolean admitted() {
    return this == ADMITTED;
  }

  /** A short, stable, lower-case name, fit for a metric tag. */
  public String reason() {
    return reason;
  }
}
