package io.mesh4j.internal.client;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;

/**
 * What the {@link AttemptLoop} needs about one (route, cluster) pair of a snapshot: the cluster,
 * its breaker and budget (state kept across reloads), the route's retry policy, backoff and
 * timeouts, and where to count attempts, retries and refusals. Compiled once per snapshot by the
 * adapter; implementations are immutable and thread-safe.
 */
public interface AttemptTarget {
  /** The cluster to pick from and report outcomes to. */
  Cluster cluster();

  /** The cluster's circuit breaker (with its concurrency limit). */
  ClusterCircuitBreaker breaker();

  /** The retry budget (the cluster's, or the route's override). */
  RetryBudget budget();

  /** The retry policy (the cluster's {@code retry} with the route's override applied). */
  RetryPolicy retry();

  /** The backoff between tries. */
  Backoff backoff();

  /** The overall timeout of the call, in nanoseconds ({@code Long.MAX_VALUE}: none). */
  long timeoutNanos();

  /** The per-try timeout, in nanoseconds; 0 for none. */
  long perTryTimeoutNanos();

  /** Counts an attempt sent to {@code endpoint}. */
  void attempted(Endpoint endpoint);

  /** Counts a retry the policy allowed for {@code reason}. */
  void retried(RetryDecision reason);

  /** Counts a refusal by the breaker. */
  void rejected(Admission admission);

  /** Counts a retry (or hedge) the budget refused. */
  void budgetExhausted();

  /**
   * Counts an attempt that {@code endpoint} shed unprocessed (503 with {@code x-mesh-overloaded:
   * true}); the default counts nothing.
   */
  default void overloaded(Endpoint endpoint) {}

  /**
   * Hedges the loop may send besides the first attempt in flight (the route's {@code hedge.max});
   * 0, the default, for none. The loop hedges only requests it may retry regardless of the failure
   * (idempotent method or {@code Idempotency-Key}, replayable body).
   */
  default int maxHedges() {
    return 0;
  }

  /** How long an attempt may run before a hedge is sent, in nanoseconds (read per hedge). */
  default long hedgeDelayNanos() {
    return Long.MAX_VALUE;
  }

  /** Counts a hedge sent to {@code endpoint}. */
  default void hedged(Endpoint endpoint) {}

  /**
   * An attempt that is not itself a hedge took {@code latencyNanos} (feeds the hedge percentile,
   * so that a hedge follows that share of attempts): its response headers arrived, or it lost to a
   * hedge and was cancelled after that long (a lower bound).
   */
  default void responded(long latencyNanos) {}

  /**
   * Counts an attempt sent to {@code endpoint}, an ejected endpoint, as a last resort: every
   * usable endpoint had failed this request without it leaving.
   */
  default void lastResort(Endpoint endpoint) {}
}
