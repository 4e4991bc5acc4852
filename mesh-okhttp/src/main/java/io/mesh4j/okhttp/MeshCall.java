package io.mesh4j.okhttp;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.OutboundPipeline;
import io.mesh4j.lb.PickContext;
import io.mesh4j.okhttp.ClientMeters.Outcome;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.okhttp.Plan.RoutePlan;
import io.mesh4j.okhttp.Plan.Target;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyRun;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.Locale;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * One call through the mesh: the {@link RequestView} the router matches, the {@link
 * OutboundPipeline.Exchange} that carries out what mesh-core's {@link OutboundPipeline} decides
 * (the order of steps is the engine's: route, path, policies, action; fault then attempts for a
 * forward), and the {@link EventListener} that learns about the caller's cancellation.
 *
 * <p>Two ways in. {@link #run()}: the interceptor's, synchronous, on the thread running the chain
 * (the caller's for {@code execute()}, a dispatcher thread for an {@code enqueue()} that went
 * through the interceptor). {@link #start}: an {@code enqueue()} routed here directly by {@link
 * MeshClient}, with no thread held while it waits: the attempts are {@code enqueue()}d, backoffs
 * and fault delays are timers, and the steps after each continue on the thread that ended the
 * wait; the caller's callback runs on an OkHttp dispatcher thread, as OkHttp's own would.
 *
 * <h2>Attempts</h2>
 *
 * The loop itself (budget, breaker, pick, exactly one outcome report per attempt, retry decision,
 * backoff, per-try timeout) is mesh-core's {@link AttemptLoop}, over an {@link OkHttpTransport}.
 * Each attempt is its own OkHttp call on the wrapped client's attempt client (same pool, same
 * dispatcher, no application interceptors, OkHttp's own connection retries off). That gives every
 * attempt its own timeout and cancel handle: the attempt's {@code Call.timeout()} is the time left
 * before the overall deadline (so it also bounds reading the body of the final response), the
 * loop's per-try timer cancels just that attempt, and cancelling the caller's call cancels the
 * attempt in flight and ends a backoff.
 *
 * <p>Steps of one call never run concurrently; the volatile fields are those the listener
 * callbacks and the loop's timer touch.
 */
final class MeshCall extends EventListener implements RequestView, PickContext,
    OutboundPipeline.Exchange<Response>, OutboundPipeline.Forward<Response>,
    AttemptLoop.Completion<Response> {
  static final int MAX_FOLLOW_UPS = 20;
  static final String DRAINING_HEADER = AttemptLoop.DRAINING_HEADER;
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String REQUEST_ID = "x-request-id";
  /** What an asynchronous step returns when its answer comes later. Never handed to a caller. */
  static final Response PENDING = new Response.Builder()
      .request(new Request.Builder().url("http://pending.invalid/").build())
      .protocol(okhttp3.Protocol.HTTP_1_1).code(599).message("pending").build();

  private final MeshInterceptor owner;
  /** The interceptor chain ({@link #run}), or null ({@link #start}). */
  private final Interceptor.Chain chain;
  /** The caller's call: its cancel reaches the attempts. */
  private final Call outer;
  private final AttemptClients.Variant clients;
  private final boolean followRedirects;
  private final boolean followSslRedirects;
  /** The inbound request being served when the call was made (propagated headers, request id). */
  private final MeshContext context;
  /** An asynchronous call's callback and the call it reports as ({@link #start}); else null. */
  private final Callback callback;
  private final Call reportAs;
  private int followUps;

  // The logical request of the current routing pass (a follow-up starts a new pass).
  private Request request;
  private String method;
  private String authority;
  private String path;
  private String rawPath;
  /** The path rules of the snapshot the current pass routes on. */
  private RequestPath rules = RequestPath.DEFAULT;
  /** The path the attempts send, set by forward(): canonical, rewritten and re-checked. */
  private String sendPath;
  private String query;
  private boolean queryRead;
  private String requestId;
  private boolean passthrough;
  /** The request policies running around the current pass, or {@code null}. */
  private PolicyRun policyRun;

  /** When the current pass started routing ({@code Ticker} nanoseconds), and its plan. */
  private long start;
  private MeshSnapshot snapshot;
  private Plan plan;

  // The attempts of the current pass.
  private volatile AttemptLoop loop;
  private volatile OkHttpTransport transport;
  /** An asynchronous pass-through call in flight ({@link #leave}). */
  private volatile Call leaving;
  private RoutePlan sendRoute;
  private Target sendTarget;
  /** The target whose meters still have to record the forward in flight, or null. */
  private Target recording;
  private boolean faultAborted;

  private boolean listening;
  private volatile boolean canceled;

  /** A call run by the interceptor, on the thread running {@code chain}. */
  MeshCall(MeshInterceptor owner, Interceptor.Chain chain) {
    this.owner = owner;
    this.chain = chain;
    this.outer = chain.call();
    this.clients = owner.attemptClients.forChain(chain);
    this.followRedirects = chain.getFollowRedirects();
    this.followSslRedirects = chain.getFollowSslRedirects();
    this.context = MeshContext.current();
    this.callback = null;
    this.reportAs = null;
    this.request = chain.request();
  }

  /**
   * An enqueued call of {@code client} run without the interceptor: {@code outer} is the OkHttp
   * call that carries its cancel and timeout, {@code reportAs} the call the callback is given.
   */
  MeshCall(MeshInterceptor owner, OkHttpClient client, Call outer, Call reportAs, Callback callback) {
    this.owner = owner;
    this.chain = null;
    this.outer = outer;
    this.clients = owner.attemptClients.baseVariant();
    this.followRedirects = client.followRedirects();
    this.followSslRedirects = client.followSslRedirects();
    this.context = MeshContext.current();
    this.callback = callback;
    this.reportAs = reportAs;
    this.request = outer.request();
  }

  // ------------------------------------------------------------------ RequestView, PickContext

  @Override
  public String method() {
    return method;
  }

  @Override
  public String scheme() {
    return request.url().scheme();
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String path() {
    String p = path;
    if (p == null) {
      // Computed once, only when asked: the canonical path (RequestPath) every decision is made
      // on and the one sent; "" when it has none (the call fails with INVALID_PATH).
      rawPath = request.url().encodedPath();
      p = rules.canonical(rawPath);
      path = p = p == null ? "" : p;
    }
    return p;
  }

  @Override
  public String query() {
    if (!queryRead) {
      query = request.url().encodedQuery();
      queryRead = true;
    }
    return query;
  }

  @Override
  public String header(String name) {
    String value = joinedHeader(request.headers(), name);
    // Routes see the request as it will be sent: the caller's own header, else the header the
    // mesh propagates from the inbound request being served (upstream() adds exactly these), so
    // a header-based route honours a propagated x-canary without any application code.
    return value != null ? value : context.header(name);
  }

  /**
   * The lines of {@code name} joined with {@code ","} (RequestView#header, Envoy's rule); the
   * single value itself, without allocating, when the header occurs once.
   */
  static String joinedHeader(okhttp3.Headers headers, String name) {
    String value = null;
    for (int i = 0, n = headers.size(); i < n; i++) {
      if (headers.name(i).equalsIgnoreCase(name)) value = RequestView.join(value, headers.value(i));
    }
    return value;
  }

  @Override
  public String sourceAddress() {
    return null; // the local address is only known once a connection is chosen
  }

  @Override
  public RequestView request() {
    return this;
  }

  @Override
  public boolean alreadyTried(Endpoint endpoint) {
    AttemptLoop l = loop;
    return l != null && l.alreadyTried(endpoint);
  }

  // ------------------------------------------------------------------ EventListener

  @Override
  public void canceled(Call call) {
    if (call != outer) return;
    canceled = true;
    AttemptLoop l = loop;
    if (l != null) l.cancel();
    OkHttpTransport t = transport;
    if (t != null) t.cancelAnswered();
    Call c = leaving;
    if (c != null) c.cancel();
  }

  /** Starts the attempts of this pass: a new loop, cancelled at once if the caller cancelled. */
  private AttemptLoop startAttempts() {
    AttemptLoop l = new AttemptLoop(this, owner.ticker, owner.clock, owner.scheduler);
    loop = l;
    if (!listening) {
      listening = true;
      outer.addEventListener(this);
    }
    if (canceled || outer.isCanceled()) {
      canceled = true;
      l.cancel();
    }
    return l;
  }

  // ------------------------------------------------------------------ routing

  /** Runs the call on this thread and returns its response. */
  Response run() throws IOException {
    Request next = request;
    while (true) {
      reset(next);
      Response response;
      try {
        response = routeOnce();
      } catch (IOException | RuntimeException | Error e) {
        if (policyRun != null) policyRun.complete(0, e);
        throw e;
      }
      next = passEnded(response);
      if (next == null) return response;
    }
  }

  /**
   * The current pass answered {@code response}: tells its policies, and returns the follow-up
   * request to route next (after closing {@code response}), or null to hand it back.
   */
  private Request passEnded(Response response) throws ProtocolException {
    if (policyRun != null) policyRun.complete(response.code(), null);
    if (passthrough) return null;
    Request next = FollowUps.next(followRedirects, followSslRedirects, request, response);
    if (next == null) return null;
    response.close();
    if (++followUps > MAX_FOLLOW_UPS) {
      throw new ProtocolException("Too many follow-up requests: " + followUps);
    }
    return next;
  }

  // ------------------------------------------------------------------ asynchronous calls

  /** Starts the call; its end goes to the callback. Routing runs on this thread, nothing waits. */
  void start() {
    if (!listening) {
      listening = true;
      outer.addEventListener(this);
    }
    pass(request);
  }

  /** Runs passes until one is pending (it resumes in {@link #passDone}) or the call ends. */
  private void pass(Request next) {
    while (true) {
      reset(next);
      Response response;
      try {
        response = routeOnce();
      } catch (IOException | RuntimeException | Error e) {
        passDone(null, e);
        return;
      }
      if (response == PENDING) return;
      try {
        next = passEnded(response);
      } catch (IOException e) {
        deliver(null, e);
        return;
      }
      if (next == null) {
        deliver(response, null);
        return;
      }
    }
  }

  /** The pending part of an asynchronous pass ended (attempts, a fault delay, a pass-through). */
  private void passDone(Response response, Throwable failure) {
    if (failure != null) {
      if (policyRun != null) policyRun.complete(0, failure);
      deliver(null, failure);
      return;
    }
    if (response == PENDING) return;
    Request next;
    try {
      next = passEnded(response);
    } catch (IOException e) {
      deliver(null, e);
      return;
    }
    if (next == null) deliver(response, null);
    else pass(next);
  }

  /** The attempts of an asynchronous forward ended. Any thread. */
  @Override
  public void complete(Response response, Throwable failure) {
    mirror();
    forwarded(response, failure);
    passDone(response, failure);
  }

  /** The fault delay of an asynchronous forward ended and the steps after it ran. */
  @Override
  public void resumed(Response response, Throwable failure) {
    if (response != PENDING) forwarded(response, failure);
    passDone(response, failure);
  }

  @Override
  public Response pending() {
    return callback == null ? null : PENDING;
  }

  /**
   * Hands the call's end to the callback: on this thread when it is an OkHttp dispatcher thread
   * ending an attempt, else on the dispatcher's executor (never on the enqueuing thread or the
   * mesh's scheduler thread).
   */
  private void deliver(Response response, Throwable failure) {
    if (OkHttpTransport.onDispatcherThread()) {
      callBack(response, failure);
    } else {
      owner.attemptClients.base().dispatcher().executorService()
          .execute(() -> callBack(response, failure));
    }
  }

  private void callBack(Response response, Throwable failure) {
    try {
      if (failure == null) {
        callback.onResponse(reportAs, response);
      } else {
        IOException e = failure instanceof IOException io ? io
            : new IOException("canceled due to " + failure, failure);
        callback.onFailure(reportAs, e);
      }
    } catch (IOException | RuntimeException e) {
      owner.callbackFailed(reportAs, e);
    }
  }

  private void reset(Request r) {
    request = r;
    String m = r.method();
    method = FollowUps.isUpperCase(m) ? m : m.toUpperCase(Locale.ROOT);
    String host = r.header("Host");
    authority = host != null ? host : FollowUps.authorityOf(r.url());
    path = null;
    query = null;
    queryRead = false;
    passthrough = false;
    policyRun = null;
    loop = null;
    sendPath = null;
    faultAborted = false;
  }

  private Response routeOnce() throws IOException {
    MeshSnapshot snapshot = owner.mesh.current();
    rules = snapshot.requestPath();
    path = null;
    RouteTarget target = request.tag(RouteTarget.class);
    if (target != null) {
      // Matched elsewhere (an inbound route forwarded by mesh-gateway): straight to the attempts.
      start = owner.ticker.read();
      plan = owner.plan(snapshot);
      return forward(plan.targetRoute(target.route()), target.cluster());
    }
    start = owner.ticker.read();
    this.snapshot = snapshot;
    plan = null;
    return OutboundPipeline.decide(snapshot.outbound(), this, this);
  }

  /** The client plan of the snapshot this pass routes on, built on first use. */
  private Plan plan() {
    Plan p = plan;
    if (p == null) plan = p = owner.plan(snapshot);
    return p;
  }

  // ------------------------------------------------------------------ OutboundPipeline.Exchange

  @Override
  public Response leave() throws IOException {
    passthrough = true;
    if (chain != null) return chain.proceed(request);
    Call c = owner.attemptClients.base().newCall(request);
    leaving = c;
    if (canceled) c.cancel();
    c.enqueue(new Callback() {
      @Override
      public void onResponse(Call call, Response response) {
        OkHttpTransport.dispatching(+1);
        try {
          passDone(response, null);
        } finally {
          OkHttpTransport.dispatching(-1);
        }
      }

      @Override
      public void onFailure(Call call, IOException e) {
        OkHttpTransport.dispatching(+1);
        try {
          passDone(null, e);
        } finally {
          OkHttpTransport.dispatching(-1);
        }
      }
    });
    return PENDING;
  }

  @Override
  public Response noRoute(String vh) throws IOException {
    plan().noRouteMeters(vh).request(Outcome.NO_ROUTE, 0, owner.ticker.read() - start);
    throw new MeshException(
        Reason.NO_ROUTE, null, vh + "/", false, Failure.NONE, 0,
        "no route of virtual host " + vh + " matches " + method + " " + path(), null);
  }

  @Override
  public Response answer(Route route, RouteAction action) {
    Response r = action.kind() == RouteAction.Kind.RESPOND
        ? DirectResponses.respond(request, (RouteAction.Respond) action)
        : DirectResponses.redirect(request, (RouteAction.Redirect) action, this);
    plan().route(route).direct.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
    return r;
  }

  @Override
  public Response forward(Route route, String cluster) throws IOException {
    return forward(plan().route(route), cluster);
  }

  /**
   * A call whose path {@link RequestPath#canonical} did not accept: a 307 to the unescaped path
   * under {@code unescape_and_redirect} (followed like a redirect route's), else {@code
   * INVALID_PATH}, recorded as outcome {@code invalid-path} under the route it would have taken
   * (matched on no path: conditions on the path fail) or its virtual host's no-route tag.
   */
  @Override
  public Response invalidPath(RouteMatch m) throws IOException {
    ClientMeters.RouteMeters meters = m.outcome() == RouteMatch.Outcome.ROUTED
        ? plan().route(m.route()).direct
        : plan().noRouteMeters(m.virtualHost());
    String target = rules.redirect(rawPath);
    if (target != null) {
      Response r = DirectResponses.pathRedirect(request, target);
      meters.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
      return r;
    }
    meters.request(Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
    PathRefusal why = rules.refusal(rawPath);
    throw new MeshException(Reason.INVALID_PATH, null, null, false, Failure.NONE, 0,
        "the path " + rawPath + " has no safe canonical form ("
            + (why == null ? "refused" : why.tag()) + ")", null);
  }

  /**
   * Runs the route's request policies: returns a policy's answer, or {@code null} after applying
   * their header edits to {@link #request} (what the rest of the pass sends). {@link #run} reports
   * the pass's outcome to them.
   */
  @Override
  public Response policies(Route route) {
    RoutePlan rp = plan().route(route);
    String id = request.header(REQUEST_ID);
    if (id == null) id = context.requestId();
    PolicyRun run = route.policies().start(this, route.virtualHost(), route.name(), id, start);
    policyRun = run;
    PolicyDecision d = run.onRequest();
    if (!d.isContinue()) {
      Response r = DirectResponses.policy(request, d);
      rp.direct.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
      return r;
    }
    request = OkHttpTransport.withHeaderEdits(request, run);
    return null;
  }

  // ------------------------------------------------------------------ forwarding

  private Response forward(RoutePlan rp, String clusterName) throws IOException {
    String p = rp.route.rewritesPath() ? rp.route.rewritePath(this, rules)
        : path().isEmpty() ? "" : rules.forwarded(rawPath);
    if (p == null || p.isEmpty()) {
      rp.direct.request(Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
      throw new MeshException(
          Reason.INVALID_PATH, clusterName, rp.tag, false, Failure.NONE, 0,
          "the path " + rawPath + " has no safe canonical form"
              + (p == null ? " after the route's rewrite" : ""), null);
    }
    sendPath = p;
    Target t = rp.target(clusterName);
    if (t == null) {
      rp.direct.request(Outcome.NO_HEALTHY_ENDPOINT, 0, owner.ticker.read() - start);
      throw new MeshException(
          Reason.NO_HEALTHY_ENDPOINT, clusterName, rp.tag, false, Failure.NONE, 0,
          "the cluster is not in the current config", null);
    }
    sendRoute = rp;
    sendTarget = t;
    AttemptLoop attempts = startAttempts();
    recording = t;
    Response r;
    try {
      r = OutboundPipeline.forward(rp.fault.decide(), attempts, this);
    } catch (IOException | RuntimeException | Error e) {
      forwarded(null, e);
      throw e;
    }
    if (r != PENDING) forwarded(r, null);
    return r;
  }

  /** Records the forward's outcome under its target, once. */
  private void forwarded(Response r, Throwable failure) {
    Target t = recording;
    if (t == null) return;
    recording = null;
    Outcome outcome = failure == null ? (faultAborted ? Outcome.FAULT : Outcome.RESPONSE)
        : failure instanceof MeshException e ? Outcome.of(e.reason()) : Outcome.UPSTREAM_FAILURE;
    t.meters.request(outcome, failure == null ? r.code() : 0, owner.ticker.read() - start);
  }

  @Override
  public void faultDelayed() {
    sendRoute.faultDelays.increment();
  }

  @Override
  public IOException cancelled() {
    return new MeshException(
        Reason.CANCELLED, sendTarget.cluster.name, sendRoute.tag, false, Failure.NONE, 0, null, null);
  }

  @Override
  public Response abort(int status) {
    sendRoute.faultAborts.increment();
    faultAborted = true;
    return DirectResponses.abort(request, status);
  }

  /** The attempts, by mesh-core's loop, over an {@link OkHttpTransport}; then the mirror copy. */
  @Override
  public Response attempts(AttemptLoop attempts) throws IOException {
    RequestBody body = request.body();
    boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
    boolean hasKey = request.header(IDEMPOTENCY_KEY) != null;
    boolean async = callback != null;
    OkHttpTransport t = new OkHttpTransport(this, clients, sendRoute, sendTarget, async);
    transport = t;
    if (async) {
      attempts.start(sendTarget, method, hasKey, replayable, t, this);
      return PENDING;
    }
    try {
      return attempts.run(sendTarget, method, hasKey, replayable, t);
    } finally {
      mirror();
    }
  }

  /** Sends the mirror copy of the forward whose attempts just ended, if its route mirrors. */
  private void mirror() {
    if (sendRoute.mirror != null) owner.mirror(this, plan(), sendRoute, request.body());
  }

  // ------------------------------------------------------------------ what the attempts send

  /** The request of the current pass, with the policies' header edits. */
  Request outgoing() {
    return request;
  }

  /** The path the attempts send: canonical, rewritten and re-checked by forward(). */
  String sendPath() {
    return sendPath != null ? sendPath : path();
  }

  /** The path as the caller wrote it. */
  String rawPath() {
    path();
    return rawPath;
  }

  /** The inbound request being served when the call was made. */
  MeshContext context() {
    return context;
  }

  /** The caller's {@code x-request-id}-less request gets this one, the same on every attempt. */
  String requestId(MeshContext ctx) {
    if (requestId == null) {
      requestId = ctx.requestId() != null ? ctx.requestId() : owner.requestIds.next();
    }
    return requestId;
  }
}
