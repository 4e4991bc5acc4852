package io.mesh4j.okhttp;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.fault.Fault;
import io.mesh4j.internal.client.AttemptEnd;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.Transport;
import io.mesh4j.lb.PickContext;
import io.mesh4j.okhttp.ClientMeters.Outcome;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.okhttp.Plan.ClusterPlan;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * One call through the mesh interceptor: the {@link RequestView} the router matches, the OkHttp
 * {@link Transport} the engine's {@link AttemptLoop} sends attempts through, and the {@link
 * EventListener} that learns about the caller's cancellation and about each attempt's progress.
 * Created per intercepted call and confined to the thread running it, except for the volatile
 * fields that the listener callbacks and the loop's timer touch.
 *
 * <h2>Attempts</h2>
 *
 * The loop itself (budget, breaker, pick, exactly one outcome report per attempt, retry decision,
 * backoff, per-try timeout) is mesh-core's {@link AttemptLoop}. Each attempt is its own OkHttp call
 * on the wrapped client's attempt client (same pool, same dispatcher, no application interceptors,
 * OkHttp's own connection retries off), executed on the calling thread. That gives every attempt
 * its own timeout and cancel handle: the attempt's {@code Call.timeout()} is the time left before
 * the overall deadline (so it also bounds reading the body of the final response), the loop's
 * per-try timer cancels just that attempt, and cancelling the caller's call cancels the attempt in
 * flight and wakes a backoff wait.
 */
