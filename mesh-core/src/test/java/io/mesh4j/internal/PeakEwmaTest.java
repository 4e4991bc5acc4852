package io.mesh4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PeakEwmaTest {
  private static final long MS = 1_000_000L;
  private static final long TAU = 10_000 * MS;

  private static PeakEwma tracking() {
    PeakEwma e = new PeakEwma();
    e.decayNanos(TAU);
    return e;
  }

  @Test
  void hasNoEstimateBeforeTheFirstSample() {
    assertThat(tracking().estimate(0)).isNaN();
  }

  @Test
  void ignoresSamplesWhileTrackingIsOff() {
    PeakEwma e = new PeakEwma();
    e.record(5 * MS, 0);

    assertThat(e.tracking()).isFalse();
    assertThat(e.estimate(0)).isNaN();
  }

  @Test
  void aHigherSampleReplacesTheEstimateAtOnce() {
    PeakEwma e = tracking();
    e.record(1 * MS, 0);
    e.record(50 * MS, 0);

    assertThat(e.estimate(0)).isCloseTo(50 * MS, within(50 * MS * 1e-4));
  }

  @Test
  void aLowerSampleMovesTheEstimateByOneMinusExpOfElapsedOverDecayTime() {
    PeakEwma e = tracking();
    e.record(100 * MS, 0);
    long later = 5_000 * MS; // (5000 ms is a whole number of 2^20 ns units within rounding)
    e.record(10 * MS, later);

    double w = Math.exp(-(double) ((later >> 20) << 20) / TAU);
    assertThat(e.estimate(later)).isCloseTo(100 * MS * w + 10 * MS * (1 - w), within(0.01 * MS));
  }

  @Test
  void withoutSamplesTheEstimateDecaysTowardZero() {
    PeakEwma e = tracking();
    e.record(10 * MS, 0);

    assertThat(e.estimate(TAU)).isCloseTo(10 * MS / Math.E, within(0.01 * MS));
    assertThat(e.estimate(10 * TAU)).isLessThan(0.001 * MS);
  }

  @Test
  void aLowerBoundRaisesTheEstimateButNeverLowersIt() {
    PeakEwma e = tracking();
    e.recordAtLeast(3 * MS, 0);
    assertThat(e.estimate(0)).isCloseTo(3 * MS, within(0.001 * MS));

    e.recordAtLeast(1 * MS, 0);
    assertThat(e.estimate(0)).isCloseTo(3 * MS, within(0.001 * MS));

    e.recordAtLeast(7 * MS, 0);
    assertThat(e.estimate(0)).isCloseTo(7 * MS, within(0.001 * MS));
  }

  @Test
  void keepsTimeAcrossTheTickerWrappingAround() {
    PeakEwma e = tracking();
    long before = Long.MAX_VALUE - 1_000 * MS;
    e.record(10 * MS, before);

    // Long.MAX_VALUE + 9000 ms overflows to a negative reading: 10 s after the sample.
    long after = before + TAU;
    assertThat(e.estimate(after)).isCloseTo(10 * MS / Math.E, within(0.01 * MS));
  }

  @Test
  void turningTrackingOffForgetsTheEstimateAndChangingTheDecayTimeKeepsIt() {
    PeakEwma e = tracking();
    e.record(10 * MS, 0);
    e.decayNanos(2 * TAU);
    assertThat(e.estimate(0)).isCloseTo(10 * MS, within(0.001 * MS));

    e.decayNanos(0);
    e.decayNanos(TAU);
    assertThat(e.estimate(0)).isNaN();
  }

  @Test
  void rejectsANegativeDecayTime() {
    assertThatThrownBy(() -> new PeakEwma().decayNanos(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decay time: -1ns");
  }

  @Test
  void concurrentSamplesAreAllApplied() throws Exception {
    // Peaks only: whatever the interleaving, the estimate ends at the highest sample.
    PeakEwma e = tracking();
    int threads = 4;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      ts[t] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException ex) {
          return;
        }
        for (int i = 1; i <= 10_000; i++) e.record((long) (i * threads + id) * 1_000, 0);
      });
      ts[t].start();
    }
    go.countDown();
    for (Thread t : ts) t.join(10_000);

    assertThat(e.estimate(0)).isCloseTo(40_003_000, within(40_003_000 * 1e-4));
  }
}
