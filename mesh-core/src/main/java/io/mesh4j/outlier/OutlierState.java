package io.mesh4j.outlier;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What outlier detection remembers about one endpoint: the current failure streaks and the
 * ejection history. One instance per endpoint, kept across config reloads for as long as the
 * endpoint stays in its cluster.
 *
 * <p>The streak counters are updated lock-free by {@link OutlierDetector#onOutcome}; the ejection
 * history ({@link OutlierDetector#recordEjection}, {@link OutlierDetector#recordReturn}) must be
 * changed by one thread at a time (the owning cluster's lock). All reads are safe from any thread.
 */
public final class OutlierState {
  final AtomicInteger consecutive5xx = new AtomicInteger();
  final AtomicInteger consecutiveGatewayFailures = new AtomicInteger();
  private volatile int timesEjected;
  private volatile boolean ejected;
  private volatile long returnedAtNanos;

  /** A fresh state: no streak, never ejected. */
  public OutlierState() {}

  /** The current streak of 5xx responses and transport failures. */
  public int consecutive5xx() {
    return consecutive5xx.get();
  }

  /** The current streak of 502/503/504 responses and transport failures. */
  public int consecutiveGatewayFailures() {
    return consecutiveGatewayFailures.get();
  }

  /** Whether an enforced detection ejection is in progress (see {@link OutlierDetector}). */
  public boolean ejected() {
    return ejected;
  }

  /**
   * The ejection multiplier as last recorded, without the decay that {@link
   * OutlierDetector#timesEjected(OutlierState, long)} applies.
   */
  int rawTimesEjected() {
    return timesEjected;
  }

  long returnedAtNanos() {
    return returnedAtNanos;
  }

  void ejected(int timesEjected) {
    this.timesEjected = timesEjected;
    this.ejected = true;
  }

  void returned(long nowNanos) {
    this.returnedAtNanos = nowNanos;
    this.ejected = false;
  }

  /** Clears both streaks (after a success, or when an ejected endpoint returns). */
  void resetStreaks() {
    consecutive5xx.set(0);
    consecutiveGatewayFailures.set(0);
  }
}
