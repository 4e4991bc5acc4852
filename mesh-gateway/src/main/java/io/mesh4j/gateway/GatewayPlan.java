package io.mesh4j.gateway;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.HedgeConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.ClusterResilience;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.internal.client.ClusterAttemptTarget;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the Jetty transport needs per forwarded (inbound route, cluster) pair, compiled once per
 * {@link MeshSnapshot}: the {@link io.mesh4j.internal.client.AttemptTarget} the engine's attempt loop runs on (the cluster,
 * its breaker and budget from the mesh's runtime, the route's retry override merged over the
 * cluster's, timeouts, hedging) and the {@code mesh.client.*} meters with route tag {@code
 * inbound/<virtual host>/<route>}, exactly as mesh-okhttp's plan compiles them for a forwarded
 * route. A request looks its target up with one identity lookup and one hash lookup; nothing is
 * allocated. Immutable after construction (what it points to is thread-safe).
 */
final class GatewayPlan {
  /** Status classes of the {@code status_class} tag: index 0 = none, 1..5 = 1xx..5xx. */
  private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  /** Outcomes of a forwarded call, for the {@code outcome} tag (mesh-okhttp's names). */
  enum Outcome {
    RESPONSE("response"), INVALID_PATH("invalid-path"), NO_HEALTHY_ENDPOINT("no-healthy-endpoint"),
    CIRCUIT_OPEN("circuit-open"), CONCURRENCY_LIMIT("concurrency-limit"),
    BUDGET_EXHAUSTED("budget-exhausted"), TIMEOUT("timeout"), DEADLINE_EXCEEDED("deadline-exceeded"), CANCELLED("cancelled"),
    UPSTREAM_FAILURE("upstream-failure");

