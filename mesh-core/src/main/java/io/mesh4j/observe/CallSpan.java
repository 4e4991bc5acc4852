package io.mesh4j.observe;

import io.mesh4j.endpoint.Endpoint;

/**
 * The span of one forwarded outbound call (one routing pass that reached a cluster: every try,
 * hedge and backoff), a child of the inbound request's {@link ServerSpan} when the call is made
 * while one is being handled. Started by {@link MeshTracer#startCall}.
 *
 * <p>Every method does nothing here; {@link #NOOP} is this class. An implementation must be
 * thread-safe (attempts end on transport threads), fast, and must not throw. {@link #end} is called
 * exactly once, after every attempt span it made has ended or been handed its end.
 */
public abstract class CallSpan {
  /** A span that records nothing; its attempts are {@link AttemptSpan#NOOP}. */
  public static final CallSpan NOOP = new CallSpan() {};

  protected CallSpan() {}

  /**
   * Starts the span of attempt number {@code attempt} (1-based; hedges are numbered like retries)
   * to {@code endpoint}: {@code hedge} when sent while an earlier attempt is in flight, {@code
   * retryReason} the condition that made the previous attempt retriable ({@code status}, {@code
   * connect-failure}, ...), or {@code null} for the first attempt and hedges.
   */
  public AttemptSpan attempt(Endpoint endpoint, int attempt, boolean hedge, String retryReason) {
    return AttemptSpan.NOOP;
  }

  /** Starts the span of the call's mirror copy ({@code mirror}) to {@code endpoint} of {@code cluster}. */
  public AttemptSpan mirror(Endpoint endpoint, String cluster) {
    return AttemptSpan.NOOP;
  }

  /**
   * The call was refused something: {@code what} is {@code circuit-open}, {@code
   * concurrency-limit}, {@code budget-exhausted} (a retry or hedge the budget did not pay for) or
   * {@code deadline-exceeded}.
   */
  public void refused(String what) {}

  /** Makes this span current on this thread (while the call's meters record, for exemplars). */
  public TraceScope activate() {
    return TraceScope.NOOP;
  }

  /**
   * Ends the span: {@code status} of the response handed back (0 when none), and {@code outcome}:
   * {@code response}, or the failure's reason tag ({@code timeout}, {@code deadline-exceeded},
   * {@code upstream-failure}, ...); {@code error} the exception the call failed with, or null.
   */
  public void end(int status, String outcome, Throwable error) {}
}
