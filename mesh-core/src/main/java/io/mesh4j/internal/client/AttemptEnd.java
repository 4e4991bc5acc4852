package io.mesh4j.internal.client;

/** Why the {@link AttemptLoop} gave up without a response to hand back. */
public enum AttemptEnd {
  /** No endpoint of the cluster could be picked. */
  NO_HEALTHY_ENDPOINT,
  /** The cluster's circuit breaker is open. */
  CIRCUIT_OPEN,
  /** The cluster's concurrency limit is reached. */
  CONCURRENCY_LIMIT,
  /** A retry was allowed but the retry budget had none left. */
  BUDGET_EXHAUSTED,
  /** The overall deadline passed (or left no time for another try). */
  TIMEOUT,
  /**
   * The deadline inherited from the inbound request being served ({@link AttemptLoop#deadline})
   * passed, or left no time for another try; when it had passed before the call, nothing was sent.
   */
  DEADLINE_EXCEEDED,
  /** The caller cancelled the call (or interrupted its thread). */
  CANCELLED,
  /** The last attempt failed and the retry policy allows no other. */
  UPSTREAM_FAILURE
}
