package io.mesh4j.internal.client;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import java.io.IOException;

/**
 * What a client adapter gives the {@link AttemptLoop}: a way to start one attempt of the current
 * request at one endpoint and learn its end by callback, to cancel it, and to tell whether its
 * request left; plus how to read the few response fields the loop decides on and how to build the
 * call's exception when the loop gives up.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Prepare, then start.</b> {@link #prepare} builds an attempt without sending anything; a
 *       {@link RuntimeException} there (a header the adapter cannot send) releases the breaker's
 *       permit and fails the call with that exception, without an outcome report. {@link
 *       Attempt#start} sends it; a {@link RuntimeException} thrown by {@code start} before its
 *       callback ran is reported as one failed attempt ({@link Failure#OTHER}) and fails the call.
 *   <li><b>Exactly one end.</b> After {@code start} returns normally, the transport calls exactly
 *       one of {@link Callback#onHeaders} (the response headers arrived; the body is read later by
 *       the caller) or {@link Callback#onFailure}, once, on any thread, possibly before {@code start}
 *       returns (a transport may complete synchronously, e.g. a blocking send on the caller's
 *       thread when the loop is {@linkplain AttemptLoop#run driven by a synchronous caller}). A
 *       second call is ignored (a response is discarded). Under {@link AttemptLoop#start} the
 *       loop runs on the callback's thread, so {@code start} must not block there.
 *   <li><b>Cancel races.</b> {@link Attempt#cancel} may be called from any thread at any time after
 *       {@code prepare} returned, even before {@code start} (the attempt must then end at once with
 *       a failure when started) and after the end (no effect). It must not block, and the attempt
 *       still ends through its callback: a cancelled attempt usually reports a failure, but a
 *       response that won the race may still be reported; the loop discards it. The loop knows why
 *       it cancelled (the caller cancelled, the per-try timeout, a lost hedge), so the transport
 *       need not classify a cancellation.
 * </ul>
 *
 * <p>A transport serves one call's attempts; with hedging several may be in flight at once.
 *
 * @param <R> the adapter's response type
 */
public interface Transport<R> {
  /**
   * Prepares one attempt: the request as sent to {@code endpoint}, bounded by {@code
   * timeoutNanos} (the time left before the overall deadline; it also bounds reading the body of a
   * response that is handed back). Nothing is sent yet. Called on the thread running the loop.
   */
  Attempt<R> prepare(Endpoint endpoint, long timeoutNanos);

  /** The response's status code. */
  int status(R response);

  /** The response's header {@code name}, or {@code null}. */
  String header(R response, String name);

  /** Releases a response that will not be handed back (its body is discarded). Any thread. */
  void discard(R response);

  /**
   * The failure an attempt's exception stands for, given whether the request had started to
   * leave; called only for exceptions that are neither a cancellation nor a per-try timeout.
   */
  Failure classify(IOException e, boolean requestLeft);

  /** Whether {@code e} is the attempt's {@code timeoutNanos} expiring (the overall deadline). */
  boolean isDeadline(IOException e);

  /**
   * Whether {@code e} says the endpoint itself was refused by the caller's policy (its TLS
   * identity is not one the cluster, or the call's route, allows): the loop then never sends this
   * call to that endpoint
   * again, whatever the retry policy says (another endpoint may still be tried). Default never.
   */
  default boolean refusedEndpoint(IOException e) {
    return false;
  }

  /**
   * Whether {@link Attempt#start} blocks the calling thread until the attempt ends (a synchronous
   * send, e.g. OkHttp's {@code execute()}). The loop then sends a hedge-eligible attempt of a
   * {@linkplain AttemptLoop#run synchronous} call outside its steps, on the caller's thread, so
   * that the hedge timer's thread can start a hedge ({@link Attempt#startDetached}) meanwhile: no
   * thread hand-off for the attempts that need no hedge. Default false.
   */
  default boolean blocking() {
    return false;
  }

  /**
   * Whether an attempt that lost to another attempt's response is better left to answer than
   * cancelled: true when {@link #discard} of a late response keeps its connection for reuse (an
   * HTTP/1.1 exchange can only be cancelled by closing its connection). The loop then leaves such
   * an attempt running for a bounded time, unless a thread waits on it (a {@linkplain #blocking
   * blocking} send of the synchronous caller), and reports its end as it comes. Default false:
   * losers are cancelled at once.
   */
  default boolean leavesLosers() {
    return false;
  }

  /**
   * The exception the call fails with when the loop gives up: {@code reason}, whether any attempt
   * may have reached a server, the last attempt's failure, the attempts made, a detail (or null),
   * and the last attempt's exception (or null).
   */
  IOException end(AttemptEnd reason, boolean sent, Failure failure, int attempts, String detail,
      IOException cause);

  /**
   * One prepared attempt.
   *
   * @param <R> the adapter's response type
   */
  interface Attempt<R> {
    /** Sends the attempt; its end comes to {@code callback} exactly once (see the type's contract). */
    void start(Callback<R> callback);

    /**
     * Sends the attempt without blocking the calling thread: its end comes to {@code callback} on
     * another thread. The loop uses it for hedges, and for any attempt it starts on a thread other
     * than a synchronous caller's. Default {@link #start}, for transports whose {@code start}
     * never blocks.
     */
    default void startDetached(Callback<R> callback) {
      start(callback);
    }

    /** Cancels the attempt, started or not. Any thread; idempotent; must not block. */
    void cancel();

    /** Whether the attempt started writing its request (the request may have left). Any thread. */
    boolean requestLeft();
  }

  /**
   * Where an attempt reports its end; the loop's side. Both methods are cheap and never throw.
   *
   * @param <R> the adapter's response type
   */
  interface Callback<R> {
    /** The attempt's response headers arrived. */
    void onHeaders(R response);

    /** The attempt failed (including when it was cancelled). */
    void onFailure(IOException e);
  }
}
