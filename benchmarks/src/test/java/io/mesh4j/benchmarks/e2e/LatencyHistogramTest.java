package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @ParameterizedTest(name = "{0} lands in bucket {1} starting at {2}")
  @CsvSource({
    "0, 0, 0",
    "127, 127, 127",
    "128, 128, 128",
    "129, 128, 128",
    "130, 129, 130",
    "255, 191, 254",
    "256, 192, 256",
    "259, 192, 256",
    "260, 193, 260",
    "511, 255, 508",
    "512, 256, 512",
    "1000000, 954, 999424",
    "9223372036854775807, 3711, 9151314442816847872",
  })
  void bucketsFollowTheLogLinearLayout(long value, int index, long lowerBound) {
    assertThat(LatencyHistogram.index(value)).isEqualTo(index);
    assertThat(LatencyHistogram.lowerBound(index)).isEqualTo(lowerBound);
  }

  @Test
  void everyBucketStartsWhereThePreviousEnds() {
    for (int i = 1; i < LatencyHistogram.BUCKETS; i++) {
      long lower = LatencyHistogram.lowerBound(i);
      assertThat(LatencyHistogram.index(lower)).as("bucket %d", i).isEqualTo(i);
      assertThat(LatencyHistogram.index(lower - 1)).as("before bucket %d", i).isEqualTo(i - 1);
    }
    assertThat(LatencyHistogram.BUCKETS).isEqualTo(3712);
  }

  @Test
  void valuesBelow128AreExact() {
    LatencyHistogram h = new LatencyHistogram();
    for (long v = 1; v <= 100; v++) h.record(v);
    assertThat(h.count()).isEqualTo(100);
    assertThat(h.valueAt(50)).isEqualTo(50);
    assertThat(h.valueAt(99)).isEqualTo(99);
    assertThat(h.valueAt(99.9)).isEqualTo(100);
    assertThat(h.valueAt(100)).isEqualTo(100);
    assertThat(h.valueAt(0.5)).isEqualTo(1);
    assertThat(h.max()).isEqualTo(100);
  }

  @Test
  void percentilesOfLargeValuesAreWithinOnePercent() {
    LatencyHistogram h = new LatencyHistogram();
    LongStream.rangeClosed(1, 100_000).forEach(i -> h.record(i * 1_000));
    assertThat(h.valueAt(50)).isCloseTo(50_000_000L, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(h.valueAt(99)).isCloseTo(99_000_000L, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(h.valueAt(99.9)).isCloseTo(99_900_000L, org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(h.valueAt(100)).isEqualTo(100_000_000L);
  }

  @Test
  void reportedValuesStayWithinTheSmallestAndLargestRecorded() {
    // Both share the bucket [999,424, 1,007,615] whose midpoint is 1,003,519: 1,000,000 lies below
    // it (capped by the maximum), 1,007,600 above it (raised to the minimum).
    LatencyHistogram low = new LatencyHistogram();
    low.record(1_000_000);
    low.record(1_000_000);
    assertThat(low.valueAt(1)).isEqualTo(1_000_000);
    assertThat(low.valueAt(100)).isEqualTo(1_000_000);
    LatencyHistogram high = new LatencyHistogram();
    high.record(1_007_600);
    assertThat(high.valueAt(50)).isEqualTo(1_007_600);
  }

  @Test
  void mergingGivesTheSamePercentilesAsRecordingIntoOne() {
    SplittableRandom random = new SplittableRandom(1);
    LatencyHistogram all = new LatencyHistogram();
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    for (int i = 0; i < 10_000; i++) {
      long v = random.nextLong(50_000, 5_000_000);
      all.record(v);
      (i % 3 == 0 ? a : b).record(v);
    }
    a.add(b);
    assertThat(a.count()).isEqualTo(10_000);
    assertThat(a.max()).isEqualTo(all.max());
    for (double p : new double[] {1, 50, 90, 99, 99.9, 100}) {
      assertThat(a.valueAt(p)).as("p%s", p).isEqualTo(all.valueAt(p));
    }
  }

  @Test
  void negativeValuesCountAsZero() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(-5);
    assertThat(h.valueAt(100)).isZero();
  }

  @Test
  void anEmptyHistogramHasNoPercentiles() {
    assertThatThrownBy(() -> new LatencyHistogram().valueAt(50))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("empty histogram");
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "100.5", "NaN"})
  void percentilesOutsideZeroToHundredAreRejected(double p) {
    LatencyHistogram h = new LatencyHistogram();
    h.record(1);
    assertThatThrownBy(() -> h.valueAt(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percentile: " + p + " (expected: (0, 100])");
  }
}
