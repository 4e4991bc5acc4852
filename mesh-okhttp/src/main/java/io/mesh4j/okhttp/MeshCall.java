package io.mesh4j.okhttp;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.OutboundPipeline;
import io.mesh4j.lb.PickContext;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.okhttp.ClientMeters.Outcome;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.okhttp.Plan.RoutePlan;
import io.mesh4j.okhttp.Plan.Target;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import java.io.IOException;
import java.net.ProtocolException;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One call through the mesh: the {@link OutboundPipeline.Exchange} that carries out what
 * mesh-core's {@link OutboundPipeline} decides (the order of steps is the engine's: route, path,
 * policies, action; fault then attempts for a forward), over the {@link CallRequest} the router
 * matches, and the {@link EventListener} that learns about the caller's cancellation. This class
 * runs the call synchronously ({@link #run()}, the interceptor's way, on the thread running the
 * chain: the caller's for {@code execute()}, a dispatcher thread for an {@code enqueue()} that went
 * through the interceptor); {@link EnqueuedCall} runs it without holding a thread.
 *
 * <h2>Attempts</h2>
 *
 * The loop itself (budget, breaker, pick, exactly one outcome report per attempt, retry decision,
 * backoff, per-try timeout) is mesh-core's {@link AttemptLoop}, over an {@link OkHttpTransport}.
 * Each attempt is its own OkHttp call on the wrapped client's attempt client (same pool, same
 * dispatcher, no application interceptors, OkHttp's own connection retries off), with its own
 * timeout (the time left before the overall deadline, which also bounds reading the final body)
 * and cancel handle (the per-try timer cancels just that attempt; cancelling the caller's call
 * cancels the attempt in flight and ends a backoff).
 *
 * <p>Steps of one call never run concurrently; the volatile fields are those the listener
 * callbacks and the loop's timer touch.
 */
class MeshCall extends CallRequest implements PickContext,
    OutboundPipeline.Exchange<Response>, OutboundPipeline.Forward<Response> {
  static final int MAX_FOLLOW_UPS = 20;
  static final String DRAINING_HEADER = AttemptLoop.DRAINING_HEADER;
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  final MeshInterceptor owner;
  /** The interceptor chain, or null for a call run without the interceptor ({@link MeshClient}). */
  private final Interceptor.Chain chain;
  /** The caller's call: its cancel reaches the attempts. */
  final Call outer;
  private final AttemptClients.Variant clients;
  private final boolean followRedirects;
  private final boolean followSslRedirects;
  private int followUps;
  boolean passthrough;
  /** The request policies running around the current pass, or {@code null}. */
  PolicyRun policyRun;

  /** When the current pass started routing ({@code Ticker} nanoseconds), and its plan. */
  private long start;
  private MeshSnapshot snapshot;
  private Plan plan;

  // The attempts of the current pass.
  private volatile AttemptLoop loop;
  volatile OkHttpTransport transport;
  /** An asynchronous pass-through call in flight. */
  volatile Call leaving;
  RoutePlan sendRoute;
  Target sendTarget;
  /** The target whose meters still have to record the forward in flight, or null. */
  private Target recording;
  private boolean faultAborted;

  private boolean listening;
  private volatile boolean canceled;

  /** The trace parent captured when the call was made ({@link MeshTracer#parent}); null untraced. */
  private final Object traceParent;
  /** The tracing of the current forwarded pass, or null (untraced, or not forwarding). */
  volatile CallTracing tracing;

  /** A call run by the interceptor, on the thread running {@code chain}. */
  MeshCall(MeshInterceptor owner, Interceptor.Chain chain) {
    super(chain.request(), MeshContext.current(), owner.requestIds);
    this.owner = owner;
    this.traceParent = owner.tracer == null ? null : CallTracing.parent(owner.tracer, context());
    this.chain = chain;
    this.outer = chain.call();
    this.clients = owner.attemptClients.forChain(chain);
    this.followRedirects = chain.getFollowRedirects();
    this.followSslRedirects = chain.getFollowSslRedirects();
  }

  /** A call of {@code client} run without the interceptor; {@code outer} carries its cancel. */
  MeshCall(MeshInterceptor owner, OkHttpClient client, Call outer) {
    super(outer.request(), MeshContext.current(), owner.requestIds);
    this.owner = owner;
    this.traceParent = owner.tracer == null ? null : CallTracing.parent(owner.tracer, context());
    this.chain = null;
    this.outer = outer;
    this.clients = owner.attemptClients.baseVariant();
    this.followRedirects = client.followRedirects();
    this.followSslRedirects = client.followSslRedirects();
  }

  // ------------------------------------------------------------------ PickContext

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

  /** Listens to the caller's call (its cancel), once. */
  void listen() {
    if (!listening) {
      listening = true;
      outer.addEventListener(this);
    }
  }

  /** Whether the caller cancelled. */
  boolean isCanceled() {
    return canceled;
  }

  /** Starts the attempts of this pass: a new loop, cancelled at once if the caller cancelled. */
  private AttemptLoop startAttempts() {
    AttemptLoop l = new AttemptLoop(this, owner.ticker, owner.clock, owner.scheduler);
    MeshContext ctx = context();
    if (ctx.hasDeadline()) l.deadline(ctx.deadlineNanos());
    loop = l;
    listen();
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
  Request passEnded(Response response) throws ProtocolException {
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

  /** Starts a routing pass of {@code r}. */
  void reset(Request r) {
    resetRequest(r);
    passthrough = false;
    policyRun = null;
    loop = null;
    faultAborted = false;
  }

  Response routeOnce() throws IOException {
    MeshSnapshot snapshot = owner.mesh.current();
    rules(snapshot.requestPath());
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
  Plan plan() {
    Plan p = plan;
    if (p == null) plan = p = owner.plan(snapshot);
    return p;
  }

  // ------------------------------------------------------------------ OutboundPipeline.Exchange

  @Override
  public Response leave() throws IOException {
    passthrough = true;
    if (chain != null) return chain.proceed(request);
    // Run without the interceptor: the caller's client without the mesh sends it, as it would.
    Call c = owner.passThrough.newCall(request);
    leaving = c;
    if (isCanceled() || outer.isCanceled()) c.cancel();
    return c.execute();
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
    String target = rules.redirect(rawPath());
    if (target != null) {
      Response r = DirectResponses.pathRedirect(request, target);
      meters.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
      return r;
    }
    meters.request(Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
    PathRefusal why = rules.refusal(rawPath());
    throw new MeshException(Reason.INVALID_PATH, null, null, false, Failure.NONE, 0,
        "the path " + rawPath() + " has no safe canonical form ("
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
    String id = request.header(MeshContext.REQUEST_ID);
    if (id == null) id = context().requestId();
    PolicyRun run =
        PolicyInternals.start(route.policies(), this, route.virtualHost(), route.name(), id, start);
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
    String p = OutboundPipeline.forwardPath(rp.route, this, rules, rawPath());
    if (p == null || p.isEmpty()) {
      rp.direct.request(Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
      throw new MeshException(
          Reason.INVALID_PATH, clusterName, rp.tag, false, Failure.NONE, 0,
          "the path " + rawPath() + " has no safe canonical form"
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
    MeshTracer tracer = owner.tracer;
    if (tracer != null) {
      CallTracing ct = CallTracing.start(tracer, traceParent, this, rp.route, clusterName);
      tracing = ct;
      if (ct != null) attempts.observe(ct);
    }
    recording = t;
    Response r;
    try {
      r = OutboundPipeline.forward(rp.fault.decide(), attempts, this);
    } catch (IOException | RuntimeException | Error e) {
      forwarded(null, e);
      throw e;
    }
    if (r != EnqueuedCall.PENDING) forwarded(r, null);
    return r;
  }

  /** Records the forward's outcome under its target, once. */
  void forwarded(Response r, Throwable failure) {
    Target t = recording;
    if (t == null) return;
    recording = null;
    Outcome outcome = failure == null ? (faultAborted ? Outcome.FAULT : Outcome.RESPONSE)
        : failure instanceof MeshException e ? Outcome.of(e.reason()) : Outcome.UPSTREAM_FAILURE;
    int status = failure == null ? r.code() : 0;
    long latency = owner.ticker.read() - start;
    CallTracing ct = tracing;
    if (ct == null) {
      t.meters.request(outcome, status, latency);
      return;
    }
    tracing = null;
    ct.ended(t.meters, outcome, status, latency, failure);
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
    // This thread sends each attempt itself; a hedging route's hedges are enqueue()d meanwhile.
    OkHttpTransport t = transport(false);
    try {
      return attempts.run(sendTarget, method, hasIdempotencyKey(), replayable(), t);
    } finally {
      mirror();
    }
  }

  /**
   * A transport for the attempts of this pass ({@code async}: each one {@code enqueue()}d; else
   * executed on the calling thread, a hedging route's hedges {@code enqueue()}d meanwhile). Run by
   * the interceptor, this call may hold a dispatcher slot: its enqueued attempts then go through a
   * dispatcher of their own, never queued behind the calls waiting for them.
   */
  OkHttpTransport transport(boolean async) {
    boolean enqueues = async || sendTarget.maxHedges() > 0;
    AttemptClients.Variant v = enqueues && chain != null ? clients.unqueued() : clients;
    OkHttpTransport t = new OkHttpTransport(this, v, sendRoute, sendTarget, async);
    transport = t;
    return t;
  }

  /** Sends the mirror copy of the forward whose attempts just ended, if its route mirrors. */
  void mirror() {
    if (sendRoute.mirror != null) owner.mirror(this, plan(), sendRoute, request.body());
  }
}
