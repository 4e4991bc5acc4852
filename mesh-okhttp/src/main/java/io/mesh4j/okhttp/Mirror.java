package io.mesh4j.okhttp;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.internal.ClusterResilience;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickResult;
import io.mesh4j.okhttp.Plan.ClusterPlan;
import io.mesh4j.okhttp.Plan.RoutePlan;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.time.Ticker;
import io.mesh4j.observe.AttemptSpan;
import java.io.IOException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends shadow copies of requests ({@code mirror}), fire and forget, as Envoy's request mirroring:
 * the copy carries the caller's authority with {@code -shadow} appended to the host, goes to an
 * endpoint of the mirror cluster, and its response is discarded.
 *
 * <h2>Never affecting the real call</h2>
 *
 * <ul>
 *   <li>The copy is handed to a dispatcher of its own (daemon threads named {@code
 *       mesh4j-mirror-N}), so it never takes one of the wrapped client's async slots and never runs
 *       on the caller's thread beyond the enqueue.
 *   <li>It is sent once the real call has its answer (the final attempt's response headers, or
 *       its failure), so its body is never written while the real call writes the same body.
 *   <li>At most {@code maxInFlight} copies are in flight; beyond that a copy is dropped and
 *       counted ({@code mesh.client.mirror{result=dropped}}), so a slow mirror cluster costs
 *       nothing but drops. A copy is also dropped when the body cannot be replayed (one-shot or
 *       duplex), when the mirror cluster's breaker refuses it, or when it has no usable endpoint.
 *   <li>A copy's outcome is reported to the mirror endpoint like any attempt (outlier detection,
 *       breaker, least-request counts), never to the real call.
 * </ul>
 *
 * Thread-safe.
 */
final class Mirror {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final OkHttpClient client;
  /** Steers copies to endpoints without rewriting URLs; null with a custom socket factory. */
  private final EndpointTargeting targeting;
  /** The mirror client's TLS variants, for mirror clusters that speak TLS. */
  private final AttemptClients.Variant tlsClients;
  private final ThreadPoolExecutor executor;
  private final Ticker ticker;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  Mirror(OkHttpClient attemptClient, Ticker ticker, int maxInFlight) {
    this.ticker = ticker;
    this.maxInFlight = maxInFlight;
    this.executor =
        new ThreadPoolExecutor(
            // Unbounded like OkHttp's own: the dispatcher's maxRequests is the bound, and a thread
            // still returning to the pool must not make a promoted call fail with a rejection.
            0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "mesh4j-mirror-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Dispatcher d = new Dispatcher(executor);
    d.setMaxRequests(maxInFlight);
    d.setMaxRequestsPerHost(maxInFlight);
    this.client = attemptClient.newBuilder().dispatcher(d).build();
    this.targeting = EndpointTargeting.supports(client) ? new EndpointTargeting(client) : null;
    this.tlsClients = new AttemptClients.Variant(client);
  }

  /** Copies in flight right now. */
  int inFlight() {
    return inFlight.get();
  }

  void send(MeshCall call, RoutePlan rp, ClusterPlan target, RequestBody body) {
    ClusterResilience res = target.resilience;
    if (body != null && (body.isOneShot() || body.isDuplex())) {
      res.mirrorDropped.increment();
      return;
    }
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      res.mirrorDropped.increment();
      return;
    }
    Admission a = res.breaker.tryAcquire();
    if (!a.admitted()) {
      inFlight.decrementAndGet();
      res.rejected(a);
      res.mirrorDropped.increment();
      return;
    }
    PickResult pick = target.cluster.pick(call);
    if (!pick.hasEndpoint()) {
      res.breaker.release();
      inFlight.decrementAndGet();
      res.mirrorDropped.increment();
      return;
    }
    Endpoint endpoint = pick.endpoint();
    CallTracing tracing = call.tracing;
    AttemptSpan span = tracing == null ? null : tracing.span.mirror(endpoint, target.cluster.name());
    Request copy;
    OkHttpClient c0;
    try {
      long left = Math.min(target.timeoutNanos, call.context().remainingNanos(ticker));
      String shadow = OkHttpTransport.shadowAuthority(rp, call.authority());
      if (target.tls == null) {
        copy = OkHttpTransport.upstream(
            call, endpoint, rp, shadow, targeting != null, false, span, left);
        c0 = targeting != null ? targeting.client(endpoint) : client;
      } else {
        AttemptClients.Variant v = tlsClients.tls(target.tls);
        copy = OkHttpTransport.upstream(
            call, endpoint, rp, shadow, v.targeting != null, true, span, left);
        c0 = v.targeting != null ? v.targeting.client(endpoint) : v.client;
      }
    } catch (RuntimeException e) {
      res.breaker.release();
      inFlight.decrementAndGet();
      res.mirrorDropped.increment();
      if (span != null) span.end(0, Failure.OTHER, false);
      throw e;
    }
    Call c = c0.newCall(copy);
    WatchdogSentinel.beforeCallTimeout();
    c.timeout().timeout(target.timeoutNanos, TimeUnit.NANOSECONDS);
    Shadow shadow = new Shadow(target, endpoint, c, span);
    c.addEventListener(shadow);
    EndpointInternals.requestStarted(endpoint);
    shadow.start = ticker.read();
    c.enqueue(shadow);
  }

  /** Reports one shadow copy's outcome exactly once and discards its response. */
  private final class Shadow extends EventListener implements Callback {
    private final ClusterPlan target;
    private final Endpoint endpoint;
    private final Call call;
    /** The copy's span, or null when not traced. */
    private final AttemptSpan span;
    private volatile boolean requestStarted;
    long start;

    Shadow(ClusterPlan target, Endpoint endpoint, Call call, AttemptSpan span) {
      this.target = target;
      this.endpoint = endpoint;
      this.call = call;
      this.span = span;
    }

    @Override
    public void requestHeadersStart(Call c) {
      if (c == call) requestStarted = true;
    }

    @Override
    public void onResponse(Call c, Response response) {
      int status = response.code();
      response.close();
      finish(status, Failure.NONE);
      target.resilience.mirrorSent.increment();
    }

    @Override
    public void onFailure(Call c, IOException e) {
      Failure f = Failures.isCallTimeout(e) ? Failure.TIMEOUT : Failures.classify(e, requestStarted);
      finish(0, f);
      target.resilience.mirrorFailed.increment();
    }

    private void finish(int status, Failure failure) {
      long latency = ticker.read() - start;
      EndpointInternals.requestFinished(endpoint);
      ClusterInternals.onOutcome(target.cluster, endpoint, status, failure, latency);
      target.resilience.breaker.onComplete(status, failure, latency);
      inFlight.decrementAndGet();
      if (span != null) span.end(status, failure, status != 0 || requestStarted);
    }
  }
}
