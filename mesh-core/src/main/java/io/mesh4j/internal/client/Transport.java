package io.mesh4j.internal.client;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import java.io.IOException;

/**
 * What a client adapter gives the {@link AttemptLoop}: a way to send one attempt of the current
 * request to one endpoint, to cancel it, and to tell whether the request left, plus how to read
 * the few response fields the loop decides on and how to end the call when the loop gives up.
 *
 * <p>One transport serves one call's attempts, one at a time. {@link #cancel()} may be called from
 * any thread (the per-try timer, the caller cancelling); everything else on the calling thread.
 *
 * @param <R> the adapter's response type
 */
public interface Transport<R> {
  /**
   * Prepares the next attempt: the request as sent to {@code endpoint}, bounded by {@code
   * timeoutNanos} (the time left before the overall deadline; it also bounds reading the body of a
   * response that is handed back). Nothing is sent yet: a {@link RuntimeException} here releases
   * the breaker's permit and fails the call without an outcome report.
   */
  void prepare(Endpoint endpoint, long timeoutNanos);

  /**
   * Sends the prepared attempt and returns when its response headers arrived, or throws its
   * failure. Once the attempt is cancellable the implementation must cancel it at once when {@link
   * AttemptLoop#abandoned()} is true (a cancel or per-try timeout that raced the start).
   */
  R send() throws IOException;

  /** Cancels the attempt in flight, if any. Any thread; must not block. */
  void cancel();

  /** Whether the attempt last sent started writing its request (the request may have left). */
  boolean requestLeft();

  /** The response's status code. */
  int status(R response);

  /** The response's header {@code name}, or {@code null}. */
  String header(R response, String name);

  /** Releases a response that will not be handed back (its body is discarded). */
  void discard(R response);

  /**
   * The failure an attempt's exception stands for, given whether the request had started to
   * leave; called only for exceptions that are neither a cancellation nor a per-try timeout.
   */
  Failure classify(IOException e, boolean requestLeft);

  /** Whether {@code e} is the attempt's {@code timeoutNanos} expiring (the overall deadline). */
  boolean isDeadline(IOException e);

  /**
   * The exception the call fails with when the loop gives up: {@code reason}, whether any attempt
   * may have reached a server, the last attempt's failure, the attempts made, a detail (or null),
   * and the last attempt's exception (or null).
   */
  IOException end(AttemptEnd reason, boolean sent, Failure failure, int attempts, String detail,
      IOException cause);
}
