package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.resilience.RetryBudget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The circuit breakers and retry budgets of one wrapped client, by cluster (and by route for a
 * route-level {@code retry.budget}), kept across config reloads. Updated only by {@link
 * #update(MeshSnapshot)}, under the interceptor's plan lock; read through the published map.
 */
final class ResilienceStore {
  private final Mesh mesh;
  private final ClientMeters meters;
  private volatile Map<String, ClusterResilience> clusters = Map.of();
  private final Map<String, RouteBudget> routeBudgets = new HashMap<>();
  private final Set<String> gauged = new HashSet<>();
  private String service;

  ResilienceStore(Mesh mesh, ClientMeters meters) {
    this.mesh = mesh;
    this.meters = meters;
  }

  /** Brings the store in line with {@code snapshot}'s clusters. Called under the plan lock. */
  void update(MeshSnapshot snapshot) {
    service = snapshot.config().service();
    Map<String, ClusterResilience> previous = clusters;
    Map<String, ClusterResilience> next = new HashMap<>();
    for (ClusterConfig cc : snapshot.config().clusters()) {
      RetryConfig.Budget budget = cc.retry().budget();
      next.put(
          cc.name(),
          ClusterResilience.reuseOrCreate(
              previous.get(cc.name()), cc.name(), cc.circuitBreaker(), budget, mesh, meters,
              service));
      gauge(cc.name());
    }
    clusters = Map.copyOf(next);
  }

  /** The state of cluster {@code name}; {@code null} when the last update had no such cluster. */
  ClusterResilience cluster(String name) {
    return clusters.get(name);
  }

  /** The budget of a route-level {@code retry.budget} override, kept while its config is unchanged. */
  RetryBudget routeBudget(String routeTag, String cluster, RetryConfig.Budget config) {
    String key = routeTag + "\u0000" + cluster;
    RouteBudget b = routeBudgets.get(key);
    if (b == null || !Objects.equals(b.config, config)) {
      b = new RouteBudget(config, RetryBudget.create(config, mesh.ticker()));
      routeBudgets.put(key, b);
    }
    return b.budget;
  }

  private void gauge(String cluster) {
    if (!gauged.add(cluster)) return;
    Tags tags = Tags.of(MeshMetricNames.TAG_SERVICE, service, MeshMetricNames.TAG_CLUSTER, cluster);
    // Another client wrapped around the same mesh registered these first; it keeps reporting.
    if (meters.registry().find(MeshMetricNames.CLIENT_CIRCUIT_STATE).tags(tags).gauge() != null) return;
    Gauge.builder(MeshMetricNames.CLIENT_CIRCUIT_STATE, this, s -> s.state(cluster))
        .description("Circuit breaker state: 0 closed, 1 half-open, 2 open")
        .tags(tags)
        .register(meters.registry());
    Gauge.builder(MeshMetricNames.CLIENT_CIRCUIT_ACTIVE, this, s -> s.active(cluster))
        .description("Attempts holding one of the cluster's concurrency slots")
        .tags(tags)
        .register(meters.registry());
  }

  private double state(String cluster) {
    ClusterResilience r = clusters.get(cluster);
    return r == null ? Double.NaN : r.breaker.state().gaugeValue();
  }

  private double active(String cluster) {
    ClusterResilience r = clusters.get(cluster);
    return r == null ? Double.NaN : r.breaker.activeRequests();
  }

  private record RouteBudget(RetryConfig.Budget config, RetryBudget budget) {}
}
