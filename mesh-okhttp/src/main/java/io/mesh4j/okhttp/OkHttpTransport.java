package io.mesh4j.okhttp;

import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.identity.PeerIdentityException;
import io.mesh4j.internal.Deadlines;
import io.mesh4j.internal.client.AttemptEnd;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.Transport;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.okhttp.Plan.RoutePlan;
import io.mesh4j.okhttp.Plan.Target;
import io.mesh4j.internal.policy.PolicyRun;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The OkHttp {@link Transport} of one forwarded pass of a {@link MeshCall}: each attempt is its own
 * OkHttp {@link Call} on the wrapped client's attempt client (steered to the endpoint by {@link
 * EndpointTargeting}, or addressed to it), whose {@code Call.timeout()} is the time left before the
 * overall deadline; the attempt, as that call's {@link EventListener}, learns whether the request
 * headers started ({@link Transport.Attempt#requestLeft}). An attempt is sent with {@code
 * Call.execute()} on the thread that starts it when the loop is driven by a synchronous caller
 * ({@link AttemptLoop#run}; the transport is then {@linkplain #blocking blocking}), and with {@code
 * Call.enqueue()} otherwise and for a {@linkplain Transport.Attempt#startDetached detached} start
 * (a hedge), its end coming back on OkHttp's dispatcher thread. Also builds the upstream request of an attempt or a mirror copy
 * ({@link #upstream}). Thread-safe as the {@link Transport} contract requires.
 */
final class OkHttpTransport implements Transport<Response> {
  private final MeshCall call;
  private final AttemptClients.Variant clients;
  private final RoutePlan route;
  private final Target target;
  private final boolean async;
  /**
   * The attempts sent, latest first (a list through {@link OkAttempt#previous}): cancelling the
   * call must still cut the body of the one whose response was handed back, and a loser left to
   * answer.
   */
  private volatile OkAttempt attempts;

  OkHttpTransport(MeshCall call, AttemptClients.Variant clients, RoutePlan route, Target target,
      boolean async) {
    this.call = call;
    this.clients = clients;
    this.route = route;
    this.target = target;
    this.async = async;
  }

  /** Per thread: how deep it is in delivering an OkHttp callback (no allocation after the first). */
  private static final ThreadLocal<int[]> DISPATCHING = ThreadLocal.withInitial(() -> new int[1]);

  /** Marks this thread as running ({@code +1}) or done running ({@code -1}) an OkHttp callback. */
  static void dispatching(int delta) {
    DISPATCHING.get()[0] += delta;
  }

  /** Whether this thread is an OkHttp dispatcher thread delivering an attempt's end. */
  static boolean onDispatcherThread() {
    return DISPATCHING.get()[0] > 0;
  }

  /**
   * Cancels every attempt of this pass: the one whose response was handed back (its body may still
   * be read) and any loser left to answer.
   */
  void cancelAnswered() {
    for (OkAttempt a = attempts; a != null; a = a.previous) a.c.cancel();
  }

  /** Synchronous: {@link Transport.Attempt#start} executes the call on the calling thread. */
  @Override
  public boolean blocking() {
    return !async;
  }

  /**
   * Yes: closing a late response's body ({@link #discard}) lets OkHttp read the rest of a small
   * body and pool the connection, where a cancel closes an HTTP/1.1 connection.
   */
  @Override
  public boolean leavesLosers() {
    return true;
  }

  @Override
  public Transport.Attempt<Response> prepare(Endpoint endpoint, long timeoutNanos) {
    io.mesh4j.internal.tls.ClusterTls tls = target.cluster.tls;
    AttemptClients.Variant v = tls == null ? clients : clients.tls(tls);
    EndpointTargeting targeting = v.targeting;
    OkHttpClient attemptClient = targeting != null ? targeting.client(endpoint) : v.client;
    CallTracing tracing = call.tracing;
    AttemptSpan span = tracing == null ? null : tracing.preparing;
    if (tracing != null) tracing.preparing = null;
    Call c = attemptClient.newCall(upstream(
        call, endpoint, route, null, targeting != null, tls != null, span, timeoutNanos));
    WatchdogSentinel.beforeCallTimeout();
    c.timeout().timeout(timeoutNanos, TimeUnit.NANOSECONDS);
    OkAttempt a = new OkAttempt(c, span, endpoint, tls);
    c.addEventListener(a);
    a.previous = attempts;
    attempts = a;
    return a;
  }

  /** One attempt: its OkHttp call, and the listener and callback of that call. */
  private final class OkAttempt extends EventListener implements Transport.Attempt<Response>,
      okhttp3.Callback {
    private final Call c;
    /** The attempt's span, or null when not traced. */
    private final AttemptSpan span;
    private final Endpoint endpoint;
    /** The cluster's client TLS, or null for plaintext. */
    private final io.mesh4j.internal.tls.ClusterTls tls;
    private volatile boolean requestStarted;
    private Transport.Callback<Response> callback;
    /** Whether the call was enqueue()d: its end comes on a dispatcher thread. */
    private boolean enqueued;
    /** The attempt prepared before this one in the same pass, or null. */
    OkAttempt previous;

    OkAttempt(Call c, AttemptSpan span, Endpoint endpoint, io.mesh4j.internal.tls.ClusterTls tls) {
      this.c = c;
      this.span = span;
      this.endpoint = endpoint;
      this.tls = tls;
    }

    /**
     * Records a refused server identity against the endpoint (the cluster's {@code verify} at the
     * handshake, or the route's on the connection), for the admin page and {@code explain}.
     */
    private void failed(IOException e) {
      if (tls == null) return;
      PeerIdentityException p = PeerIdentityException.find(e);
      if (p == null) return;
      RouteVerify.Refused r = RouteVerify.find(e);
      tls.refusedEndpoint(endpoint.address(), p.presented(), p.expected(),
          r != null ? r.by : "cluster");
    }

    @Override
    public void start(Transport.Callback<Response> callback) {
      begin(callback, async);
    }

    @Override
    public void startDetached(Transport.Callback<Response> callback) {
      begin(callback, true);
    }

    private void begin(Transport.Callback<Response> callback, boolean enqueue) {
      if (span == null) {
        send(callback, enqueue);
        return;
      }
      // Current while OkHttp takes the call, so instrumentation inside OkHttp nests under it.
      try (TraceScope s = span.activate()) {
        send(callback, enqueue);
      }
    }

    private void send(Transport.Callback<Response> callback, boolean enqueue) {
      this.callback = callback;
      if (enqueue) {
        enqueued = true;
        c.enqueue(this);
        return;
      }
      Response response;
      try {
        response = c.execute();
      } catch (IOException e) {
        failed(e);
        callback.onFailure(e);
        return;
      }
      onResponse(c, response);
    }

    @Override
    public void onResponse(Call c, Response response) {
      if (!enqueued) {
        callback.onHeaders(response);
        return;
      }
      dispatching(+1);
      try {
        callback.onHeaders(response);
      } finally {
        dispatching(-1);
      }
    }

    @Override
    public void onFailure(Call c, IOException e) {
      failed(e);
      if (!enqueued) {
        callback.onFailure(e);
        return;
      }
      dispatching(+1);
      try {
        callback.onFailure(e);
      } finally {
        dispatching(-1);
      }
    }

    @Override
    public void cancel() {
      c.cancel();
    }

    @Override
    public boolean requestLeft() {
      return requestStarted;
    }

    @Override
    public void requestHeadersStart(Call c) {
      requestStarted = true;
    }
  }

  @Override
  public int status(Response response) {
    return response.code();
  }

  @Override
  public String header(Response response, String name) {
    return response.header(name);
  }

  @Override
  public void discard(Response response) {
    response.close();
  }

  @Override
  public Failure classify(IOException e, boolean requestLeft) {
    return Failures.classify(e, requestLeft);
  }

  @Override
  public boolean isDeadline(IOException e) {
    return Failures.isCallTimeout(e);
  }

  @Override
  public boolean refusedEndpoint(IOException e) {
    return target.cluster.tls != null && PeerIdentityException.find(e) != null;
  }

  @Override
  public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
      String detail, IOException cause) {
    Reason reason = reason(end);
    if ((end == AttemptEnd.UPSTREAM_FAILURE || end == AttemptEnd.NO_HEALTHY_ENDPOINT)
        && target.cluster.tls != null && PeerIdentityException.find(cause) != null) {
      reason = Reason.PEER_IDENTITY_REFUSED;
      RouteVerify.Refused byRoute = RouteVerify.find(cause);
      String refused = byRoute != null
          ? byRoute.getMessage() : PeerIdentityException.find(cause).getMessage();
      detail = detail == null ? refused : refused + "; " + detail;
    }
    return new MeshException(reason, target.cluster.name, route.tag, sent, failure,
        attempts, detail, cause);
  }

  /** The engine's reasons are {@link Reason}s of the same name ({@code MeshExceptionReasonTest}). */
  private static Reason reason(AttemptEnd end) {
    return Reason.valueOf(end.name());
  }

  // ------------------------------------------------------------------ upstream requests

  /**
   * The request {@code call} sends to {@code endpoint}: the caller's request, with propagated
   * headers and {@code x-request-id} added where the caller set none, the attempt's trace context
   * ({@code span}, when traced) and the deadline header with {@code timeLeftNanos} (when the
   * inbound request has a deadline), then the route's header removals and additions.
   *
   * <p>With {@code keepUrl} (the attempt client is steered to the endpoint, see {@link
   * EndpointTargeting}) the URL stays the caller's, except for a path rewrite, and {@code Host} is
   * set only for {@code rewrite.host} or a mirror copy ({@code shadowHost}); when nothing changes,
   * the caller's request itself is returned. Otherwise the URL points at the endpoint and {@code
   * Host} carries the caller's authority (or {@code rewrite.host}, or {@code shadowHost}).
   */
  static Request upstream(MeshCall call, Endpoint endpoint, RoutePlan rp, String shadowHost,
      boolean keepUrl, boolean tls, AttemptSpan span, long timeLeftNanos) {
    MeshContext ctx = call.context();
    Request request = call.outgoing();
    boolean addId = request.header(MeshContext.REQUEST_ID) == null;
    // What is sent is what was matched: the canonical (or rewritten) path, never the raw one.
    String sendPath = call.sendPath();
    boolean rewritesPath = !sendPath.equals(call.rawPath());
    String deadlineHeader = ctx.hasDeadline() ? ctx.deadlineHeader() : null;
    boolean toHttps = tls && !request.isHttps();
    RouteVerify verify = tls ? rp.verify : null;
    if (keepUrl && !addId && !rewritesPath && shadowHost == null && rp.hostRewrite == null
        && !rp.changesHeaders && !toHttps && !missingPropagated(request, ctx) && span == null
        && deadlineHeader == null && verify == null) {
      return request;
    }
    Request.Builder b = request.newBuilder();
    // Checked by RouteVerify.CHECK on the connection OkHttp picks, before anything is written.
    if (verify != null) b.tag(RouteVerify.class, verify);
    if (keepUrl) {
      if (toHttps && !rewritesPath) {
        b.url(rp.httpsUrls.of(request.url()));
      } else if (rewritesPath || toHttps) {
        HttpUrl.Builder url = request.url().newBuilder();
        if (rewritesPath) url.encodedPath(sendPath);
        if (toHttps) url.scheme("https");
        b.url(url.build());
      }
      if (shadowHost != null) {
        b.header("Host", shadowHost);
      } else if (rp.hostRewrite != null) {
        b.header("Host", rp.hostRewrite);
      }
    } else {
      HttpUrl url = request.url();
      b.url(EndpointUrls.at(endpoint, url, toHttps, rewritesPath ? sendPath : url.encodedPath()));
      String host = rp.hostRewrite != null ? rp.hostRewrite : call.authority();
      b.header("Host", shadowHost != null ? shadowHost : host);
    }
    if (addId) b.header(MeshContext.REQUEST_ID, call.requestId(ctx));
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      String name = ctx.headerName(i);
      if (request.header(name) == null) b.header(name, ctx.headerValue(i));
    }
    // The attempt's own trace context replaces a propagated (inbound) traceparent/baggage.
    if (span != null) span.inject(b::header);
    if (deadlineHeader != null) {
      b.header(deadlineHeader, Deadlines.format(deadlineHeader, timeLeftNanos));
    }
    if (rp.changesHeaders) {
      List<String> remove = rp.headers.remove();
      for (int i = 0; i < remove.size(); i++) b.removeHeader(remove.get(i));
      for (Map.Entry<String, String> e : rp.headers.add().entrySet()) {
        b.addHeader(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  /** {@code request} with the header edits of the request policies of {@code run} applied. */
  static Request withHeaderEdits(Request request, PolicyRun run) {
    int edits = run.headerEditCount();
    if (edits == 0) return request;
    Request.Builder b = request.newBuilder();
    for (int i = 0; i < edits; i++) {
      String value = run.headerEditValue(i);
      if (value == null) b.removeHeader(run.headerEditName(i));
      else b.header(run.headerEditName(i), value);
    }
    return b.build();
  }

  private static boolean missingPropagated(Request request, MeshContext ctx) {
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      if (request.header(ctx.headerName(i)) == null) return true;
    }
    return false;
  }

  /** {@code authority} with {@code -shadow} appended to the host part (Envoy's rule). */
  static String shadowAuthority(RoutePlan rp, String authority) {
    String a = rp.hostRewrite != null ? rp.hostRewrite : authority;
    int end = FollowUps.hostEnd(a);
    return a.substring(0, end) + "-shadow" + a.substring(end);
  }
}
