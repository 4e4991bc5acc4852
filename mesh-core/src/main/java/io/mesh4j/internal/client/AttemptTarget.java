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

  /** Counts a retry the budget refused. */
  void budgetExhausted();
}
