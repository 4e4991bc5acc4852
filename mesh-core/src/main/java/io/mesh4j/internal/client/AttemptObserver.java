package io.mesh4j.internal.client;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;

/**
 * Hook points around each attempt of an {@link AttemptLoop}, for observers such as per-attempt
 * tracing spans, without the loop knowing what they do. Set with {@link AttemptLoop#observe}; a
 * loop without an observer does nothing and allocates nothing for them.
 *
 * <p>Pairing, as OkHttp's {@code EventListener}: every {@link #attemptStarted} is followed by
 * exactly one {@link #attemptEnded} with the token it returned, including for an attempt that was
 * cancelled (the caller cancelled, or it lost a hedge race: {@link Failure#CANCELLED}) or timed out
 * ({@link Failure#TIMEOUT}). {@code attemptStarted} runs just before the transport prepares the
 * attempt, on the same thread (so an observer may put context where the transport reads it while
 * building the request); {@code attemptEnded} runs when the loop takes the attempt's end, on
 * whichever thread drives the loop then (the caller, the transport's callback thread, or the
 * scheduler). Methods must be fast, must not block and should not throw: an exception is logged
 * once per observer class and otherwise ignored.
 */
public interface AttemptObserver {
  /**
   * Attempt number {@code attempt} (1-based; hedges are numbered like retries) is about to go to
   * {@code endpoint}; {@code hedge} says it is a hedge sent while an earlier attempt is still in
   * flight; {@code retryReason} is the {@link io.mesh4j.internal.resilience.RetryDecision#reason()}
   * that allowed this retry ({@code null} for the first attempt and for hedges). Returns a token
   * handed back to {@link #attemptEnded} (may be {@code null}).
   */
  Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge, String retryReason);

  /**
   * As {@link #attemptStarted(Endpoint, int, boolean, String)}, telling also whether the attempt
   * goes to an ejected endpoint as a last resort (every usable endpoint failed this request
   * without it leaving). The loop calls this one; the default forwards to the four-argument
   * method.
   */
  default Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge, String retryReason,
      boolean lastResort) {
    return attemptStarted(endpoint, attempt, hedge, retryReason);
  }

  /**
   * The attempt of {@code token} ended: {@code status} when response headers arrived (else 0),
   * the {@link Failure} the outcome was reported with ({@link Failure#NONE} for a response),
   * whether its request may have reached the server, and its latency to headers or failure.
   */
  void attemptEnded(Object token, int status, Failure failure, boolean requestSent,
      long latencyNanos);

  /**
   * The loop was refused something it asked for: {@code circuit-open} or {@code
   * concurrency-limit} (the breaker), {@code budget-exhausted} (a retry or hedge), or {@code
   * deadline-exceeded} (the caller's deadline passed before an attempt could be sent). Runs on the
   * thread driving the loop.
   */
  default void refused(String what) {}
}