final class MeshCall extends EventListener
    implements RequestView, PickContext, Transport<Response> {
  static final int MAX_FOLLOW_UPS = 20;
  static final String DRAINING_HEADER = AttemptLoop.DRAINING_HEADER;
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String REQUEST_ID = "x-request-id";

  private final MeshInterceptor owner;
  private final Interceptor.Chain chain;
  private final Call outer;

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
  private String routeTag;
  private boolean passthrough;
  /** The request policies running around the current pass, or {@code null}. */
  private PolicyRun policyRun;

  // The attempts of the current pass.
  private volatile AttemptLoop loop;
  private AttemptClients.Variant clients;
  private RoutePlan sendRoute;
  private Target sendTarget;
  private Call prepared;

  private boolean listening;
  private volatile boolean canceled;
  private volatile Call attempt;
  /** The attempt whose response was handed back: cancelling the call must still cut its body. */
  private volatile Call answered;
  private volatile boolean requestStarted;

  MeshCall(MeshInterceptor owner, Interceptor.Chain chain) {
    this.owner = owner;
    this.chain = chain;
    this.outer = chain.call();
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
    return value != null ? value : MeshContext.current().header(name);
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
    Call done = answered;
    if (done != null) done.cancel();
  }

  @Override
  public void requestHeadersStart(Call call) {
    if (call == attempt) requestStarted = true;
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

  Response run() throws IOException {
    Request next = chain.request();
    for (int followUps = 0; ; ) {
      reset(next);
      Response response;
      try {
        response = routeOnce();
      } catch (IOException | RuntimeException | Error e) {
        if (policyRun != null) policyRun.complete(0, e);
        throw e;
      }
      if (policyRun != null) policyRun.complete(response.code(), null);
      if (passthrough) return response;
      next = FollowUps.next(chain, request, response);
      if (next == null) return response;
      response.close();
      if (++followUps > MAX_FOLLOW_UPS) {
        throw new ProtocolException("Too many follow-up requests: " + followUps);
      }
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
  }

  private Response routeOnce() throws IOException {
    RouteTarget target = request.tag(RouteTarget.class);
    if (target != null) {
      // Matched elsewhere (an inbound route forwarded by mesh-gateway): straight to the attempts.
      long start = owner.ticker.read();
      MeshSnapshot snapshot = owner.mesh.current();
      rules = snapshot.requestPath();
      path = null;
      Plan plan = owner.plan(snapshot);
      return forward(plan, plan.targetRoute(target.route()), target.cluster(), start);
    }
    MeshSnapshot snapshot = owner.mesh.current();
    rules = snapshot.requestPath();
    path = null;
    RouteMatch m = snapshot.outbound().match(this);
    if (m.outcome() == RouteMatch.Outcome.NOT_MESH) {
      passthrough = true;
      return chain.proceed(request);
    }
    long start = owner.ticker.read();
    Plan plan = owner.plan(snapshot);
    if (path().isEmpty()) return invalidPath(plan, m, start);
    if (m.outcome() == RouteMatch.Outcome.NO_ROUTE) {
      String vh = m.virtualHost();
      plan.noRouteMeters(vh).request(Outcome.NO_ROUTE, 0, owner.ticker.read() - start);
      throw new MeshException(
          Reason.NO_ROUTE, null, vh + "/", false, Failure.NONE, 0,
          "no route of virtual host " + vh + " matches " + method + " " + path(), null);
    }
    Route route = m.route();
    RoutePlan rp = plan.route(route);
    RouteAction action = route.action();
    if (!route.policies().isEmpty()) {
      Response answer = startPolicies(route, rp, start);
      if (answer != null) return answer;
    }
    switch (action.kind()) {
      case PASS:
        passthrough = true;
        return chain.proceed(request);
      case RESPOND: {
        Response r = DirectResponses.respond(request, (RouteAction.Respond) action);
        rp.direct.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
        return r;
      }
      case REDIRECT: {
        Response r = DirectResponses.redirect(request, (RouteAction.Redirect) action, this);
        rp.direct.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
        return r;
      }
      default: {
        String cluster = ((RouteAction.ClusterTarget) action).pickCluster();
        return forward(plan, rp, cluster, start);
      }
    }
  }

  /**
   * A call whose path {@link RequestPath#canonical} did not accept: a 307 to the unescaped path
   * under {@code unescape_and_redirect} (followed like a redirect route's), else {@code
   * INVALID_PATH}, recorded as outcome {@code invalid-path} under the route it would have taken
   * (matched on no path: conditions on the path fail) or its virtual host's no-route tag.
   */
  private Response invalidPath(Plan plan, RouteMatch m, long start) throws IOException {
    ClientMeters.RouteMeters meters = m.outcome() == RouteMatch.Outcome.ROUTED
        ? plan.route(m.route()).direct
        : plan.noRouteMeters(m.virtualHost());
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
  private Response startPolicies(Route route, RoutePlan rp, long start) {
    String id = request.header(REQUEST_ID);
    if (id == null) id = MeshContext.current().requestId();
    PolicyRun run = route.policies().start(this, route.virtualHost(), route.name(), id, start);
    policyRun = run;
    PolicyDecision d = run.onRequest();
    if (!d.isContinue()) {
      Response r = DirectResponses.policy(request, d);
      rp.direct.request(Outcome.DIRECT, r.code(), owner.ticker.read() - start);
      return r;
    }
    int edits = run.headerEditCount();
    if (edits > 0) {
      Request.Builder b = request.newBuilder();
      for (int i = 0; i < edits; i++) {
        String value = run.headerEditValue(i);
        if (value == null) b.removeHeader(run.headerEditName(i));
        else b.header(run.headerEditName(i), value);
      }
      request = b.build();
    }
    return null;
  }

  // ------------------------------------------------------------------ forwarding

  private Response forward(Plan plan, RoutePlan rp, String clusterName, long start)
      throws IOException {
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
    routeTag = rp.tag;
    AttemptLoop attempts = startAttempts();
    Outcome outcome = Outcome.UPSTREAM_FAILURE;
    int status = 0;
    try {
      Fault fault = rp.fault.decide();
      if (!fault.isNone()) {
        if (fault.delayed()) {
          rp.faultDelays.increment();
          if (!attempts.await(fault.delayNanos())) throw cancelled(t, 0, false, Failure.NONE, null);
        }
        if (fault.aborted()) {
          rp.faultAborts.increment();
          outcome = Outcome.FAULT;
          status = fault.abortStatus();
          return DirectResponses.abort(request, status);
        }
      }
      Response r = attempts(plan, rp, t, attempts);
      outcome = Outcome.RESPONSE;
      status = r.code();
      return r;
    } catch (MeshException e) {
      outcome = Outcome.of(e.reason());
      throw e;
    } finally {
      t.meters.request(outcome, status, owner.ticker.read() - start);
    }
  }

  private MeshException cancelled(Target t, int attempts, boolean sent, Failure f, Throwable cause) {
    return new MeshException(
        Reason.CANCELLED, t.cluster.name, routeTag, sent, f, attempts, null, cause);
  }

  /** The attempts, by mesh-core's loop. Returns the response to hand back, or throws a {@link MeshException}. */
  private Response attempts(Plan plan, RoutePlan rp, Target t, AttemptLoop attempts)
      throws IOException {
    RequestBody body = request.body();
    boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
    boolean hasKey = request.header(IDEMPOTENCY_KEY) != null;
    clients = owner.attemptClients.forChain(chain);
    sendRoute = rp;
    sendTarget = t;
    try {
      return attempts.run(t, method, hasKey, replayable, this);
    } finally {
      prepared = null;
      if (rp.mirror != null) mirror(plan, rp);
    }
  }

  // ------------------------------------------------------------------ Transport

  @Override
  public void prepare(Endpoint endpoint, long timeoutNanos) {
    EndpointTargeting targeting = clients.targeting;
    OkHttpClient attemptClient = targeting != null ? targeting.client(endpoint) : clients.client;
    Request upstream = upstream(endpoint, sendRoute, null, targeting != null);
    Call call = attemptClient.newCall(upstream);
    call.timeout().timeout(timeoutNanos, TimeUnit.NANOSECONDS);
    call.addEventListener(this);
    requestStarted = false;
    prepared = call;
  }

  @Override
  public Response send() throws IOException {
    Call call = prepared;
    prepared = null;
    attempt = call;
    try {
      if (loop.abandoned()) call.cancel();
      Response response = call.execute();
      answered = call;
      return response;
    } finally {
      attempt = null;
    }
  }

  @Override
  public void cancel() {
    Call a = attempt;
    if (a != null) a.cancel();
  }

  @Override
  public boolean requestLeft() {
    return requestStarted;
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
  public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
      String detail, IOException cause) {
    return new MeshException(reason(end), sendTarget.cluster.name, routeTag, sent, failure,
        attempts, detail, cause);
  }

  private static Reason reason(AttemptEnd end) {
    return switch (end) {
      case NO_HEALTHY_ENDPOINT -> Reason.NO_HEALTHY_ENDPOINT;
      case CIRCUIT_OPEN -> Reason.CIRCUIT_OPEN;
      case CONCURRENCY_LIMIT -> Reason.CONCURRENCY_LIMIT;
      case BUDGET_EXHAUSTED -> Reason.BUDGET_EXHAUSTED;
      case TIMEOUT -> Reason.TIMEOUT;
      case CANCELLED -> Reason.CANCELLED;
      case UPSTREAM_FAILURE -> Reason.UPSTREAM_FAILURE;
    };
  }

  // ------------------------------------------------------------------ upstream requests

  /**
   * The request sent to {@code endpoint}: the caller's request, with propagated headers and {@code
   * x-request-id} added where the caller set none, then the route's header removals and additions.
   *
   * <p>With {@code keepUrl} (the attempt client is steered to the endpoint, see {@link
   * EndpointTargeting}) the URL stays the caller's, except for a path rewrite, and {@code Host} is
   * set only for {@code rewrite.host} or a mirror copy ({@code shadowHost}); when nothing changes,
   * the caller's request itself is returned. Otherwise the URL points at the endpoint and {@code
   * Host} carries the caller's authority (or {@code rewrite.host}, or {@code shadowHost}).
   */
  Request upstream(Endpoint endpoint, RoutePlan rp, String shadowHost, boolean keepUrl) {
    MeshContext ctx = MeshContext.current();
    boolean addId = request.header(MeshContext.REQUEST_ID) == null;
    // What is sent is what was matched: the canonical (or rewritten) path, never the raw one.
    String sendPath = this.sendPath != null ? this.sendPath : path();
    boolean rewritesPath = !sendPath.equals(rawPath);
    if (keepUrl && !addId && !rewritesPath && shadowHost == null && rp.hostRewrite == null
        && !rp.changesHeaders && !missingPropagated(ctx)) {
      return request;
    }
    Request.Builder b = request.newBuilder();
    if (keepUrl) {
      if (rewritesPath) {
        b.url(request.url().newBuilder().encodedPath(sendPath).build());
      }
      if (shadowHost != null) {
        b.header("Host", shadowHost);
      } else if (rp.hostRewrite != null) {
        b.header("Host", rp.hostRewrite);
      }
    } else {
      HttpUrl.Builder url = request.url().newBuilder().host(endpoint.host()).port(endpoint.port());
      if (rewritesPath) url.encodedPath(sendPath);
      b.url(url.build());
      String host = rp.hostRewrite != null ? rp.hostRewrite : authority;
      b.header("Host", shadowHost != null ? shadowHost : host);
    }
    if (addId) b.header(MeshContext.REQUEST_ID, requestId(ctx));
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      String name = ctx.headerName(i);
      if (request.header(name) == null) b.header(name, ctx.headerValue(i));
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

  private boolean missingPropagated(MeshContext ctx) {
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      if (request.header(ctx.headerName(i)) == null) return true;
    }
    return false;
  }

  private String requestId(MeshContext ctx) {
    if (requestId == null) {
      requestId = ctx.requestId() != null ? ctx.requestId() : owner.requestIds.next();
    }
    return requestId;
  }

  /** The caller's authority with {@code -shadow} appended to the host part (Envoy's rule). */
  String shadowAuthority(RoutePlan rp) {
    String a = rp.hostRewrite != null ? rp.hostRewrite : authority;
    int end = FollowUps.hostEnd(a);
    return a.substring(0, end) + "-shadow" + a.substring(end);
  }

  private void mirror(Plan plan, RoutePlan rp) {
    try {
      double percent = rp.mirror.percent();
      if (percent <= 0) return;
      if (percent < 100 && ThreadLocalRandom.current().nextDouble(100) >= percent) return;
      ClusterPlan target = plan.cluster(rp.mirror.cluster());
      if (target == null) return;
      owner.mirror().send(this, rp, target, request.body());
    } catch (RuntimeException e) {
      owner.mirrorFailedUnexpectedly(e);
    }
  }
}
