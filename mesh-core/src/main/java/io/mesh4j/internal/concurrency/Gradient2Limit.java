package io.mesh4j.internal.concurrency;

/**
 * The {@code gradient2} algorithm of Netflix's concurrency-limits: the limit follows the ratio of a
 * long-term latency average to the latest latency.
 *
 * <h2>Design</h2>
 *
 * Two latency measures: {@code long}, an exponential average over {@value #LONG_WINDOW} samples
 * (a plain average over the first {@value #WARMUP} samples), and {@code short}, the latest sample.
 * On each sample, while the limit is in use (at least half of it in flight; an application that
 * sends less cannot tell us whether more would fit):
 *
 * <pre>
 * gradient = clamp(0.5, 1.0, TOLERANCE × long / short)      // TOLERANCE = 1.5
 * target   = limit × gradient + QUEUE                        // QUEUE = 4: room to probe upwards
 * limit    = clamp(min, max, (1 − SMOOTHING) × limit + SMOOTHING × target)   // SMOOTHING = 0.2
 * </pre>
 *
 * So while latency stays within 1.5× its long-term average the limit grows by up to {@code
 * 0.2 × QUEUE} per sample; when a queue builds and the latest latency exceeds 1.5× the average, it
 * shrinks (at most halving the target per sample). When the latest latency is under half the
 * average (the service recovered), the average is decayed by 5% per sample so it can come down
 * quickly instead of over {@value #LONG_WINDOW} samples. A dropped request counts only by its
 * latency: its timeout is long, so it pulls the limit down.
 *
 * <p>The limit is kept as a {@code double} and exposed rounded down.
 */
public final class Gradient2Limit implements LimitAlgorithm {
  static final int LONG_WINDOW = 600;
  static final int WARMUP = 10;
  static final double TOLERANCE = 1.5;
  static final double SMOOTHING = 0.2;
  static final double QUEUE = 4;

  private final int min;
  private final int max;
  private double limit;
  private double longRtt;
  private int samples;

  /**
   * Starts at {@code initial}, kept within {@code min..max}.
   *
   * @throws IllegalArgumentException when {@code min < 1} or {@code max < min}
   */
  public Gradient2Limit(int min, int max, int initial) {
    Limits.check(min, max);
    this.min = min;
    this.max = max;
    this.limit = Math.max(min, Math.min(max, initial));
  }

  @Override
  public int limit() {
    return (int) limit;
  }

  /** The long-term latency average, in nanoseconds (0 before the first sample). */
  public double longRttNanos() {
    return longRtt;
  }

  @Override
  public int onSample(long rttNanos, int inflight, boolean dropped) {
    double rtt = Math.max(1, rttNanos);
    if (samples < WARMUP) {
      samples++;
      longRtt += (rtt - longRtt) / samples;
    } else {
      longRtt += (rtt - longRtt) * (2.0 / (LONG_WINDOW + 1));
    }
    if (longRtt / rtt > 2) longRtt *= 0.95;
    if (inflight * 2 < limit) return (int) limit;
    double gradient = Math.max(0.5, Math.min(1.0, TOLERANCE * longRtt / rtt));
    double target = limit * gradient + QUEUE;
    double next = (1 - SMOOTHING) * limit + SMOOTHING * target;
    limit = Math.max(min, Math.min(max, next));
    return (int) limit;
  }

  @Override
  public String toString() {
    return "gradient2{limit=" + limit() + ", min=" + min + ", max=" + max + "}";
  }
}
