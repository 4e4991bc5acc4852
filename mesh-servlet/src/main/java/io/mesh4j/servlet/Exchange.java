package io.mesh4j.servlet;

import io.mesh4j.config.HeadersConfig;
import io.mesh4j.context.MeshContext;
import io.mesh4j.policy.PolicyRun;
import io.mesh4j.time.Ticker;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  /** The request policies around this request, or {@code null}; told the outcome once, on record. */
  private volatile PolicyRun policies;
  /** The route's headers merged with the policies' edits, or {@code null} for the route's own. */
  private volatile HeadersConfig policyHeaders;

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
    PolicyRun run = policies;
    if (run != null) run.complete(status, null);
    return true;
  }

  /** Attaches the request's policy run (before anything is recorded). */
  void policies(PolicyRun run) {
    this.policies = run;
  }

  /**
   * Folds the policies' header edits into the route's {@code headers}: a set replaces every value
   * (the route's added value included), a removal hides the header.
   */
  void applyHeaderEdits(PolicyRun run) {
    int n = run.headerEditCount();
    if (n == 0) return;
    Map<String, String> last = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      last.remove(run.headerEditName(i));
      last.put(run.headerEditName(i), run.headerEditValue(i));
    }
    HeadersConfig own = route.headers;
    Map<String, String> add = new LinkedHashMap<>();
    List<String> remove = new ArrayList<>();
    if (own != null) {
      own.add().forEach((k, v) -> {
        if (!last.containsKey(k.toLowerCase(Locale.ROOT))) add.put(k, v);
      });
      remove.addAll(own.remove());
    }
    last.forEach((k, v) -> {
      remove.add(k);
      if (v != null) add.put(k, v);
    });
    policyHeaders = new HeadersConfig(add, remove);
  }

  /** The header changes the application's view of the request gets. */
  HeadersConfig requestHeaders() {
    HeadersConfig h = policyHeaders;
    return h != null ? h : route.headers;
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
