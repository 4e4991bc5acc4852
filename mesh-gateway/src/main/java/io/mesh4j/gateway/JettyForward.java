package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.OutboundPipeline;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.Route;
import io.mesh4j.servlet.Forwarding;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * One request forwarded on the Jetty transport: checks it can be forwarded (underscores, a
 * canonical path, a target in the current config, headers the client can send), then runs the
 * engine's {@link AttemptLoop} over a {@link JettyAttempts} transport and hands the response to a
 * {@link JettyResponseCopy}. Finishing once, the gateway's own answers and cancellation are {@link
 * ForwardExchange}'s; the order of the checks mirrors {@link ForwardCall} and mesh-okhttp's client.
 *
 * <h2>Async mode (the hot path)</h2>
 *
 * No thread waits and none is handed the request: the container thread starts the loop and
 * returns; the first attempt is sent from it, the loop's next steps run on the Jetty client's
 * callback threads (or the mesh scheduler's for a backoff), and {@link #complete} runs where the
 * loop ends. The request body is pulled by the client from the servlet input through {@link
 * ServletContentSource}; the response body is pushed to the servlet output by {@link
 * JettyResponseCopy} as a {@code WriteListener}.
 *
 * <h2>Blocking mode</h2>
 *
 * When the request does not support async the container thread runs the loop ({@link
 * AttemptLoop#run}), the client reads the body from the servlet input with blocking reads, and the
 * container thread copies the response with blocking writes.
 *
 * <p>Shared state between the container, client and scheduler threads: {@link ForwardExchange}'s
 * atomic {@code finished}, and volatile fields for what a cancel must reach.
 */
final class JettyForward extends ForwardExchange
    implements AttemptLoop.Completion<JettyAttempts.Upstream> {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final JettyForwarder owner;
  private final GatewayPlan plan;
  private final String method;

  private GatewayPlan.Target target;
  private JettyAttempts attempts;
  private long start;
  private volatile AttemptLoop loop;
  private volatile JettyAttempts.Upstream answered;

  JettyForward(JettyForwarder owner, GatewayPlan plan, Forwarding forwarding,
      UnderscoreAction underscores) {
    super(forwarding, underscores, owner.meters);
    this.owner = owner;
    this.plan = plan;
    this.method = req.getMethod();
  }

  void start() throws IOException {
    if (rejectedUnderscores()) return;
    start = owner.ticker.read();
    Route route = forwarding.route();
    RequestPath rules = plan.snapshot.requestPath();
    String raw = forwarding.path();
    String canonical = rules.canonical(raw);
    GatewayRequestView view = new GatewayRequestView(forwarding, canonical == null ? "" : canonical);
    String path = OutboundPipeline.forwardPath(route, view, rules, raw);
    String routeTag = GatewayPlan.tag(route);
    if (path == null || path.isEmpty()) {
      plan.direct(route).request(GatewayPlan.Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
      failedWithoutResponse(new MeshException(Reason.INVALID_PATH, forwarding.cluster(), routeTag,
          false, Failure.NONE, 0, "the path " + raw + " has no safe canonical form"
              + (path == null ? " after the route's rewrite" : ""), null));
      return;
    }
    target = plan.target(route, forwarding.cluster());
    if (target == null) {
      plan.direct(route).request(GatewayPlan.Outcome.NO_HEALTHY_ENDPOINT, 0,
          owner.ticker.read() - start);
      failedWithoutResponse(new MeshException(Reason.NO_HEALTHY_ENDPOINT, forwarding.cluster(),
          routeTag, false, Failure.NONE, 0, "the cluster is not in the current config", null));
      return;
    }
    String q = req.getQueryString();
    String pathAndQuery = q == null ? path : path + "?" + q;
    JettyAttempts a;
    try {
      a = new JettyAttempts(owner, forwarding, target, routeTag, pathAndQuery,
          upstreamHeaders(route));
    } catch (IllegalArgumentException e) {
      rejectBadRequest(e);
      return;
    }
    attempts = a;
    AttemptLoop l = new AttemptLoop(view, owner.ticker, owner.clock, owner.scheduler);
    MeshContext ctx = forwarding.context();
    if (ctx.hasDeadline()) l.deadline(ctx.deadlineNanos());
    loop = l;
    boolean idempotencyKey = req.getHeader(IDEMPOTENCY_KEY) != null;
    boolean noBody = !a.hasBody();
    if (req.isAsyncSupported()) {
      startAsync();
      a.streamBodyAsync();
      l.start(target, method, idempotencyKey, noBody, a, this);
      return;
    }
    a.streamBodyBlocking();
    JettyAttempts.Upstream u;
    try {
      u = l.run(target, method, idempotencyKey, noBody, a);
    } catch (IOException | RuntimeException e) {
      recordFailure(e);
      failedWithoutResponse(e);
      return;
    }
    target.meters.request(GatewayPlan.Outcome.RESPONSE, u.response().getStatus(),
        owner.ticker.read() - start);
    answered = u;
    new JettyResponseCopy(this, u).copyBlocking(method);
  }

  /**
   * The header lines every attempt sends: {@link ForwardHeaders}, then the route's {@code
   * rewrite.host}, the propagated mesh-context headers the request lacks, and the route's {@code
   * headers} (remove, then add), as mesh-okhttp's transport applies them.
   */
  private HttpFields upstreamHeaders(Route route) {
    HttpFields.Mutable h = HttpFields.build();
    ForwardHeaders.write(forwarding, underscores, meters, h::add);
    if (route.hostRewrite() != null) h.put("Host", route.hostRewrite());
    MeshContext ctx = forwarding.context();
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      if (!h.contains(ctx.headerName(i))) h.add(ctx.headerName(i), ctx.headerValue(i));
    }
    List<String> remove = route.headers().remove();
    for (int i = 0; i < remove.size(); i++) h.remove(remove.get(i));
    for (Map.Entry<String, String> e : route.headers().add().entrySet()) {
      h.add(e.getKey(), e.getValue());
    }
    return h.asImmutable();
  }

  // ------------------------------------------------------------------ Completion (async mode)

  @Override
  public void complete(JettyAttempts.Upstream u, Throwable failure) {
    if (failure != null) {
      recordFailure(failure);
      try {
        failedWithoutResponse(failure);
      } catch (IOException | RuntimeException e) {
        clientGone(e);
      }
      completeAsync();
      return;
    }
    target.meters.request(GatewayPlan.Outcome.RESPONSE, u.response().getStatus(),
        owner.ticker.read() - start);
    answered = u;
    if (clientGone) {
      u.request().abort(new JettyAttempts.AttemptCancelled());
      completeAsync();
      return;
    }
    JettyResponseCopy copy = new JettyResponseCopy(this, u);
    try {
      if (!copy.headers(method)) {
        copy.finishOk();
        return;
      }
      copy.startAsync();
    } catch (IOException | RuntimeException e) {
      u.request().abort(e);
      clientGone(e);
      completeAsync();
    }
  }

  private void recordFailure(Throwable failure) {
    GatewayPlan.Outcome outcome = failure instanceof MeshException me ? outcome(me.reason())
        : GatewayPlan.Outcome.UPSTREAM_FAILURE;
    target.meters.request(outcome, 0, owner.ticker.read() - start);
  }

  private static GatewayPlan.Outcome outcome(Reason r) {
    return switch (r) {
      case NO_HEALTHY_ENDPOINT -> GatewayPlan.Outcome.NO_HEALTHY_ENDPOINT;
      case CIRCUIT_OPEN -> GatewayPlan.Outcome.CIRCUIT_OPEN;
      case CONCURRENCY_LIMIT -> GatewayPlan.Outcome.CONCURRENCY_LIMIT;
      case BUDGET_EXHAUSTED -> GatewayPlan.Outcome.BUDGET_EXHAUSTED;
      case TIMEOUT -> GatewayPlan.Outcome.TIMEOUT;
      case DEADLINE_EXCEEDED -> GatewayPlan.Outcome.DEADLINE_EXCEEDED;
      case CANCELLED -> GatewayPlan.Outcome.CANCELLED;
      case INVALID_PATH -> GatewayPlan.Outcome.INVALID_PATH;
      default -> GatewayPlan.Outcome.UPSTREAM_FAILURE;
    };
  }

  /** No response from upstream: answers 400 (the client's body broke), 502, 503 or 504. */
  private void failedWithoutResponse(Throwable e) throws IOException {
    JettyAttempts a = attempts;
    failedWithoutResponse(e, a == null ? null : a.clientBodyError());
  }

  /** The client went away (or the container gave up): stop the loop and the response read. */
  @Override
  void cancelUpstream() {
    AttemptLoop l = loop;
    if (l != null) l.cancel();
    JettyAttempts.Upstream u = answered;
    if (u != null) u.request().abort(new JettyAttempts.AttemptCancelled());
  }
}
