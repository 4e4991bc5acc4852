package io.mesh4j.internal.concurrency;

/**
 * An algorithm that estimates how many requests may be in flight at once from the latencies of
 * the ones that completed (a TCP congestion window applied to requests, as Netflix's
 * concurrency-limits does). Pure: it sees only the samples it is given, never a clock.
 *
 * <p>Not thread-safe on its own; {@link AdaptiveLimiter} serializes the calls.
 */
public interface LimitAlgorithm {
  /** The current limit, {@code min..max}. */
  int limit();

  /**
   * Folds in one completed request and returns the new limit.
   *
   * @param rttNanos how long it took, {@code >= 0}
   * @param inflight how many requests were in flight when it completed, itself included
   * @param dropped whether it was dropped (timed out, or shed by the server), a congestion signal
   */
  int onSample(long rttNanos, int inflight, boolean dropped);
}
