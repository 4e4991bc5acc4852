package io.mesh4j.okhttp;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.fault.Fault;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.okhttp.ClientMeters.Outcome;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.okhttp.Plan.ClusterPlan;
import io.mesh4j.okhttp.Plan.RoutePlan;
import io.mesh4j.okhttp.Plan.Target;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyRun;
import io.mesh4j.resilience.Admission;
import io.mesh4j.resilience.RetryAfter;
import io.mesh4j.resilience.RetryDecision;
import io.mesh4j.resilience.RetryPolicy;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.time.Scheduler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * One call through the mesh interceptor: the {@link RequestView} the router matches, the {@link
 * PickContext} the pickers see (remembering the endpoints already tried), the attempt loop, and
 * the {@link EventListener} that learns about the caller's cancellation and about each attempt's
 * progress. Created per intercepted call and confined to the thread running it, except for the
 * volatile fields that the listener callbacks, the per-try timer and the wake-up task touch.
 *
 * <h2>Attempts</h2>
 *
 * Each attempt is its own OkHttp call on the wrapped client's attempt client (same pool, same
 * dispatcher, no application interceptors, OkHttp's own connection retries off), executed on the
 * calling thread. That gives every attempt its own timeout and cancel handle: the attempt's {@code
 * Call.timeout()} is the time left before the overall deadline (so it also bounds reading the
 * body of the final response), the per-try timer cancels just that attempt, and cancelling the
 * caller's call cancels the attempt in flight and wakes a backoff wait.
 *
 * <h2>What each attempt reports, exactly once</h2>
 *
 * An attempt is <em>finished</em> when its response headers arrive or it fails. At that point, on
 * every path (response, exception, timeout, cancellation): {@link Endpoint#requestFinished()} pairs
 * the {@link Endpoint#requestStarted()} made just before sending; {@code Cluster.onOutcome} gets
 * the status or failure and the latency; the cluster's breaker gets {@code onComplete} for the
 * permit it granted. A permit whose attempt is never sent (no endpoint) is released.
 */
final class MeshCall extends EventListener implements RequestView, PickContext {
  static final int MAX_FOLLOW_UPS = 20;
  static final String DRAINING_HEADER = "x-mesh-draining";
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  static final String REQUEST_ID = "x-request-id";

  /** Attempt phases, kept as {@code attemptNumber << 2 | state} so a late timer cannot hit a later attempt. */
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int TIMED_OUT = 3;

  private static final AtomicIntegerFieldUpdater<MeshCall> PHASE =
      AtomicIntegerFieldUpdater.newUpdater(MeshCall.class, "phase");

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

  // Endpoints tried in the current pass.
  private Endpoint tried0;
  private Endpoint[] triedMore;
  private int triedCount;

  private boolean listening;
  private volatile boolean canceled;
  private volatile Call attempt;
  /** The attempt whose response was handed back: cancelling the call must still cut its body. */
  private volatile Call answered;
  private volatile int phase;
  private volatile boolean requestStarted;
  private volatile Thread waiter;
  private volatile int woken;
  private int waitGeneration;

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
    if (triedCount == 0) return false;
    if (tried0 == endpoint) return true;
    for (int i = 0; i < triedCount - 1; i++) {
      if (triedMore[i] == endpoint) return true;
    }
    return false;
  }

  private void recordTried(Endpoint e) {
    if (alreadyTried(e)) return;
    if (triedCount == 0) {
      tried0 = e;
    } else {
      if (triedMore == null) triedMore = new Endpoint[4];
      if (triedCount - 1 == triedMore.length) {
        triedMore = java.util.Arrays.copyOf(triedMore, triedMore.length * 2);
      }
      triedMore[triedCount - 1] = e;
    }
    triedCount++;
  }

  // ------------------------------------------------------------------ EventListener

  @Override
  public void canceled(Call call) {
    if (call != outer) return;
    canceled = true;
    Call a = attempt;
    if (a != null) a.cancel();
    Call done = answered;
    if (done != null) done.cancel();
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
  }

  @Override
  public void requestHeadersStart(Call call) {
    if (call == attempt) requestStarted = true;
  }

  private void listenForCancel() {
    if (!listening) {
      listening = true;
      outer.addEventListener(this);
    }
    if (outer.isCanceled()) canceled = true;
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
      next = followUp(response);
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
    method = isUpperCase(m) ? m : m.toUpperCase(Locale.ROOT);
    String host = r.header("Host");
    authority = host != null ? host : authorityOf(r.url());
    path = null;
    query = null;
    queryRead = false;
    passthrough = false;
    policyRun = null;
    tried0 = null;
    triedCount = 0;
  }

  private static boolean isUpperCase(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= 'a' && c <= 'z') return false;
    }
    return true;
  }

  /** {@code host} or {@code host:port} (IPv6 in brackets), the port only when not the default. */
  static String authorityOf(HttpUrl url) {
    String host = url.host();
    boolean v6 = host.indexOf(':') >= 0;
    if (url.port() == HttpUrl.defaultPort(url.scheme())) return v6 ? "[" + host + "]" : host;
    return (v6 ? "[" + host + "]" : host) + ":" + url.port();
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

  /** The request to follow {@code response} with, or {@code null} to return it. */
  private Request followUp(Response response) {
    if (!chain.getFollowRedirects()) return null;
    int code = response.code();
    if (code != 300 && code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
      return null;
    }
    String location = response.header("Location");
    if (location == null) return null;
    HttpUrl from = request.url();
    HttpUrl to = from.resolve(location);
    if (to == null) return null;
    if (!to.scheme().equals(from.scheme()) && !chain.getFollowSslRedirects()) return null;
    Request.Builder b = request.newBuilder().url(to);
    String m = request.method();
    boolean hasBodyMethod = !m.equals("GET") && !m.equals("HEAD");
    if (hasBodyMethod) {
      boolean keepMethod = code == 307 || code == 308;
      if (keepMethod) {
        RequestBody body = request.body();
        if (body != null && body.isOneShot()) return null;
      } else {
        b.method("GET", null);
        b.removeHeader("Transfer-Encoding");
        b.removeHeader("Content-Length");
        b.removeHeader("Content-Type");
      }
    }
    if (!to.host().equals(from.host()) || to.port() != from.port()
        || !to.scheme().equals(from.scheme())) {
      b.removeHeader("Authorization");
      b.removeHeader("Host");
    }
    return b.build();
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
    listenForCancel();
    Outcome outcome = Outcome.UPSTREAM_FAILURE;
    int status = 0;
    try {
      Fault fault = rp.fault.decide();
      if (!fault.isNone()) {
        if (fault.delayed()) {
          rp.faultDelays.increment();
          if (!await(fault.delayNanos())) throw cancelled(t, 0, false, Failure.NONE, null);
        }
        if (fault.aborted()) {
          rp.faultAborts.increment();
          outcome = Outcome.FAULT;
          status = fault.abortStatus();
          return DirectResponses.abort(request, status);
        }
      }
      Response r = attempts(plan, rp, t);
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

  /** The attempt loop. Returns the response to hand back, or throws a {@link MeshException}. */
  private Response attempts(Plan plan, RoutePlan rp, Target t) throws IOException {
    ClusterPlan cp = t.cluster;
    ClusterResilience res = cp.resilience;
    t.budget.onRequest();
    long deadline = saturatedAdd(owner.ticker.read(), t.timeoutNanos);
    RequestBody body = request.body();
    boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
    boolean hasKey = request.header(IDEMPOTENCY_KEY) != null;

    AttemptClients.Variant clients = owner.attemptClients.forChain(chain);
    Response held = null; // the last attempt's response, kept while deciding on a retry
    IOException lastError = null;
    Failure lastFailure = Failure.NONE;
    boolean sent = false;
    int attemptNo = 0;
    Response result = null;
    try {
      while (true) {
        if (canceled) throw cancelled(t, attemptNo, sent, lastFailure, lastError);
        long remaining = deadline - owner.ticker.read();
        if (remaining <= 0) {
          if (held != null) return result = held;
          throw end(Reason.TIMEOUT, t, attemptNo, sent, lastFailure, lastError, null);
        }
        Admission admission = res.breaker.tryAcquire();
        if (!admission.admitted()) {
          res.rejected(admission);
          if (held != null) return result = held;
          Reason reason = admission == Admission.REJECTED_CIRCUIT_OPEN
              ? Reason.CIRCUIT_OPEN : Reason.CONCURRENCY_LIMIT;
          throw end(reason, t, attemptNo, sent, lastFailure, lastError, null);
        }
        PickResult pick = cp.cluster.pick(this);
        if (!pick.hasEndpoint()) {
          res.breaker.release();
          if (held != null) return result = held;
          throw end(Reason.NO_HEALTHY_ENDPOINT, t, attemptNo, sent, lastFailure, lastError, null);
        }
        if (held != null) {
          held.close();
          held = null;
        }
        Endpoint endpoint = pick.endpoint();
        attemptNo++;

        // ---- one attempt
        Request upstream;
        OkHttpClient attemptClient;
        try {
          EndpointTargeting targeting = clients.targeting;
          attemptClient = targeting != null ? targeting.client(endpoint) : clients.client;
          upstream = upstream(endpoint, rp, null, targeting != null);
        } catch (RuntimeException e) {
          res.breaker.release();
          throw e;
        }
        Call call = attemptClient.newCall(upstream);
        call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
        call.addEventListener(this);
        requestStarted = false;
        int running = attemptNo << 2 | RUNNING;
        phase = running;
        attempt = call;
        if (canceled) call.cancel();
        Scheduler.Cancellable timer = null;
        if (t.perTryTimeoutNanos > 0 && t.perTryTimeoutNanos < remaining) {
          final int gen = attemptNo;
          timer = owner.scheduler.schedule(() -> perTryTimedOut(gen),
              Duration.ofNanos(t.perTryTimeoutNanos));
        }
        recordTried(endpoint);
        t.meters.attempt(endpoint);
        endpoint.requestStarted();
        long t0 = owner.ticker.read();
        Response response = null;
        IOException error = null;
        try {
          response = call.execute();
        } catch (IOException e) {
          error = e;
        } catch (RuntimeException | Error e) {
          long latency = owner.ticker.read() - t0;
          PHASE.set(this, attemptNo << 2 | DONE);
          if (timer != null) timer.cancel();
          attempt = null;
          endpoint.requestFinished();
          cp.cluster.onOutcome(endpoint, 0, Failure.OTHER, latency);
          res.breaker.onComplete(0, Failure.OTHER, latency);
          throw e;
        }
        long latency = owner.ticker.read() - t0;
        boolean timedOut = !PHASE.compareAndSet(this, running, attemptNo << 2 | DONE);
        if (timer != null) timer.cancel();
        if (response != null) answered = call;
        attempt = null;
        if (timedOut && response != null) {
          response.close();
          response = null;
          error = new java.net.SocketTimeoutException("per_try_timeout");
        }

        int status = 0;
        Failure failure;
        boolean overall = false;
        if (response != null) {
          status = response.code();
          failure = Failure.NONE;
        } else if (canceled) {
          failure = Failure.CANCELLED;
        } else if (timedOut) {
          failure = Failure.TIMEOUT;
        } else if (Failures.isCallTimeout(error)) {
          failure = Failure.TIMEOUT;
          overall = true;
        } else {
          failure = Failures.classify(error, requestStarted);
        }
        boolean attemptSent = response != null || (requestStarted && !failure.neverSent());
        sent |= attemptSent;

        endpoint.requestFinished();
        cp.cluster.onOutcome(endpoint, status, failure, latency);
        res.breaker.onComplete(status, failure, latency);
        if (response != null && "true".equalsIgnoreCase(response.header(DRAINING_HEADER))) {
          cp.cluster.ejectNow(endpoint, EjectionReason.DRAINING);
        }
        // ---- attempt reported

        if (canceled) {
          if (response != null) response.close();
          throw cancelled(t, attemptNo, sent, failure, error);
        }
        lastFailure = failure;
        lastError = error;
        if (overall) {
          throw end(Reason.TIMEOUT, t, attemptNo, sent, failure, error, null);
        }
        int grpc = response == null
            ? RetryPolicy.NO_GRPC_STATUS
            : RetryPolicy.parseGrpcStatus(response.header("grpc-status"));
        RetryDecision decision =
            t.retry.decide(attemptNo, method, hasKey, replayable, status, failure, grpc);
        if (!decision.retry()) {
          if (response != null) return result = response;
          throw end(Reason.UPSTREAM_FAILURE, t, attemptNo, sent, failure, error,
              timedOut ? "per_try_timeout; " + decision.reason() : decision.reason());
        }
        held = response;
        long retryAfter = response == null
            ? RetryAfter.ABSENT
            : RetryAfter.parseNanos(response.header("Retry-After"), owner.clock.millis());
        long delay = t.backoff.delayNanos(attemptNo, retryAfter);
        if (owner.ticker.read() + delay - deadline >= 0) {
          if (held != null) return result = held;
          throw end(Reason.TIMEOUT, t, attemptNo, sent, failure, error,
              "no time left for another try");
        }
        if (!t.budget.tryWithdraw()) {
          res.budgetExhausted.increment();
          if (held != null) return result = held;
          throw end(Reason.BUDGET_EXHAUSTED, t, attemptNo, sent, failure, error, null);
        }
        t.meters.retry(decision);
        boolean awake;
        try {
          awake = await(delay);
        } catch (InterruptedIOException e) {
          throw new MeshException(Reason.CANCELLED, cp.name, rp.tag, sent, failure, attemptNo,
              "interrupted while waiting to retry", e);
        }
        if (!awake) throw cancelled(t, attemptNo, sent, failure, error);
      }
    } finally {
      if (held != null && held != result) held.close();
      if (rp.mirror != null) mirror(plan, rp);
    }
  }

  private MeshException end(
      Reason reason, Target t, int attempts, boolean sent, Failure failure, IOException cause,
      String detail) {
    return new MeshException(reason, t.cluster.name, routeTag, sent, failure, attempts,
        detail, cause);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private void perTryTimedOut(int gen) {
    if (PHASE.compareAndSet(this, gen << 2 | RUNNING, gen << 2 | TIMED_OUT)) {
      Call a = attempt;
      if (a != null) a.cancel();
    }
  }

  /**
   * Waits {@code nanos} on the mesh's scheduler, or until the call is cancelled. Returns false
   * when cancelled. As a safety net against a scheduler that never runs the wake-up (a closed
   * mesh), the wait also ends after twice the delay plus one second of real time.
   */
  private boolean await(long nanos) throws InterruptedIOException {
    if (canceled) return false;
    if (nanos <= 0) return true;
    final int gen = ++waitGeneration;
    waiter = Thread.currentThread();
    Scheduler.Cancellable task = owner.scheduler.schedule(() -> wake(gen), Duration.ofNanos(nanos));
    long cap = nanos > (Long.MAX_VALUE - 1_000_000_000L) / 2 ? Long.MAX_VALUE : 2 * nanos + 1_000_000_000L;
    long safetyStart = System.nanoTime();
    try {
      while (woken != gen && !canceled) {
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
        long left = cap - (System.nanoTime() - safetyStart);
        if (left <= 0) break;
        LockSupport.parkNanos(this, left);
      }
    } finally {
      waiter = null;
      task.cancel();
    }
    return !canceled;
  }

  private void wake(int gen) {
    woken = gen;
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
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
    int end = hostEnd(a);
    return a.substring(0, end) + "-shadow" + a.substring(end);
  }

  static int hostEnd(String authority) {
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      return close < 0 ? authority.length() : close + 1;
    }
    int colon = authority.lastIndexOf(':');
    return colon < 0 ? authority.length() : colon;
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
