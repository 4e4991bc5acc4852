package io.mesh4j.internal.concurrency;

import io.mesh4j.config.ConcurrencyLimitConfig;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An adaptive concurrency limit: admits a request while fewer than {@link #limit()} are in flight,
 * and moves the limit with the latencies of the completed ones through a {@link LimitAlgorithm}.
 *
 * <pre>{@code
 * if (!limiter.tryAcquire()) shed();                // 503 + x-mesh-overloaded, or refuse locally
 * long start = ticker.read();
 * // ... the request; then exactly ONE of:
 * limiter.onSuccess(ticker.read() - start);         // a latency sample
 * limiter.onDropped(ticker.read() - start);         // timed out / shed further down: a congestion signal
 * limiter.release();                                // says nothing about the latency (cancelled, local error)
 * }</pre>
 *
 * <p>Thread-safe. {@link #tryAcquire()} is a CAS loop on the in-flight count against a volatile
 * limit: exact (never more than the limit in flight at the moment of admission), lock-free,
 * allocation-free. A completion takes one short lock to update the algorithm (a few arithmetic
 * operations), so samples are folded in one at a time, in completion order; a caller never waits
 * for anything but another completion's arithmetic.
 */
public final class AdaptiveLimiter {
  private final LimitAlgorithm algorithm;
  private final AtomicInteger inflight = new AtomicInteger();
  private volatile int limit;

  /** A limiter over {@code algorithm}, starting at its current limit. */
  public AdaptiveLimiter(LimitAlgorithm algorithm) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.limit = algorithm.limit();
  }

  /** The initial limit of a fresh algorithm: 20 (Netflix's), kept within {@code min..max}. */
  public static final int INITIAL_LIMIT = 20;

  /** A limiter running {@code config}'s algorithm between its {@code min} and {@code max}. */
  public static AdaptiveLimiter create(ConcurrencyLimitConfig config) {
    Objects.requireNonNull(config, "config");
    int initial = Math.max(config.min(), Math.min(config.max(), INITIAL_LIMIT));
    LimitAlgorithm a = switch (config.algorithm()) {
      case GRADIENT2 -> new Gradient2Limit(config.min(), config.max(), initial);
      case VEGAS -> new VegasLimit(config.min(), config.max(), initial);
    };
    return new AdaptiveLimiter(a);
  }

  /** Admits one request when fewer than the limit are in flight. Lock-free; allocates nothing. */
  public boolean tryAcquire() {
    while (true) {
      int n = inflight.get();
      if (n >= limit) return false;
      if (inflight.compareAndSet(n, n + 1)) return true;
    }
  }

  /** Closes an admitted request that completed in {@code rttNanos}. */
  public void onSuccess(long rttNanos) {
    sample(rttNanos, false);
  }

  /** Closes an admitted request that was dropped (timed out, shed) after {@code rttNanos}. */
  public void onDropped(long rttNanos) {
    sample(rttNanos, true);
  }

  /** Closes an admitted request without a sample. */
  public void release() {
    inflight.decrementAndGet();
  }

  private void sample(long rttNanos, boolean dropped) {
    synchronized (algorithm) {
      int n = inflight.get();
      limit = algorithm.onSample(Math.max(0, rttNanos), n, dropped);
      inflight.decrementAndGet();
    }
  }

  /** The current limit. */
  public int limit() {
    return limit;
  }

  /** Requests admitted and not yet closed. */
  public int inflight() {
    return inflight.get();
  }

  @Override
  public String toString() {
    return "AdaptiveLimiter{" + algorithm + ", inflight=" + inflight.get() + "}";
  }
}
