package io.mesh4j.benchmarks.e2e;

/**
 * A log-linear histogram of non-negative {@code long} values (nanoseconds), preallocated so that
 * {@link #record(long)} allocates nothing and takes no lock.
 *
 * <p>Design: values below {@value #SUB_BUCKETS} get one bucket each (exact). Above, every power of
 * two {@code [2^e, 2^(e+1))} is split into {@value #HALF} equal buckets, so a bucket is at most
 * 1/64 of its lower bound wide and the value reported for it (its midpoint) is within 0.8% of every
 * value recorded into it. 3,712 buckets cover the whole {@code long} range (29 KiB).
 *
 * <pre>
 *   value            bucket width   index
 *   0..127           1              value
 *   128..255         2              128 + (value - 128) / 2
 *   256..511         4              192 + (value - 256) / 4
 *   2^e..2^(e+1)-1   2^(e-6)        128 + 64 (e - 7) + (value - 2^e) / 2^(e-6)
 * </pre>
 *
 * <p>Not thread-safe: each load thread records into its own histogram; merge them afterwards with
 * {@link #add(LatencyHistogram)}.
 */
final class LatencyHistogram {
  static final int SUB_BITS = 7;
  static final int SUB_BUCKETS = 1 << SUB_BITS;
  static final int HALF = SUB_BUCKETS / 2;
  static final int BUCKETS = SUB_BUCKETS + (63 - SUB_BITS) * HALF;

  private final long[] counts = new long[BUCKETS];
  private long total;
  private long min = Long.MAX_VALUE;
  private long max;

  /** Counts one value; negative values count as zero. */
  void record(long value) {
    long v = Math.max(0, value);
    counts[index(v)]++;
    total++;
    if (v < min) min = v;
    if (v > max) max = v;
  }

  /** Adds every count of {@code other} to this one. */
  void add(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) counts[i] += other.counts[i];
    total += other.total;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
  }

  /** How many values were recorded. */
  long count() {
    return total;
  }

  /** The largest value recorded (exact), or 0 when empty. */
  long max() {
    return max;
  }

  /**
   * The value at {@code percentile} (0 < p <= 100): the smallest recorded value v such that at
   * least {@code p}% of the values are <= v, reported as its bucket's midpoint (exact below 128)
   * clamped to the smallest and largest values recorded (so one repeated value is reported exactly).
   *
   * @throws IllegalArgumentException when {@code percentile} is out of range
   * @throws IllegalStateException when nothing was recorded
   */
  long valueAt(double percentile) {
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile: " + percentile + " (expected: (0, 100])");
    }
    if (total == 0) throw new IllegalStateException("empty histogram");
    long rank = (long) Math.ceil(percentile / 100.0 * total);
    if (rank < 1) rank = 1;
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) return Math.max(min, Math.min(midpoint(i), max));
    }
    throw new AssertionError("rank " + rank + " beyond total " + total);
  }

  static int index(long v) {
    if (v < SUB_BUCKETS) return (int) v;
    int exponent = 63 - Long.numberOfLeadingZeros(v);
    int shift = exponent - (SUB_BITS - 1);
    return SUB_BUCKETS + (exponent - SUB_BITS) * HALF + (int) ((v >>> shift) - HALF);
  }

  /** The lowest value that lands in bucket {@code index}. */
  static long lowerBound(int index) {
    if (index < SUB_BUCKETS) return index;
    int rest = index - SUB_BUCKETS;
    int exponent = SUB_BITS + rest / HALF;
    int shift = exponent - (SUB_BITS - 1);
    return (long) (HALF + rest % HALF) << shift;
  }

  static long midpoint(int index) {
    if (index < SUB_BUCKETS) return index;
    int exponent = SUB_BITS + (index - SUB_BUCKETS) / HALF;
    long width = 1L << (exponent - (SUB_BITS - 1));
    return lowerBound(index) + (width - 1) / 2;
  }
}
