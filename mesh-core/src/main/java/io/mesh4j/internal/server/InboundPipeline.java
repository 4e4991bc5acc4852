package io.mesh4j.internal.server;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.MeshContext;
import io.mesh4j.internal.Deadlines;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.internal.authz.Authorizer;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.internal.concurrency.AdaptiveLimiter;
import io.mesh4j.internal.fault.Fault;
import io.mesh4j.internal.ratelimit.TokenBucket;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.time.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound request pipeline: what the mesh decides about a request a server receives, in one
 * order of {@link Step steps} declared once ({@link #STEPS}), for every server adapter.
 *
 * <ol>
 *   <li>{@link Step#ROUTE}: match the inbound route table; the route's state (or the unrouted
 *       state) goes into the exchange;
 *   <li>{@link Step#POLICIES}: the request policies (global, virtual host, route), which may answer
 *       the request or edit the headers the application sees;
 *   <li>{@link Step#AUTHZ}: {@code authz}, 403 when denied;
 *   <li>{@link Step#RATE_LIMIT}: the route's {@code rate_limit}, 429 with {@code Retry-After};
 *   <li>{@link Step#FAULT}: the route's {@code fault}: hold the thread (on the mesh's scheduler),
 *       then perhaps answer with the abort status;
 *   <li>{@link Step#CONCURRENCY}: {@code inbound.concurrency_limit}, for a request the action
 *       hands to the application or forwards: admitted through the adaptive limiter (closed with
 *       its latency when the exchange records the outcome), or shed with 503 and {@code
 *       x-mesh-overloaded: true} before the application sees it;
 *   <li>{@link Step#ACTION}: {@code redirect} and {@code respond} are answered here; {@code pass},
 *       a split's {@code local} turn, {@code to} and {@code split} come back to the adapter as
 *       {@link Verdict#PASS} or {@link Verdict#FORWARD} (cluster in {@link
 *       InboundExchange#cluster()}).
 * </ol>
 *
 * <p>Every answer the pipeline makes is recorded in the exchange before the {@link Responder}
 * writes it, so a client that goes away mid-write cannot make a request go uncounted; recording a
 * {@code PASS} or {@code FORWARD} is the adapter's, when the response completes.
 *
 * <p>The pipeline also owns the current {@link InboundPlan}: built once per snapshot, never older
 * than the one already planned, and kept when the adapter refuses a snapshot (see {@link
 * #InboundPipeline}). Thread-safe; {@link #decide} takes no lock and allocates nothing for a
 * request that passes a route without policies and has no deadline. The route step also puts the
 * request's deadline ({@code propagate.deadline_headers}, a {@code pass} route's {@code timeout})
 * into the exchange's context, and tells the request's server span ({@link #traced}) the route,
 * the authz and rate-limit decisions.
 */
public final class InboundPipeline {
  private static final Logger log = LoggerFactory.getLogger(InboundPipeline.class);

  /** One step of the inbound pipeline, in the order they run. */
  public enum Step { ROUTE, POLICIES, AUTHZ, RATE_LIMIT, FAULT, CONCURRENCY, ACTION }

  /**
   * The response header of a request shed by the concurrency limit: the request was not
   * processed, so a mesh4j client retries it on another endpoint, even when it is not idempotent.
   */
  public static final String OVERLOADED_HEADER = "x-mesh-overloaded";

  /** The steps, in the order every inbound request goes through them. */
  public static final java.util.List<Step> STEPS = java.util.List.of(Step.values());

  private static final Step[] ORDER = STEPS.toArray(new Step[0]);
  private static final Map<String, String> NO_HEADERS = Map.of();
  private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store");
  private static final Map<String, String> OVERLOADED =
      Map.of(OVERLOADED_HEADER, "true", "Cache-Control", "no-store");

  /** What the adapter does after {@link #decide}. */
  public enum Verdict {
    /** The pipeline answered (and recorded) the request through the {@link Responder}. */
    ANSWERED,
    /** Hand the request to the application; record when its response completes. */
    PASS,
    /** Send the request on to {@link InboundExchange#cluster()}; record when it completes. */
    FORWARD
  }

  /** Writes an answer the mesh made itself; implemented by the adapter over its response. */
  @FunctionalInterface
  public interface Responder {
    /**
     * Sends {@code status} with {@code body} (UTF-8; {@code text/plain} unless {@code headers}
     * names a {@code content-type}; empty means no body) and {@code headers}, then ends the
     * response.
     */
    void answer(int status, String body, Map<String, String> headers) throws IOException;
  }

  private final Mesh mesh;
  private final Function<MeshSnapshot, String> refusal;
  private final Object lock = new Object();
  private volatile InboundPlan plan;
  /** A snapshot the adapter refused; the previous plan serves. */
  private volatile MeshSnapshot refused;

  /**
   * A pipeline over {@code mesh}. {@code refusal} says why the adapter cannot serve a snapshot
   * (for example, it forwards and the adapter has no forwarder), or returns {@code null}; a refused
   * reload is logged with that reason and the previous plan keeps serving.
   */
  public InboundPipeline(Mesh mesh, Function<MeshSnapshot, String> refusal) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.refusal = Objects.requireNonNull(refusal, "refusal");
  }

  /** The plan for the mesh's current snapshot (built on the first request after a reload). */
  public InboundPlan plan() {
    MeshSnapshot s = mesh.current();
    InboundPlan p = plan;
    if (p != null && (p.snapshot == s || s == refused)) return p;
    synchronized (lock) {
      p = plan;
      if (p != null && p.snapshot == s) return p;
      // Never go back to an older snapshot than the one already planned.
      if (p != null && p.snapshot.generation() > s.generation()) return p;
      if (p != null && s != refused) {
        String why = refusal.apply(s);
        if (why != null) {
          refused = s;
          log.error("{}; the server keeps serving config generation {} inbound (generation {} is"
              + " refused)", why, p.snapshot.generation(), s.generation());
        }
      }
      if (p != null && s == refused) return p;
      InboundPlan next = InboundPlan.build(s, MeshInternals.runtime(mesh), mesh.meterRegistry());
      plan = next;
      return next;
    }
  }

  /**
   * Runs {@link #STEPS} for the request {@code view} under plan {@code p}: answers it through
   * {@code responder} (and records it in {@code exchange}), or tells the adapter to pass or
   * forward it.
   *
   * @throws IOException when the responder fails to write an answer
   */
  public Verdict decide(InboundPlan p, RequestView view, InboundExchange exchange, Responder responder)
      throws IOException {
    RouteMatch match = null;
    for (Step step : ORDER) {
      switch (step) {
        case ROUTE -> {
          match = p.routes.match(view);
          exchange.route(match.isRouted() ? p.state(match.route()) : p.unrouted);
          ServerSpan span = exchange.span();
          if (span != ServerSpan.NOOP) span.route(match.isRouted() ? match.route() : null);
          deadline(p, match, view, exchange);
        }
        case POLICIES -> {
          if (!policies(p, match, view, exchange, responder)) return Verdict.ANSWERED;
        }
        case AUTHZ -> {
          Authorizer.Decision decision = p.authorizer.decide(view);
          ServerSpan span = exchange.span();
          if (span != ServerSpan.NOOP) span.authz(decision.allowed(), decision.rule());
          if (!decision.allowed()) {
            p.denied(decision).increment();
            exchange.record(Outcome.DENIED, 403);
            responder.answer(403, "access denied\n", NO_HEADERS);
            return Verdict.ANSWERED;
          }
        }
        case RATE_LIMIT -> {
          RouteState route = exchange.route();
          TokenBucket bucket = route.bucket(view);
          boolean limited = bucket != null && !bucket.tryAcquire();
          if (bucket != null && exchange.span() != ServerSpan.NOOP) {
            exchange.span().rateLimit(limited);
          }
          if (limited) {
            route.rateLimited.increment();
            exchange.record(Outcome.RATELIMITED, 429);
            responder.answer(429, "rate limited\n",
                Map.of("Retry-After", Long.toString(bucket.retryAfterSeconds())));
            return Verdict.ANSWERED;
          }
        }
        case FAULT -> {
          Fault fault = exchange.route().fault.decide();
          if (fault.delayed()) hold(MeshInternals.scheduler(mesh), fault.delayNanos());
          if (fault.aborted()) {
            exchange.record(Outcome.FAULT, fault.abortStatus());
            responder.answer(fault.abortStatus(), "fault filter abort\n", NO_HEADERS);
            return Verdict.ANSWERED;
          }
        }
        case CONCURRENCY -> {
          AdaptiveLimiter limiter = p.limiter;
          if (limiter != null && reachesUpstream(exchange.route().action)) {
            if (!limiter.tryAcquire()) {
              p.overloaded.increment();
              exchange.record(Outcome.OVERLOADED, 503);
              responder.answer(503, "overloaded\n", OVERLOADED);
              return Verdict.ANSWERED;
            }
            exchange.admitted(limiter, MeshInternals.ticker(mesh).read());
          }
        }
        case ACTION -> {
          return action(view, exchange, responder);
        }
      }
    }
    throw new AssertionError("the pipeline has no ACTION step");
  }

  /**
   * The request's deadline (the first valid {@code propagate.deadline_headers} value, the route's
   * {@code timeout} for a {@code pass} route): put into the exchange's context for the calls made
   * while serving it. Allocates only when there is a deadline.
   */
  private static void deadline(InboundPlan p, RouteMatch match, RequestView view,
      InboundExchange exchange) {
    java.time.Duration timeout = null;
    if (match.isRouted() && match.route().action().kind() == RouteAction.Kind.PASS) {
      timeout = match.route().timeout();
    }
    if (timeout == null && p.propagate().deadlineHeaders().isEmpty()) return;
    MeshContext before = exchange.context();
    MeshContext after = Deadlines.inbound(before, p.propagate(), view, timeout, exchange.startNanos());
    if (after != before) exchange.context(after);
  }

  /**
   * Runs the request policies before authz, rate limit, fault and action, so they observe those
   * answers too. Returns false when a policy answered the request.
   */
  private static boolean policies(
      InboundPlan p, RouteMatch match, RequestView view, InboundExchange exchange,
      Responder responder) throws IOException {
    PolicyChain chain = match.isRouted() ? match.route().policies() : p.routes.policies();
    if (chain.isEmpty()) return true;
    Route r = match.isRouted() ? match.route() : null;
    PolicyRun run = PolicyInternals.start(chain,
        view, r == null ? null : r.virtualHost(), r == null ? null : r.name(),
        exchange.context().requestId(), exchange.startNanos());
    exchange.policies(run);
    PolicyDecision d = run.onRequest();
    if (!d.isContinue()) {
      exchange.record(Outcome.POLICY, d.status());
      responder.answer(d.status(), d.body(), d.headers());
      return false;
    }
    exchange.applyHeaderEdits(run);
    return true;
  }

  /** Whether {@code action} hands the request to the application or an upstream. */
  private static boolean reachesUpstream(RouteAction action) {
    return switch (action.kind()) {
      case REDIRECT, RESPOND -> false;
      default -> true;
    };
  }

  private static Verdict action(RequestView view, InboundExchange exchange, Responder responder)
      throws IOException {
    RouteAction action = exchange.route().action;
    switch (action.kind()) {
      case REDIRECT -> {
        RouteAction.Redirect redirect = (RouteAction.Redirect) action;
        exchange.record(Outcome.REDIRECT, redirect.code());
        responder.answer(redirect.code(), "", Map.of("Location", redirect.location(view)));
        return Verdict.ANSWERED;
      }
      case RESPOND -> {
        RouteAction.Respond respond = (RouteAction.Respond) action;
        exchange.record(Outcome.RESPOND, respond.status());
        responder.answer(respond.status(), respond.body(), respond.headers());
        return Verdict.ANSWERED;
      }
      case FORWARD -> {
        exchange.cluster(((RouteAction.Forward) action).cluster());
        return Verdict.FORWARD;
      }
      case SPLIT -> {
        ActionConfig.WeightedCluster entry = ((RouteAction.Split) action).pickEntry();
        if (entry.local()) return Verdict.PASS;
        exchange.cluster(entry.cluster());
        return Verdict.FORWARD;
      }
      default -> {
        return Verdict.PASS;
      }
    }
  }

  /**
   * {@code context} with the server span of {@code view} started now, when the mesh traces ({@link
   * Mesh#tracer()}); {@code context} itself otherwise (nothing allocated). The adapter calls it for
   * the requests it runs through {@link #decide}, whose recording ends the span.
   */
  public MeshContext traced(MeshContext context, RequestView view) {
    MeshTracer tracer = mesh.tracer();
    if (!tracer.isEnabled()) return context;
    ServerSpan span;
    try {
      span = tracer.startServer(view);
    } catch (RuntimeException e) {
      log.warn("mesh4j: starting a server span failed", e);
      return context;
    }
    return span == null || span == ServerSpan.NOOP ? context : context.withSpan(span);
  }

  /**
   * Answers the health endpoint ({@code inbound.health_path}): 200 {@code serving}, or 503 {@code
   * draining} while the mesh drains; 405 for methods other than GET and HEAD. Not recorded.
   */
  public void health(String method, Responder responder) throws IOException {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      responder.answer(405, "method not allowed\n", Map.of("Cache-Control", "no-store", "Allow", "GET, HEAD"));
    } else if (mesh.isDraining()) {
      responder.answer(503, "draining\n", NO_STORE);
    } else {
      responder.answer(200, "serving\n", NO_STORE);
    }
  }

  /** Holds the calling thread for {@code nanos} on the mesh's scheduler (a fault delay). */
  private static void hold(Scheduler scheduler, long nanos) {
    CountDownLatch done = new CountDownLatch(1);
    Scheduler.Cancellable task = scheduler.schedule(done::countDown, Duration.ofNanos(nanos));
    try {
      done.await();
    } catch (InterruptedException e) {
      task.cancel();
      Thread.currentThread().interrupt();
    }
  }
}
