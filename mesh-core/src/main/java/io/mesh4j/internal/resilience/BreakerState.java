package io.mesh4j.internal.resilience;

/** The state of a cluster's failure-rate circuit breaker. */
public enum BreakerState {
  /** Calls flow; outcomes are recorded in the sliding window. */
  CLOSED(0),
  /** Probing: a limited number of calls is let through to decide between CLOSED and OPEN. */
  HALF_OPEN(1),
  /** Calls are rejected until {@code wait_in_open} has passed. */
  OPEN(2);

  private final int gaugeValue;

  BreakerState(int gaugeValue) {
    this.gaugeValue = gaugeValue;
  }

  /** 0 closed, 1 half-open, 2 open: a number for a gauge, ordered by severity. */
  public int gaugeValue() {
    return gaugeValue;
  }
}
