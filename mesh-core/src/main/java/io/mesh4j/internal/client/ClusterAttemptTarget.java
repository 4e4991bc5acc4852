package io.mesh4j.internal.client;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.HedgeConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.ClusterResilience;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryPolicy;
import java.time.Duration;

/**
 * The part of an {@link AttemptTarget} every transport shares: one route's compiled retry
 * policy, backoff, budget, timeouts and hedging over one cluster, with the cluster's {@link
 * ClusterResilience} (breaker, budget and hedge/last-resort/overload counters, latency
 * histogram). A transport's plan subclasses it and adds only its own per-route meters ({@link
 * #attempted}, {@link #retried}), so the counters the loop's hooks feed are the same whichever
 * transport (OkHttp client, gateway) runs the attempts. Immutable; thread-safe.
 */
public abstract class ClusterAttemptTarget implements AttemptTarget {
  /** The hedge delay at a percentile while the cluster's latencies are not known yet (10 ms). */
  public static final long DEFAULT_HEDGE_DELAY = 10_000_000L;

  private final Cluster cluster;
  private final ClusterResilience resilience;
  private final RetryPolicy retry;
  private final Backoff backoff;
  private final RetryBudget budget;
  private final long perTryTimeoutNanos;
  private final long timeoutNanos;
  /** The route's hedging: fixed delay (nanoseconds, or -1 for the percentile), quantile, max. */
  private final long hedgeDelay;
  private final double hedgeQuantile;
  private final int maxHedges;

  /**
   * @param timeoutNanos the whole request's timeout (all tries)
   * @param hedge the route's {@code hedge}, or {@code null} for none
   */
  protected ClusterAttemptTarget(Cluster cluster, ClusterResilience resilience, RetryPolicy retry,
      Backoff backoff, RetryBudget budget, long timeoutNanos, HedgeConfig hedge) {
    this.cluster = cluster;
    this.resilience = resilience;
    this.retry = retry;
    this.backoff = backoff;
    this.budget = budget;
    Duration perTry = retry.config().perTryTimeout();
    this.perTryTimeoutNanos = perTry == null ? 0 : nanos(perTry);
    this.timeoutNanos = timeoutNanos;
    this.maxHedges = hedge == null ? 0 : hedge.max();
    this.hedgeDelay = hedge == null || hedge.delay() == null ? -1 : nanos(hedge.delay());
    this.hedgeQuantile = hedge == null ? Double.NaN : hedge.quantile();
  }

  /** {@code d} in nanoseconds, saturating at {@link Long#MAX_VALUE} (about 292 years). */
  public static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The cluster's breaker, counters and latency histogram. */
  public final ClusterResilience resilience() {
    return resilience;
  }

  @Override
  public final Cluster cluster() {
    return cluster;
  }

  @Override
  public final ClusterCircuitBreaker breaker() {
    return resilience.breaker;
  }

  @Override
  public final RetryBudget budget() {
    return budget;
  }

  @Override
  public final RetryPolicy retry() {
    return retry;
  }

  @Override
  public final Backoff backoff() {
    return backoff;
  }

  @Override
  public final long timeoutNanos() {
    return timeoutNanos;
  }

  @Override
  public final long perTryTimeoutNanos() {
    return perTryTimeoutNanos;
  }

  @Override
  public final int maxHedges() {
    return maxHedges;
  }

  /** The fixed delay, or the cluster's recent latency at the percentile (10 ms until known). */
  @Override
  public final long hedgeDelayNanos() {
    return hedgeDelay >= 0 ? hedgeDelay
        : resilience.latencies.quantileNanos(hedgeQuantile, DEFAULT_HEDGE_DELAY);
  }

  @Override
  public final void hedged(Endpoint endpoint) {
    resilience.hedges.increment();
  }

  @Override
  public final void lastResort(Endpoint endpoint) {
    resilience.lastResort.increment();
  }

  @Override
  public final void overloaded(Endpoint endpoint) {
    resilience.overloaded.increment();
  }

  @Override
  public final void responded(long latencyNanos) {
    if (maxHedges > 0 && hedgeDelay < 0) resilience.latencies.record(latencyNanos);
  }

  @Override
  public final void rejected(Admission admission) {
    resilience.rejected(admission);
  }

  @Override
  public final void budgetExhausted() {
    resilience.budgetExhausted.increment();
  }
}
