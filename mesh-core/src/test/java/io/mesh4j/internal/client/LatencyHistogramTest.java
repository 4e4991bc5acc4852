package io.mesh4j.internal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hedge delay's histogram: bucket bounds, interpolated quantiles, windows, fallback. */
class LatencyHistogramTest {
  static final long MS = 1_000_000L;

  @Test
  void everyValueFallsInsideItsBucketAndBucketsAreAtMostAnEighthOfTheirValueWide() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 100_000; i++) {
      long v = 1024 + random.nextLong(1L << (10 + random.nextInt(26)));
      int index = LatencyHistogram.index(v);
      assertThat(v).isGreaterThanOrEqualTo(LatencyHistogram.lowerBound(index));
      if (v < (1L << 36)) {
        assertThat(v).isLessThan(LatencyHistogram.upperBound(index));
        long width = LatencyHistogram.upperBound(index) - LatencyHistogram.lowerBound(index);
        assertThat((double) width / LatencyHistogram.lowerBound(index)).isLessThanOrEqualTo(0.125);
      }
    }
    assertThat(LatencyHistogram.index(5)).isZero();
    assertThat(LatencyHistogram.lowerBound(1)).isEqualTo(1024);
  }

  @Test
  void aQuantileIsInterpolatedWithinItsBucketNotItsUpperBound() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 1; i <= 1000; i++) h.record(i * 10_000L); // 10 µs .. 10 ms, uniform

    assertThat((double) h.quantileNanos(0.95, -1)).isCloseTo(9.5 * MS, within(0.02 * 9.5 * MS));
    assertThat((double) h.quantileNanos(0.50, -1)).isCloseTo(5.0 * MS, within(0.02 * 5.0 * MS));
  }

  @Test
  void aSlowMinorityAboveThePercentileDoesNotMoveIt() {
    LatencyHistogram h = new LatencyHistogram();
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < 2000; i++) {
      // 97% between 1.0 and 2.0 ms, 3% at 10 ms (the slow instance)
      h.record(i % 100 < 3 ? 10 * MS : MS + random.nextLong(MS));
    }

    long p95 = h.quantileNanos(0.95, -1);

    assertThat(p95).isBetween(19 * MS / 10, 2 * MS + MS / 10); // ~1.98 ms, not the 10 ms mode
  }

  @Test
  void theFallbackHoldsUntilEnoughSamplesAreKnown() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < LatencyHistogram.MIN_SAMPLES - 1; i++) h.record(MS);
    assertThat(h.quantileNanos(0.95, 42)).isEqualTo(42);

    h.record(MS);

    assertThat(h.quantileNanos(0.95, 42)).isBetween(MS, MS + MS / 8);
  }

  @Test
  void theQuantileFollowsAChangeWithinTwoWindows() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < 3 * LatencyHistogram.WINDOW; i++) h.record(10 * MS);
    for (int i = 0; i < 2 * LatencyHistogram.WINDOW; i++) h.record(MS);

    assertThat(h.quantileNanos(0.95, -1)).isBetween(MS, MS + MS / 8);
  }
}
