package io.mesh4j.internal.server;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.internal.authz.Authorizer;
import io.mesh4j.config.Cidr;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.PropagateConfig;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.concurrency.AdaptiveLimiter;
import io.mesh4j.internal.ratelimit.KeyedTokenBuckets;
import io.mesh4j.internal.ratelimit.TokenBucket;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the inbound pipeline derives from one {@link MeshSnapshot}, built once when the snapshot
 * becomes current and then only read: the inbound route table with a {@link RouteState} per route,
 * the compiled authz rules with a denial counter per rule, the trusted proxies, the health path
 * and the propagated headers. Immutable after construction (the states' buckets and lazily made
 * timers are thread-safe).
 *
 * <p>A route's token bucket is the mesh's ({@link MeshRuntime#bucket}, or {@link
 * MeshRuntime#keyedBuckets} per client): it survives a reload when the route keeps its virtual
 * host, name and {@code rate_limit} settings, so reloading a config (or touching an unrelated part
 * of it) does not hand every client a fresh burst. The concurrency limiter ({@link
 * MeshRuntime#inboundLimiter}) likewise keeps its learnt limit while {@code
 * inbound.concurrency_limit} is unchanged.
 */
public final class InboundPlan {
  final MeshSnapshot snapshot;
  final String service;
  final RouteTable routes;
  final Authorizer authorizer;
  final Cidr[] trustedProxies;
  final String healthPath;
  final boolean adminEnabled;
  final PropagateConfig propagate;
  final RouteState unrouted;
  /** {@code inbound.concurrency_limit}'s limiter (kept across reloads by the runtime), or null. */
  final AdaptiveLimiter limiter;
  /** Requests shed by {@link #limiter}; null without one. */
  final Counter overloaded;
  /** How this snapshot makes request paths canonical. */
  final RequestPath paths;
  private final Counter[] pathRefused;
  private final Map<Route, RouteState> states;
  private final Counter[] denied;

  private InboundPlan(MeshSnapshot snapshot, MeshRuntime runtime, MeterRegistry registry) {
    this.snapshot = snapshot;
    MeshConfig config = snapshot.config();
    InboundConfig inbound = config.inbound();
    this.service = config.service() == null ? "" : config.service();
    this.routes = snapshot.inbound();
    this.authorizer = Authorizer.compile(inbound.authz());
    this.trustedProxies = inbound.trustedProxies().toArray(new Cidr[0]);
    this.healthPath = inbound.healthPath();
    this.adminEnabled = config.admin() != null && config.admin().enabled();
    this.propagate = config.propagate() == null ? PropagateConfig.NONE : config.propagate();
    this.states = new IdentityHashMap<>();
    for (Route r : routes.routes()) {
      String tag = r.virtualHost() + "/" + r.name();
      RateLimitConfig rl = r.rateLimit();
      TokenBucket bucket = rl == null || rl.perClient() ? null : runtime.bucket(tag, rl);
      KeyedTokenBuckets keyed = rl == null || !rl.perClient() ? null : runtime.keyedBuckets(tag, rl);
      RouteState s = new RouteState(tag, r, bucket, keyed, registry, service);
      states.put(r, s);
    }
    this.paths = snapshot.requestPath();
    PathRefusal[] reasons = PathRefusal.values();
    this.pathRefused = new Counter[reasons.length];
    for (PathRefusal r : reasons) {
      pathRefused[r.ordinal()] = Counter.builder(MeshMetricNames.SERVER_PATH_REFUSED)
          .description("Inbound requests answered 400 because their path was refused")
          .tag(MeshMetricNames.TAG_SERVICE, service)
          .tag(MeshMetricNames.TAG_REASON, r.tag())
          .register(registry);
    }
    this.limiter = runtime.inboundLimiter(inbound.concurrencyLimit());
    if (limiter != null) {
      this.overloaded = Counter.builder(MeshMetricNames.SERVER_OVERLOADED)
          .description("Inbound requests shed with 503 by the adaptive concurrency limit")
          .tag(MeshMetricNames.TAG_SERVICE, service)
          .register(registry);
      runtime.gaugeInbound(service);
    } else {
      this.overloaded = null;
    }
    this.unrouted = new RouteState(MeshMetricNames.ROUTE_NONE, null, null, registry, service);
    List<Authorizer.Decision> decisions = authorizer.decisions();
    this.denied = new Counter[decisions.size()];
    for (int i = 0; i < decisions.size(); i++) {
      denied[i] = Counter.builder(MeshMetricNames.SERVER_DENIED)
          .description("Inbound requests denied with 403 by authz, by deciding rule")
          .tag(MeshMetricNames.TAG_SERVICE, service)
          .tag(MeshMetricNames.TAG_RULE, decisions.get(i).rule())
          .register(registry);
    }
  }

  /** The plan for {@code snapshot}, with the token buckets {@code runtime} keeps across reloads. */
  public static InboundPlan build(MeshSnapshot snapshot, MeshRuntime runtime, MeterRegistry registry) {
    return new InboundPlan(snapshot, runtime, registry);
  }

  /** The state of a route of this plan's table. */
  RouteState state(Route route) {
    RouteState s = states.get(route);
    return s == null ? unrouted : s;
  }

  /** The counter of requests refused for {@code reason}. */
  public Counter pathRefused(PathRefusal reason) {
    return pathRefused[reason.ordinal()];
  }

  /** The denial counter of the rule that made {@code decision}. */
  Counter denied(Authorizer.Decision decision) {
    return decision.isDefault() ? denied[denied.length - 1] : denied[decision.index()];
  }

  /** The adaptive concurrency limiter ({@code inbound.concurrency_limit}), or {@code null}. */
  public AdaptiveLimiter limiter() {
    return limiter;
  }

  /** The snapshot this plan was built from. */
  public MeshSnapshot snapshot() {
    return snapshot;
  }

  /** How this snapshot makes request paths canonical ({@code path_normalization}). */
  public RequestPath paths() {
    return paths;
  }

  /** {@code inbound.trusted_proxies}, in config order. */
  public Cidr[] trustedProxies() {
    return trustedProxies;
  }

  /** {@code inbound.health_path}. */
  public String healthPath() {
    return healthPath;
  }

  /** {@code admin.enabled}. */
  public boolean adminEnabled() {
    return adminEnabled;
  }

  /** {@code propagate} ({@link PropagateConfig#NONE} when absent). */
  public PropagateConfig propagate() {
    return propagate;
  }
}