    final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }
  }

  final MeshSnapshot snapshot;
  private final String service;
  private final MeterRegistry registry;
  private final MeshRuntime runtime;
  private final Map<String, ClusterPart> clusters = new HashMap<>();
  private final IdentityHashMap<Route, Map<String, Target>> routes = new IdentityHashMap<>();

  GatewayPlan(MeshSnapshot snapshot, MeshRuntime runtime, MeterRegistry registry) {
    this.snapshot = snapshot;
    this.service = snapshot.config().service();
    this.registry = registry;
    this.runtime = runtime;
    for (ClusterConfig cc : snapshot.config().clusters()) {
      Cluster cluster = snapshot.cluster(cc.name());
      ClusterResilience r = runtime.cluster(cc.name());
      // A snapshot older than the runtime's may name a cluster the runtime no longer has.
      if (cluster != null && r != null) clusters.put(cc.name(), new ClusterPart(cluster, cc, r));
    }
    for (Route route : snapshot.inbound().routes()) {
      if (route.action() instanceof RouteAction.ClusterTarget) routes.put(route, compile(route));
    }
  }

  /**
   * The target of {@code route} (an inbound route, possibly of an older snapshot) and {@code
   * cluster}, or {@code null} when this snapshot has no such cluster.
   */
  Target target(Route route, String cluster) {
    Map<String, Target> ts = routes.get(route);
    if (ts == null) ts = compile(route); // matched just before a reload: compiled on the fly
    return ts.get(cluster);
  }

  /** The meters of a request refused before a cluster was chosen (an invalid rewrite). */
  RouteMeters direct(Route route) {
    return new RouteMeters(tag(route), "none");
  }

  private Map<String, Target> compile(Route route) {
    Map<String, Target> ts = new HashMap<>();
    String tag = tag(route);
    if (!(route.action() instanceof RouteAction.ClusterTarget ct)) return ts;
    for (String name : ct.clusters()) {
      ClusterPart cp = clusters.get(name);
      if (cp == null) continue;
      RetryPolicy policy = cp.retry;
      Backoff backoff = cp.backoff;
      RetryBudget budget = cp.resilience.budget;
      if (route.retry() != null) {
        RetryConfig merged = route.retry().applyTo(cp.config.retry());
        policy = RetryPolicy.of(merged);
        backoff = Backoff.of(merged.backoff());
        if (route.retry().budget() != null) {
          budget = runtime.routeBudget(tag, name, route.retry().budget());
        }
      }
      long timeout = route.timeout() != null ? nanos(route.timeout()) : cp.timeoutNanos;
      ts.put(name, new Target(cp, policy, backoff, budget, timeout, new RouteMeters(tag, name),
          route.hedge()));
    }
    return ts;
  }

  /** The metric route tag of a forwarded inbound route (mesh-okhttp's {@code RouteTarget} tag). */
  static String tag(Route route) {
    return io.mesh4j.okhttp.RouteTarget.INBOUND_TAG_PREFIX + route.virtualHost() + "/" + route.name();
  }

  static long nanos(Duration d) {
    return ClusterAttemptTarget.nanos(d);
  }

  /** A cluster as one snapshot sees it. */
  static final class ClusterPart {
    final String name;
    final Cluster cluster;
    final ClusterConfig config;
    final ClusterResilience resilience;
    final RetryPolicy retry;
    final Backoff backoff;
    final long timeoutNanos;
    /** The connection pool of each of its endpoints: {@code circuit_breaker.max_concurrent_requests}. */
    final PoolKey pool;

    ClusterPart(Cluster cluster, ClusterConfig config, ClusterResilience resilience) {
      this.name = config.name();
      this.cluster = cluster;
      this.config = config;
      this.resilience = resilience;
      this.retry = RetryPolicy.of(config.retry());
      this.backoff = Backoff.of(config.retry().backoff());
      this.timeoutNanos = nanos(config.timeout());
      CircuitBreakerConfig cb = config.circuitBreaker();
      this.pool = new PoolKey(name, cb != null ? cb.maxConcurrentRequests()
          : CircuitBreakerConfig.DEFAULT_MAX_CONCURRENT_REQUESTS);
    }
  }

  /**
   * The tag of a Jetty destination (one connection pool per endpoint per cluster): the cluster and
   * the pool's size. A reload that changes the size yields a new key, so a new pool; the old one
   * is dropped when idle.
   */
  record PoolKey(String cluster, int maxConnections) {}

  /**
   * A route's view of one of its target clusters: what the attempt loop runs on. The shared part
   * (policy, budget, timeouts, hedging, cluster counters) is {@link ClusterAttemptTarget}'s, as on
   * mesh-okhttp's path; this adds the gateway's per-route meters.
   */
  final class Target extends ClusterAttemptTarget {
    final ClusterPart cluster;
    final RouteMeters meters;

    Target(ClusterPart cluster, RetryPolicy retry, Backoff backoff, RetryBudget budget,
        long timeoutNanos, RouteMeters meters, HedgeConfig hedge) {
      super(cluster.cluster, cluster.resilience, retry, backoff, budget, timeoutNanos, hedge);
      this.cluster = cluster;
      this.meters = meters;
    }

    @Override
    public void attempted(Endpoint endpoint) {
      meters.attempts.increment();
    }

    @Override
    public void retried(RetryDecision reason) {
      meters.retry(reason);
    }
  }

  /**
   * The meters of one (route, cluster) pair: the same names and tags as mesh-okhttp's, resolved
   * on first use of each outcome and status class and kept in arrays.
   */
  final class RouteMeters {
    private final Tags tags;
    final Counter attempts;
    private final AtomicReferenceArray<Timer> requests =
        new AtomicReferenceArray<>(Outcome.values().length * STATUS_CLASSES.length);
    private final AtomicReferenceArray<Counter> retries =
        new AtomicReferenceArray<>(RetryDecision.values().length);

    RouteMeters(String route, String cluster) {
      this.tags = Tags.of(MeshMetricNames.TAG_SERVICE, service, MeshMetricNames.TAG_ROUTE, route,
          MeshMetricNames.TAG_CLUSTER, cluster);
      this.attempts = Counter.builder(MeshMetricNames.CLIENT_ATTEMPTS)
          .description("Attempts sent to endpoints").tags(tags).register(registry);
    }

    void request(Outcome outcome, int status, long nanos) {
      int c = status / 100;
      int sc = c >= 1 && c <= 5 ? c : 0;
      int i = outcome.ordinal() * STATUS_CLASSES.length + sc;
      Timer t = requests.get(i);
      if (t == null) {
        t = Timer.builder(MeshMetricNames.CLIENT_REQUESTS)
            .description("Mesh calls, from routing to the final response headers or failure")
            .tags(tags)
            .tag(MeshMetricNames.TAG_STATUS_CLASS, STATUS_CLASSES[sc])
            .tag(MeshMetricNames.TAG_OUTCOME, outcome.tag)
            .register(registry);
        requests.set(i, t);
      }
      t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void retry(RetryDecision reason) {
      Counter c = retries.get(reason.ordinal());
      if (c == null) {
        c = Counter.builder(MeshMetricNames.CLIENT_RETRIES)
            .description("Retries made, by the condition that allowed them")
            .tags(tags.and(MeshMetricNames.TAG_REASON, reason.reason()))
            .register(registry);
        retries.set(reason.ordinal(), c);
      }
      c.increment();
    }
  }
}
