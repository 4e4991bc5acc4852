package io.mesh4j.internal;

import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.client.LatencyHistogram;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * The client-side resilience state of one cluster in one {@link MeshRuntime}: its circuit breaker
 * (with the concurrency limit), its retry budget, and the counters about them. Lives across config
 * reloads as long as the cluster's {@code circuit_breaker} and {@code retry.budget} settings do not
 * change (a change starts a fresh breaker or budget, as a new policy should). Thread-safe.
 */
public final class ClusterResilience {
  final String cluster;
  final String service;
  final CircuitBreakerConfig breakerConfig;
  final RetryConfig.Budget budgetConfig;
  /** The cluster's breaker. */
  public final ClusterCircuitBreaker breaker;
  /** The cluster's retry budget. */
  public final RetryBudget budget;
  /** Retries the budget refused. */
  public final Counter budgetExhausted;
  final Counter rejectedOpen;
  final Counter rejectedConcurrency;
  /** Recent attempt latencies, for hedging at a percentile (kept across reloads). */
  public final LatencyHistogram latencies;
  /** Hedged attempts sent. */
  public final Counter hedges;
  /** Attempts an upstream shed unprocessed (503 + {@code x-mesh-overloaded}). */
  public final Counter overloaded;
  /** Last-resort attempts at ejected endpoints. */
  public final Counter lastResort;
  /** Mirror copies sent. */
  public final Counter mirrorSent;
  /** Mirror copies dropped (bound reached, body not copyable, breaker or pick refused). */
  public final Counter mirrorDropped;
  /** Mirror copies that failed. */
  public final Counter mirrorFailed;

  private ClusterResilience(
      String cluster,
      CircuitBreakerConfig breakerConfig,
      ClusterCircuitBreaker breaker,
      RetryConfig.Budget budgetConfig,
      RetryBudget budget,
      LatencyHistogram latencies,
      MeterRegistry meters,
      String service) {
    this.cluster = cluster;
    this.latencies = latencies;
    this.service = service;
    this.breakerConfig = breakerConfig;
    this.breaker = breaker;
    this.budgetConfig = budgetConfig;
    this.budget = budget;
    Tags tags = Tags.of(MeshMetricNames.TAG_SERVICE, service, MeshMetricNames.TAG_CLUSTER, cluster);
    this.budgetExhausted =
        counter(meters,
            MeshMetricNames.CLIENT_RETRY_BUDGET_EXHAUSTED, "Retries the retry budget refused", tags);
    this.rejectedOpen =
        counter(meters,
            MeshMetricNames.CLIENT_CIRCUIT_REJECTED,
            "Attempts refused by the circuit breaker",
            tags.and(MeshMetricNames.TAG_REASON, Admission.REJECTED_CIRCUIT_OPEN.reason()));
    this.rejectedConcurrency =
        counter(meters,
            MeshMetricNames.CLIENT_CIRCUIT_REJECTED,
            "Attempts refused by the circuit breaker",
            tags.and(MeshMetricNames.TAG_REASON, Admission.REJECTED_CONCURRENCY_LIMIT.reason()));
    this.hedges = counter(meters, MeshMetricNames.CLIENT_HEDGES, "Hedged attempts sent", tags);
    this.overloaded = counter(meters, MeshMetricNames.CLIENT_OVERLOADED,
        "Attempts an upstream shed unprocessed with 503 and x-mesh-overloaded", tags);
    this.lastResort = counter(meters, MeshMetricNames.CLIENT_LAST_RESORT,
        "Attempts sent to an ejected endpoint because every usable one failed before sending", tags);
    this.mirrorSent = mirror(meters, tags, "sent");
    this.mirrorDropped = mirror(meters, tags, "dropped");
    this.mirrorFailed = mirror(meters, tags, "failed");
  }

  private static Counter counter(MeterRegistry meters, String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(meters);
  }

  private static Counter mirror(MeterRegistry meters, Tags tags, String result) {
    return counter(meters,
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
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      String service) {
    boolean sameBreaker =
        previous != null && Objects.equals(previous.breakerConfig, breakerConfig);
    boolean sameBudget = previous != null && Objects.equals(previous.budgetConfig, budgetConfig);
    if (sameBreaker && sameBudget && previous.service.equals(service)) return previous;
    ClusterCircuitBreaker breaker =
        sameBreaker
            ? previous.breaker
            : ClusterCircuitBreaker.create(cluster, breakerConfig, ticker, scheduler);
    RetryBudget budget =
        sameBudget ? previous.budget : RetryBudget.create(budgetConfig, ticker);
    return new ClusterResilience(cluster, breakerConfig, breaker, budgetConfig, budget,
        previous != null ? previous.latencies : new LatencyHistogram(), meters, service);
  }

  /** Counts a refusal by the breaker. */
  public void rejected(Admission a) {
    (a == Admission.REJECTED_CIRCUIT_OPEN ? rejectedOpen : rejectedConcurrency).increment();
  }
}
