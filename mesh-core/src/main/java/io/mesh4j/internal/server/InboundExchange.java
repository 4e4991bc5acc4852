package io.mesh4j.internal.server;

import io.mesh4j.config.HeadersConfig;
import io.mesh4j.context.MeshContext;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.internal.concurrency.AdaptiveLimiter;
import io.mesh4j.internal.policy.PolicyRun;
import io.mesh4j.time.Ticker;
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
 * One inbound request as the {@link InboundPipeline} decides it: when it started, its context, the
 * route state the pipeline chose, the cluster of a forwarding decision, the request policies around
 * it, and the guarantee that its outcome ({@code mesh.server.requests}, the policies' completion,
 * and the concurrency limiter's sample) is recorded exactly once, whichever thread finishes the
 * request.
 *
 * <p>A server adapter extends it with what its container needs to learn when the request ends (the
 * servlet adapter adds an async listener). Thread-safe after the pipeline has decided.
 */
public class InboundExchange {
  private static final Logger log = LoggerFactory.getLogger(InboundExchange.class);

  /** The request's context; replaced once by the route step when the request gets a deadline. */
  private volatile MeshContext context;
  private final ServerSpan span;
  private final Ticker ticker;
  private final long startNanos;
  private final AtomicBoolean recorded = new AtomicBoolean();
  private volatile RouteState route;
  private volatile String cluster;
  /** The request policies around this request, or {@code null}; told the outcome once, on record. */
  private volatile PolicyRun policies;
  /** The concurrency limiter that admitted this request, or {@code null}; closed once, on record. */
  private volatile AdaptiveLimiter limiter;
  private volatile long admittedNanos;
  /** The route's headers merged with the policies' edits, or {@code null} for the route's own. */
  private volatile HeadersConfig policyHeaders;

  /** An exchange that started at {@code startNanos} on {@code ticker}, with its context. */
  protected InboundExchange(MeshContext context, Ticker ticker, long startNanos) {
    this.context = context;
    this.span = context.span();
    this.ticker = ticker;
    this.startNanos = startNanos;
  }

  /**
   * The request's mesh context (request id, propagated headers, server span; after the route step
   * also its deadline).
   */
  public final MeshContext context() {
    return context;
  }

  /** The request's server span ({@link ServerSpan#NOOP} when the mesh does not trace). */
  public final ServerSpan span() {
    return span;
  }

  final long ticker() {
    return ticker.read();
  }

  final void context(MeshContext context) {
    this.context = context;
  }

  /** The state of the route the pipeline chose; {@code null} before the route step. */
  public final RouteState route() {
    return route;
  }

  /** The cluster a {@link InboundPipeline.Verdict#FORWARD} decision sends the request to. */
  public final String cluster() {
    return cluster;
  }

  final long startNanos() {
    return startNanos;
  }

  final void route(RouteState route) {
    this.route = route;
  }

  final void cluster(String cluster) {
    this.cluster = cluster;
  }

  /** The request was admitted by {@code limiter} at {@code nanos}: {@link #record} closes it. */
  final void admitted(AdaptiveLimiter limiter, long nanos) {
    this.admittedNanos = nanos;
    this.limiter = limiter;
  }

  /**
   * Records the request's outcome with the status the client got, unless it was recorded already;
   * returns whether this call recorded it. Requires the route step to have run.
   *
   * <p>A request the concurrency limit admitted is closed on the limiter here: its latency since
   * admission is a sample when the application (or the forwarded upstream) answered ({@link
   * Outcome#PASS}, {@link Outcome#FORWARD}, whatever the status); an {@link Outcome#ERROR} (the
   * application threw, the async request failed or timed out, the client went away) only frees
   * the slot, as Netflix's servlet filter ignores such requests: a quick crash says nothing about
   * capacity.
   */
  public final boolean record(Outcome outcome, int status) {
    if (!recorded.compareAndSet(false, true)) return false;
    AdaptiveLimiter l = limiter;
    if (l != null) {
      try {
        if (outcome == Outcome.ERROR) l.release();
        else l.onSuccess(ticker.read() - admittedNanos);
      } catch (RuntimeException e) {
        log.warn("mesh4j: closing a request on the concurrency limiter failed", e);
      }
    }
    long latency = ticker.read() - startNanos;
    ServerSpan s = span;
    if (s == ServerSpan.NOOP) {
      recordTimer(outcome, status, latency);
    } else {
      // The span is current while the timer records, so a registry that samples exemplars sees it.
      try (TraceScope scope = s.activate()) {
        recordTimer(outcome, status, latency);
      } catch (RuntimeException e) {
        log.warn("mesh4j: activating the server span failed", e);
      }
      try {
        s.end(outcome.tag, status);
      } catch (RuntimeException e) {
        log.warn("mesh4j: ending the server span failed", e);
      }
    }
    PolicyRun run = policies;
    if (run != null) run.complete(status, null);
    return true;
  }

  private void recordTimer(Outcome outcome, int status, long latency) {
    try {
      route.timer(outcome, status).record(latency, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      log.warn("mesh4j: recording a server request failed", e);
    }
  }

  /** Whether the outcome has been recorded. */
  public final boolean isRecorded() {
    return recorded.get();
  }

  /** Attaches the request's policy run (before anything is recorded). */
  final void policies(PolicyRun run) {
    this.policies = run;
  }

  /**
   * Folds the policies' header edits into the route's {@code headers}: a set replaces every value
   * (the route's added value included), a removal hides the header.
   */
  final void applyHeaderEdits(PolicyRun run) {
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

  /** The header changes the application's view of the request gets (route and policies), or null. */
  public final HeadersConfig requestHeaders() {
    HeadersConfig h = policyHeaders;
    return h != null ? h : route.headers;
  }
}
