package io.mesh4j.config;

import java.time.Duration;

/**
 * A cluster's circuit breaker (Resilience4j) and concurrency limit. Immutable; defaults applied.
 *
 * @param failureRateThreshold percent of failed calls in the window that opens the circuit (50)
 * @param slowCallDuration calls slower than this count as slow (2s)
 * @param slowCallRateThreshold percent of slow calls that opens the circuit (100)
 * @param slidingWindow number of calls in the count-based window (100)
 * @param minimumCalls calls needed before the rates are computed (20)
 * @param waitInOpen how long the circuit stays open before half-open probing (10s)
 * @param maxConcurrentRequests concurrent requests allowed to the cluster (1024), or {@link
 *     #ADAPTIVE_MAX_CONCURRENT_REQUESTS} ({@code max_concurrent_requests: adaptive}): a limit that
 *     an adaptive algorithm ({@link ConcurrencyLimitConfig#DEFAULT}) moves with the cluster's
 *     latencies
 */
public record CircuitBreakerConfig(
    int failureRateThreshold,
    Duration slowCallDuration,
    int slowCallRateThreshold,
    int slidingWindow,
    int minimumCalls,
    Duration waitInOpen,
    int maxConcurrentRequests) {

  public static final int DEFAULT_FAILURE_RATE_THRESHOLD = 50;
  public static final Duration DEFAULT_SLOW_CALL_DURATION = Duration.ofSeconds(2);
  public static final int DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
  public static final int DEFAULT_SLIDING_WINDOW = 100;
  public static final int DEFAULT_MINIMUM_CALLS = 20;
  public static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;
  /**
   * The {@code maxConcurrentRequests} of {@code max_concurrent_requests: adaptive}: no fixed cap,
   * but the {@code gradient2} algorithm between {@value ConcurrencyLimitConfig#DEFAULT_MIN} and
   * {@value ConcurrencyLimitConfig#DEFAULT_MAX}.
   */
  public static final int ADAPTIVE_MAX_CONCURRENT_REQUESTS = -1;

  /** Every field at its default. */
  public static final CircuitBreakerConfig DEFAULT =
      new CircuitBreakerConfig(
          DEFAULT_FAILURE_RATE_THRESHOLD,
          DEFAULT_SLOW_CALL_DURATION,
          DEFAULT_SLOW_CALL_RATE_THRESHOLD,
          DEFAULT_SLIDING_WINDOW,
          DEFAULT_MINIMUM_CALLS,
          DEFAULT_WAIT_IN_OPEN,
          DEFAULT_MAX_CONCURRENT_REQUESTS);

  /** Whether {@code max_concurrent_requests} is {@code adaptive}. */
  public boolean adaptiveConcurrency() {
    return maxConcurrentRequests == ADAPTIVE_MAX_CONCURRENT_REQUESTS;
  }
}
