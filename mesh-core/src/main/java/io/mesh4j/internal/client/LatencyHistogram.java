package io.mesh4j.internal.client;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent attempt latencies of one cluster, for a hedge delay at a percentile ({@code hedge:
 * {percentile: p95}}). Log-linear buckets (eight per power of two, from 1 µs to about 68 s),
 * counted in two windows of {@value #WINDOW} samples: the quantile is read over the window being
 * filled and the last full one, so it follows a change of latency within a few thousand attempts
 * and never from a handful of samples. A quantile is interpolated linearly within its bucket (by
 * its rank among the bucket's samples), so it is off by less than the bucket's width (12.5% of the
 * value) and not biased upwards: a delay read from the bucket's upper bound would hedge later
 * than the percentile asks, by up to a quarter with four buckets per power of two.
 *
 * <p>Lock-free: recording is two atomic increments (a window switch allocates one array every
 * {@value #WINDOW} samples); reading scans the buckets. Concurrent records and reads may see a
 * window a few samples apart, which a percentile does not notice.
 */
public final class LatencyHistogram {
  /** Samples per window. */
  static final int WINDOW = 1000;
  /** Fewer samples than this: {@link #quantileNanos} gives its fallback. */
  static final int MIN_SAMPLES = 100;
  private static final int MIN_SHIFT = 10; // 1,024 ns
  private static final int POWERS = 26; // up to 2^36 ns ≈ 68.7 s
  private static final int SUB_BITS = 3;
  private static final int SUB = 1 << SUB_BITS;
  private static final int BUCKETS = 1 + POWERS * SUB;

  private volatile Window current = new Window();
  private volatile Window previous;

  private static final class Window {
    final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    final AtomicInteger total = new AtomicInteger();
  }

  /** Records one latency. */
  public void record(long nanos) {
    Window w = current;
    w.counts.incrementAndGet(index(nanos));
    if (w.total.incrementAndGet() == WINDOW) {
      previous = w; // exactly one recorder sees WINDOW
      current = new Window();
    }
  }

  /**
   * The latency at quantile {@code q} (0 < q < 1), interpolated within its bucket; {@code
   * fallback} while fewer than {@value #MIN_SAMPLES} samples are known.
   */
  public long quantileNanos(double q, long fallback) {
    Window c = current;
    Window p = previous;
    long n = c.total.get() + (p == null ? 0 : p.total.get());
    if (n < MIN_SAMPLES) return fallback;
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long count = c.counts.get(i) + (p == null ? 0 : p.counts.get(i));
      if (count > 0 && seen + count >= rank) {
        long lower = lowerBound(i);
        double within = (double) (rank - seen) / count; // in (0, 1]
        return lower + (long) ((upperBound(i) - lower) * within);
      }
      seen += count;
    }
    return upperBound(BUCKETS - 1);
  }

  static int index(long nanos) {
    if (nanos < (1L << MIN_SHIFT)) return 0;
    int shift = 63 - Long.numberOfLeadingZeros(nanos);
    int power = shift - MIN_SHIFT;
    if (power >= POWERS) return BUCKETS - 1;
    int sub = (int) (nanos >>> (shift - SUB_BITS)) & (SUB - 1);
    return 1 + power * SUB + sub;
  }

  /** The exclusive upper bound of bucket {@code index}. */
  static long upperBound(int index) {
    if (index == 0) return 1L << MIN_SHIFT;
    int power = (index - 1) / SUB;
    int sub = (index - 1) % SUB;
    int shift = power + MIN_SHIFT;
    return (1L << shift) + (sub + 1) * (1L << (shift - SUB_BITS));
  }

  /** The inclusive lower bound of bucket {@code index}. */
  static long lowerBound(int index) {
    return index == 0 ? 0 : upperBound(index - 1);
  }
}
