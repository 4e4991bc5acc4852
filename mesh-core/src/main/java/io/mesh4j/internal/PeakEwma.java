package io.mesh4j.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One endpoint's peak-EWMA latency estimate, as Finagle's {@code PeakEwma} and Linkerd's (tower's)
 * {@code PeakEwma} keep it: the state behind {@code lb: peak_ewma}.
 *
 * <h2>The estimate</h2>
 *
 * With {@code τ} the decay time, {@code c} the stored estimate and {@code t₀} when it was stored:
 *
 * <ul>
 *   <li>a sample {@code s > c} replaces it at once ({@code c = s}): the "peak", so an endpoint
 *       that turns slow is avoided after its first slow answer;
 *   <li>a sample {@code s ≤ c} moves it toward the sample: {@code c = c·w + s·(1 − w)} with
 *       {@code w = exp(−(t − t₀)/τ)};
 *   <li>read at {@code t}, the estimate is {@code c·exp(−(t − t₀)/τ)}: without samples it decays
 *       toward zero, so an endpoint that was slow, and is therefore rarely picked, is tried again
 *       after a while and can show that it recovered.
 * </ul>
 *
 * {@link #recordAtLeast} takes a lower bound (an attempt that was cancelled or timed out before
 * its answer): it raises the estimate to the bound when the bound is above it, and never lowers
 * it. An endpoint with no sample yet has no estimate ({@link Double#NaN}).
 *
 * <h2>Representation</h2>
 *
 * The estimate and its time stamp are packed into one {@code long} updated by compare-and-set,
 * so reads and writes are lock-free and allocate nothing: the top 24 bits hold the estimate as a
 * {@code float} without its sign bit and its 7 lowest mantissa bits (16 bits of mantissa, a
 * relative error below 2⁻¹⁶), the low 40 bits the time stamp in units of 2²⁰ ns (about 1.05 ms),
 * modulo 2⁴⁰ (about 36 years). A sample is clamped to 0..{@value #MAX_NANOS} ns.
 *
 * <p>Tracking is off ({@link #decayNanos} 0) until the endpoint's cluster uses {@code peak_ewma},
 * so other policies pay nothing but one volatile read per attempt. Thread-safe.
 */
public final class PeakEwma {
  /** The largest sample kept, in nanoseconds (about 11.6 days). */
  static final long MAX_NANOS = 1L << 50;

  private static final long NO_SAMPLE = -1L;
  private static final int STAMP_SHIFT = 20;
  private static final int STAMP_BITS = 40;
  private static final long STAMP_MASK = (1L << STAMP_BITS) - 1;

  private final AtomicLong state = new AtomicLong(NO_SAMPLE);
  private volatile long decayNanos;

  /** An estimate with no sample and tracking off. */
  public PeakEwma() {}

  /**
   * Sets the decay time ({@code peak_ewma.decay_time}), or turns tracking off ({@code 0}); turning
   * it off forgets the estimate.
   */
  public void decayNanos(long nanos) {
    if (nanos < 0) throw new IllegalArgumentException("decay time: " + nanos + "ns (expected: >= 0)");
    if (nanos == 0) state.set(NO_SAMPLE);
    this.decayNanos = nanos;
  }

  /** The decay time in nanoseconds; 0 when tracking is off. */
  public long decayNanos() {
    return decayNanos;
  }

  /** Whether samples are taken (the endpoint's cluster balances by {@code peak_ewma}). */
  public boolean tracking() {
    return decayNanos > 0;
  }

  /** Records a latency sample of {@code latencyNanos} taken at {@code now} (a ticker reading). */
  public void record(long latencyNanos, long now) {
    update(latencyNanos, now, false);
  }

  /**
   * Records that the latency at {@code now} was at least {@code latencyNanos}: raises the estimate
   * to it when it is higher, never lowers it.
   */
  public void recordAtLeast(long latencyNanos, long now) {
    update(latencyNanos, now, true);
  }

  private void update(long latencyNanos, long now, boolean lowerBound) {
    long tau = decayNanos;
    if (tau <= 0) return;
    double sample = Math.min(Math.max(0, latencyNanos), MAX_NANOS);
    long stamp = stamp(now);
    for (;;) {
      long s = state.get();
      double next;
      if (s == NO_SAMPLE) {
        next = sample;
      } else {
        double cost = cost(s);
        if (sample > cost) {
          next = sample;
        } else if (lowerBound) {
          return;
        } else {
          double w = weight(s, stamp, tau);
          next = cost * w + sample * (1 - w);
        }
      }
      if (state.compareAndSet(s, pack(next, stamp))) return;
    }
  }

  /**
   * The estimate at {@code now} in nanoseconds, decayed since its last sample; {@link Double#NaN}
   * before the first sample (or when tracking is off). Lock-free, allocation-free.
   */
  public double estimate(long now) {
    long s = state.get();
    if (s == NO_SAMPLE) return Double.NaN;
    long tau = decayNanos;
    if (tau <= 0) return Double.NaN;
    return cost(s) * weight(s, stamp(now), tau);
  }

  /** {@code exp(−elapsed/τ)} from the stamp of {@code s} to {@code stamp}. */
  private static double weight(long s, long stamp, long tau) {
    long elapsed = ((stamp - (s & STAMP_MASK)) & STAMP_MASK) << STAMP_SHIFT;
    return Math.exp(-(double) elapsed / tau);
  }

  private static long stamp(long now) {
    return (now >> STAMP_SHIFT) & STAMP_MASK;
  }

  private static double cost(long s) {
    return Float.intBitsToFloat((int) (s >>> STAMP_BITS) << 7);
  }

  private static long pack(double cost, long stamp) {
    int bits = Float.floatToRawIntBits((float) Math.min(Math.max(0, cost), MAX_NANOS)) >>> 7;
    return ((long) bits << STAMP_BITS) | stamp;
  }

  @Override
  public String toString() {
    long s = state.get();
    return s == NO_SAMPLE ? "PeakEwma{no sample}" : "PeakEwma{" + (long) cost(s) + "ns}";
  }
}
