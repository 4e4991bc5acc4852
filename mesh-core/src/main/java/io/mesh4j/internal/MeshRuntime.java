package io.mesh4j.internal;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConcurrencyLimitConfig;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.concurrency.AdaptiveLimiter;
import io.mesh4j.internal.ratelimit.KeyedTokenBuckets;
import io.mesh4j.internal.ratelimit.TokenBucket;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The state of one {@link io.mesh4j.Mesh} that outlives a snapshot and is shared by every adapter
 * wrapped around that mesh: the client-side circuit breakers and retry budgets per cluster (and
 * per route for a route-level {@code retry.budget}), the inbound token buckets per route (one, or
 * one per client), and the inbound adaptive concurrency limiter. Each piece is kept across reloads
 * while its settings are unchanged, and replaced when they change.
 *
 * <p>Why per mesh and not per wrapped client or filter: a breaker, a concurrency limit, a retry
 * budget or a rate limit describes one upstream cluster or one route as this process sees it (as
 * Envoy keeps one set of circuit breakers per cluster per proxy). Two clients wrapped around the
 * same mesh used to each get their own, which multiplied the cluster's concurrency limit and retry
 * budget by the number of clients.
 *
 * <p>Thread-safe. Updates happen under one lock, off the hot path (once per snapshot per adapter);
 * {@link #cluster} is one volatile read and one hash lookup.
 */
public final class MeshRuntime {
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final MeterRegistry registry;
  private final Object lock = new Object();
  private volatile Map<String, ClusterResilience> clusters = Map.of();
  private long clustersGeneration = -1;
  private final Map<String, RouteBudget> routeBudgets = new HashMap<>();
  private final Map<String, Bucket> buckets = new HashMap<>();
  private final Map<String, Keyed> keyedBuckets = new HashMap<>();
  /** The inbound limiter and the config it runs; null while none is configured. */
  private volatile Inbound inbound;
  private final Set<String> gauged = new HashSet<>();

  /** The runtime of a mesh timed by {@code ticker} and {@code scheduler}, metered in {@code registry}. */
  public MeshRuntime(Ticker ticker, Scheduler scheduler, MeterRegistry registry) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /**
   * Brings the per-cluster state in line with {@code snapshot}'s clusters, unless it already
   * reflects that snapshot or a newer one (a request still holding an older snapshot never rolls
   * the state back).
   */
  public void update(MeshSnapshot snapshot) {
    synchronized (lock) {
      if (snapshot.generation() <= clustersGeneration) return;
      clustersGeneration = snapshot.generation();
      String service = snapshot.config().service();
      Map<String, ClusterResilience> previous = clusters;
      Map<String, ClusterResilience> next = new HashMap<>();
      for (ClusterConfig cc : snapshot.config().clusters()) {
        next.put(cc.name(), ClusterResilience.reuseOrCreate(
            previous.get(cc.name()), cc.name(), cc.circuitBreaker(), cc.retry().budget(),
            ticker, scheduler, registry, service));
        gauge(service, cc.name());
      }
      clusters = Map.copyOf(next);
    }
  }

  /** The state of cluster {@code name}; {@code null} when the last update had no such cluster. */
  public ClusterResilience cluster(String name) {
    return clusters.get(name);
  }

  /** The budget of a route-level {@code retry.budget} override, kept while its config is unchanged. */
  public RetryBudget routeBudget(String routeTag, String cluster, RetryConfig.Budget config) {
    synchronized (lock) {
      String key = routeTag + "\u0000" + cluster;
      RouteBudget b = routeBudgets.get(key);
      if (b == null || !Objects.equals(b.config, config)) {
        b = new RouteBudget(config, RetryBudget.create(config, ticker));
        routeBudgets.put(key, b);
      }
      return b.budget;
    }
  }

  /**
   * The token bucket of inbound route {@code routeTag} ({@code virtual host/name}) under {@code
   * config}: the same bucket while the route keeps that {@code rate_limit}, so a reload does not
   * hand every client a fresh burst; a new one when the settings change.
   */
  public TokenBucket bucket(String routeTag, RateLimitConfig config) {
    synchronized (lock) {
      Bucket b = buckets.get(routeTag);
      if (b == null || !Objects.equals(b.config, config)) {
        b = new Bucket(config, TokenBucket.create(config, ticker));
        buckets.put(routeTag, b);
      }
      return b.bucket;
    }
  }

  /**
   * The per-client token buckets of inbound route {@code routeTag} under {@code config} (which has
   * a {@code key}): the same buckets while the route keeps that {@code rate_limit}, new ones when
   * the settings change.
   */
  public KeyedTokenBuckets keyedBuckets(String routeTag, RateLimitConfig config) {
    synchronized (lock) {
      Keyed k = keyedBuckets.get(routeTag);
      if (k == null || !Objects.equals(k.config, config)) {
        k = new Keyed(config, KeyedTokenBuckets.create(config, ticker));
        keyedBuckets.put(routeTag, k);
      }
      return k.buckets;
    }
  }

  /**
   * The inbound adaptive concurrency limiter for {@code config} ({@code inbound.concurrency_limit};
   * {@code null}: none, and {@code null} is returned): the same limiter, with its learnt limit and
   * its requests in flight, while the config is unchanged across reloads; a fresh one when it
   * changes. Requests admitted by a replaced limiter are closed on that one.
   */
  public AdaptiveLimiter inboundLimiter(ConcurrencyLimitConfig config) {
    synchronized (lock) {
      Inbound i = inbound;
      if (config == null) {
        inbound = null;
        return null;
      }
      if (i == null || !i.config.equals(config)) {
        i = new Inbound(config, AdaptiveLimiter.create(config));
        inbound = i;
      }
      return i.limiter;
    }
  }

  /** The current inbound concurrency limit, or NaN when none is configured (a gauge's reading). */
  public double inboundLimit() {
    Inbound i = inbound;
    return i == null ? Double.NaN : i.limiter.limit();
  }

  /** Requests the inbound limiter has admitted and not yet closed, or NaN when none. */
  public double inboundInflight() {
    Inbound i = inbound;
    return i == null ? Double.NaN : i.limiter.inflight();
  }

  /**
   * Registers the gauges of the inbound concurrency limit for {@code service} (once per service
   * name; they read whichever limiter is current, NaN while none is configured).
   */
  public void gaugeInbound(String service) {
    synchronized (lock) {
      if (!gauged.add("inbound\u0000" + service)) return;
    }
    Gauge.builder(MeshMetricNames.SERVER_CONCURRENCY_LIMIT, this, MeshRuntime::inboundLimit)
        .description("The current adaptive concurrency limit of inbound requests")
        .tag(MeshMetricNames.TAG_SERVICE, service)
        .register(registry);
    Gauge.builder(MeshMetricNames.SERVER_CONCURRENCY_INFLIGHT, this, MeshRuntime::inboundInflight)
        .description("Inbound requests the concurrency limit admitted, not yet completed")
        .tag(MeshMetricNames.TAG_SERVICE, service)
        .register(registry);
  }

  private void gauge(String service, String cluster) {
    if (!gauged.add(service + "\u0000" + cluster)) return;
    Tags tags = Tags.of(MeshMetricNames.TAG_SERVICE, service, MeshMetricNames.TAG_CLUSTER, cluster);
    Gauge.builder(MeshMetricNames.CLIENT_CIRCUIT_STATE, this, r -> r.state(cluster))
        .description("Circuit breaker state: 0 closed, 1 half-open, 2 open")
        .tags(tags)
        .register(registry);
    Gauge.builder(MeshMetricNames.CLIENT_CIRCUIT_ACTIVE, this, r -> r.active(cluster))
        .description("Attempts holding one of the cluster's concurrency slots")
        .tags(tags)
        .register(registry);
    Gauge.builder(MeshMetricNames.CLIENT_CONCURRENCY_LIMIT, this, r -> r.limit(cluster))
        .description("The cluster's concurrency limit: fixed, or the current adaptive limit")
        .tags(tags)
        .register(registry);
  }

  private double state(String cluster) {
    ClusterResilience r = clusters.get(cluster);
    return r == null ? Double.NaN : r.breaker.state().gaugeValue();
  }

  private double limit(String cluster) {
    ClusterResilience r = clusters.get(cluster);
    return r == null ? Double.NaN : r.breaker.maxConcurrentRequests();
  }

  private double active(String cluster) {
    ClusterResilience r = clusters.get(cluster);
    return r == null ? Double.NaN : r.breaker.activeRequests();
  }

  private record RouteBudget(RetryConfig.Budget config, RetryBudget budget) {}

  private record Bucket(RateLimitConfig config, TokenBucket bucket) {}

  private record Keyed(RateLimitConfig config, KeyedTokenBuckets buckets) {}

  private record Inbound(ConcurrencyLimitConfig config, AdaptiveLimiter limiter) {}
}
