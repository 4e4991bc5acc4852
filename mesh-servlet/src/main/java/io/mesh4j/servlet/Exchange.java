package io.mesh4j.servlet;

import io.mesh4j.context.MeshContext;
import io.mesh4j.time.Ticker;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound request as the filter follows it: when it started, its route, its context, and the
 * guarantee that its outcome is recorded exactly once, synchronously after {@code doFilter} or,
 * when the request went async, from this {@link AsyncListener} when the response completes.
 *
 * <p>Kept in a request attribute so that async and error dispatches of the same request find its
 * context again. Thread-safe: the container may call the listener on any thread.
 */
final class Exchange implements AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  final MeshContext context;
  final RouteState route;
  private final HttpServletResponse response;
  private final Ticker ticker;
  private final long startNanos;
  private final AtomicBoolean recorded = new AtomicBoolean();
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile boolean failed;

  Exchange(MeshContext context, RouteState route, HttpServletResponse response, Ticker ticker, long startNanos) {
    this.context = context;
    this.route = route;
    this.response = response;
    this.ticker = ticker;
    this.startNanos = startNanos;
  }

  /** Records the request's outcome unless it was recorded already; returns whether it did. */
  boolean record(Outcome outcome, int status) {
    if (!recorded.compareAndSet(false, true)) return false;
    try {
      route.timer(outcome, status).record(ticker.read() - startNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      log.warn("mesh4j: recording a server request failed", e);
    }
    return true;
  }

  /** Whether the outcome has been recorded. */
  boolean isRecorded() {
    return recorded.get();
  }

  /** Whether this listener is registered with the request's async cycle. */
  boolean isListening() {
    return listening.get();
  }

  /** Registers this listener with {@code async} (once per async cycle). */
  void listenTo(AsyncContext async) {
    listening.set(true);
    async.addListener(this);
  }

  /**
   * After the first dispatch returned with the request in async mode but this listener not yet
   * registered (the application started async on the container's own request object, not the
   * filter's wrapper): registers it now, or records at once if the request completed meanwhile.
   */
  void listenLate(HttpServletRequest request) {
    try {
      if (request.isAsyncStarted()) {
        listenTo(request.getAsyncContext());
        return;
      }
    } catch (IllegalStateException e) {
      // Completed between the two calls.
    }
    record(Outcome.PASS, response.getStatus());
  }

  @Override
  public void onComplete(AsyncEvent event) {
    record(failed ? Outcome.ERROR : Outcome.PASS, response.getStatus());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    failed = true;
  }

  @Override
  public void onError(AsyncEvent event) {
    failed = true;
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // A new async cycle of the same request: the container has dropped its listeners.
    AsyncContext async = event.getAsyncContext();
    if (async != null) async.addListener(this);
  }
}
