package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.resilience.Admission;
import io.mesh4j.resilience.ClusterCircuitBreaker;
import io.mesh4j.resilience.RetryBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * The client-side resilience state of one cluster: its circuit breaker (with the concurrency
 * limit), its retry budget, and the counters about them. Lives across config reloads as long as
 * the cluster's {@code circuit_breaker} and {@code retry.budget} settings do not change (a change
 * starts a fresh breaker or budget, as a new policy should). Thread-safe.
 */
final class ClusterResilience {
  final String cluster;
  final String service;
  final CircuitBreakerConfig breakerConfig;
  final RetryConfig.Budget budgetConfig;
  final ClusterCircuitBreaker breaker;
  final RetryBudget budget;
  final Counter budgetExhausted;
  final Counter rejectedOpen;
  final Counter rejectedConcurrency;
  final Counter mirrorSent;
  final Counter mirrorDropped;
  final Counter mirrorFailed;

  private ClusterResilience(
      String cluster,
      CircuitBreakerConfig breakerConfig,
      ClusterCircuitBreaker breaker,
      RetryConfig.Budget budgetConfig,
      RetryBudget budget,
      ClientMeters meters,
      String service) {
    this.cluster = cluster;
    this.service = service;
    this.breakerConfig = breakerConfig;
    this.breaker = breaker;
    this.budgetConfig = budgetConfig;
    this.budget = budget;
    Tags tags = Tags.of(MeshMetricNames.TAG_SERVICE, service, MeshMetricNames.TAG_CLUSTER, cluster);
    this.budgetExhausted =
        meters.counter(
            MeshMetricNames.CLIENT_RETRY_BUDGET_EXHAUSTED, "Retries the retry budget refused", tags);
    this.rejectedOpen =
        meters.counter(
            MeshMetricNames.CLIENT_CIRCUIT_REJECTED,
            "Attempts refused by the circuit breaker",
            tags.and(MeshMetricNames.TAG_REASON, Admission.REJECTED_CIRCUIT_OPEN.reason()));
    this.rejectedConcurrency =
        meters.counter(
            MeshMetricNames.CLIENT_CIRCUIT_REJECTED,
            "Attempts refused by the circuit breaker",
            tags.and(MeshMetricNames.TAG_REASON, Admission.REJECTED_CONCURRENCY_LIMIT.reason()));
    this.mirrorSent = mirror(meters, tags, "sent");
    this.mirrorDropped = mirror(meters, tags, "dropped");
    this.mirrorFailed = mirror(meters, tags, "failed");
  }

  private static Counter mirror(ClientMeters meters, Tags tags, String result) {
    return meters.counter(
        MeshMetricNames.CLIENT_MIRROR,
        "Shadow copies of requests: sent, dropped (bound reached, body not copyable) or failed",
        tags.and(MeshMetricNames.TAG_RESULT, result));
  }

  /**
   * The state for {@code cluster} under {@code breakerConfig} and {@code budgetConfig}: {@code
   * previous} itself when both (and the service name its meters are tagged with) are unchanged,
   * else a new state that keeps whichever part did not change.
   */
  static ClusterResilience reuseOrCreate(
      ClusterResilience previous,
      String cluster,
      CircuitBreakerConfig breakerConfig,
      RetryConfig.Budget budgetConfig,
      Mesh mesh,
      ClientMeters meters,
      String service) {
    boolean sameBreaker =
        previous != null && Objects.equals(previous.breakerConfig, breakerConfig);
    boolean sameBudget = previous != null && Objects.equals(previous.budgetConfig, budgetConfig);
    if (sameBreaker && sameBudget && previous.service.equals(service)) return previous;
    ClusterCircuitBreaker breaker =
        sameBreaker
            ? previous.breaker
            : ClusterCircuitBreaker.create(cluster, breakerConfig, mesh.ticker(), mesh.scheduler());
    RetryBudget budget =
        sameBudget ? previous.budget : RetryBudget.create(budgetConfig, mesh.ticker());
    return new ClusterResilience(
        cluster, breakerConfig, breaker, budgetConfig, budget, meters, service);
  }

  /** Counts a refusal by the breaker. */
  void rejected(Admission a) {
    (a == Admission.REJECTED_CIRCUIT_OPEN ? rejectedOpen : rejectedConcurrency).increment();
  }
}
