package io.mesh4j.internal.resilience;

/**
 * What {@link RetryPolicy} decided about a finished attempt: retry (and which condition made the
 * attempt retriable), or stop (and why). A constant, so deciding allocates nothing.
 */
public enum RetryDecision {
  /** Retry: the connection could not be established ({@code connect-failure}). */
  RETRY_CONNECT_FAILURE(true, "connect-failure"),
  /** Retry: the server refused the HTTP/2 stream ({@code refused-stream}). */
  RETRY_REFUSED_STREAM(true, "refused-stream"),
  /** Retry: the connection was reset before a complete response ({@code reset}). */
  RETRY_RESET(true, "reset"),
  /** Retry: the attempt's {@code per_try_timeout} passed (retried under {@code reset}, as Envoy). */
  RETRY_PER_TRY_TIMEOUT(true, "per-try-timeout"),
  /** Retry: the HTTP status matched {@code 5xx}, {@code gateway-error} or the listed statuses. */
  RETRY_STATUS(true, "status"),
  /** Retry: the {@code grpc-status} of a trailers-only response matched a gRPC condition. */
  RETRY_GRPC_STATUS(true, "grpc-status"),
  /**
   * Retry: the upstream shed the request unprocessed (503 with {@code x-mesh-overloaded: true}),
   * retried as a refused stream is, non-idempotent requests included.
   */
  RETRY_OVERLOADED(true, "overloaded"),

  /** Stop: the outcome matches no {@code retry_on} condition (a success, a 4xx, ...). */
  NO_RETRY_NOT_RETRIABLE(false, "not-retriable"),
  /** Stop: the caller cancelled the call; a cancelled call is never retried. */
  NO_RETRY_CANCELLED(false, "cancelled"),
  /** Stop: {@code attempts} tries were made already. */
  NO_RETRY_ATTEMPTS_EXHAUSTED(false, "attempts-exhausted"),
  /**
   * Stop: the method is not idempotent, the request carries no {@code Idempotency-Key}, {@code
   * idempotent_only} is on, and the request may have reached a server.
   */
  NO_RETRY_NOT_IDEMPOTENT(false, "not-idempotent"),
  /** Stop: the body cannot be sent twice and the request may have been (partly) sent. */
  NO_RETRY_BODY_NOT_REPLAYABLE(false, "body-not-replayable"),
  /** Stop: the cluster's retry budget has no retry left. */
  NO_RETRY_BUDGET_EXHAUSTED(false, "budget-exhausted");

  private final boolean retry;
  private final String reason;

  RetryDecision(boolean retry, String reason) {
    this.retry = retry;
    this.reason = reason;
  }

  /** Whether another attempt should be made. */
  public boolean retry() {
    return retry;
  }

  /** A short, stable, lower-case reason, fit for a metric tag or a log line. */
  public String reason() {
    return reason;
  }
}
