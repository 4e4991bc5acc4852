package io.mesh4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void quantilesAreWithinTwoPercentOfTheTrueValue() {
    LatencyHistogram h = new LatencyHistogram();
    for (int ms = 1; ms <= 1000; ms++) h.record(ms * 1_000_000L);

    assertThat(h.count()).isEqualTo(1000);
    assertThat(h.quantileMillis(0.50)).isCloseTo(500, within(10.0));
    assertThat(h.quantileMillis(0.99)).isCloseTo(990, within(19.8));
    assertThat(h.quantileMillis(1.0)).isCloseTo(1000, within(20.0));
  }

  @Test
  void aSingleValueIsEveryQuantile() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(3_000_000L);
    assertThat(h.quantileMillis(0.01)).isCloseTo(3, within(0.06));
    assertThat(h.quantileMillis(0.99)).isCloseTo(3, within(0.06));
  }

  @Test
  void nothingRecordedIsZeroAndExtremesAreClamped() {
    LatencyHistogram h = new LatencyHistogram();
    assertThat(h.quantileMillis(0.5)).isZero();
    h.record(-5);
    h.record(Long.MAX_VALUE);
    assertThat(h.count()).isEqualTo(2);
    assertThat(h.quantileMillis(0.5)).isLessThan(0.001);
    assertThat(h.quantileMillis(1.0)).isGreaterThan(300_000);
  }

  @Test
  void aQuantileOutsideZeroToOneIsRefused() {
    LatencyHistogram h = new LatencyHistogram();
    assertThatThrownBy(() -> h.quantileMillis(0)).hasMessage("q: 0.0 (expected: (0, 1])");
    assertThatThrownBy(() -> h.quantileMillis(1.5)).hasMessage("q: 1.5 (expected: (0, 1])");
  }
}
