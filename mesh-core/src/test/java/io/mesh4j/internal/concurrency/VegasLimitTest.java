package io.mesh4j.internal.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VegasLimitTest {
  private static final long MS = 1_000_000L;

  @Test
  void theFirstSampleOnlyLearnsTheNoLoadLatency() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    assertThat(v.onSample(10 * MS, 20, false)).isEqualTo(20);
    assertThat(v.noLoadRttNanos()).isEqualTo(10 * MS);
  }

  @Test
  void noQueueGrowsBySixLogStepsASmallQueueByOne() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    v.onSample(10 * MS, 20, false);
    // rtt = noLoad: queue 0 <= log10(20)=1 → 20 + 6
    assertThat(v.onSample(10 * MS, 20, false)).isEqualTo(26);
    // queue = ceil(26 × (1 − 10/11)) = ceil(2.36) = 3 → not < 3 → between alpha and beta: unchanged
    assertThat(v.onSample(11 * MS, 26, false)).isEqualTo(26);
    // queue = ceil(26 × (1 − 10/10.5)) = ceil(1.24) = 2 → < 3 → + 1
    assertThat(v.onSample(10_500_000L, 26, false)).isEqualTo(27);
  }

  @Test
  void aLongQueueShrinksByOneLogStep() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    v.onSample(10 * MS, 20, false);
    // queue = ceil(20 × (1 − 10/20)) = 10 > 6 → 20 − 1
    assertThat(v.onSample(20 * MS, 20, false)).isEqualTo(19);
  }

  @Test
  void belowTwentyFourTheThresholdsAndTheFastStepScaleWithTheLimit() {
    VegasLimit v = new VegasLimit(1, 1000, 8);
    v.onSample(20 * MS, 8, false);
    // queue = ceil(8 × (1 − 20/40)) = 4 > beta = min(6, 8/2) = 4? no → unchanged (Netflix: < 6, also unchanged)
    assertThat(v.onSample(40 * MS, 8, false)).isEqualTo(8);
    // queue = ceil(8 × (1 − 20/45)) = 5 > 4 → shrink (Netflix's beta of 6 would keep 8)
    assertThat(v.onSample(45 * MS, 8, false)).isEqualTo(7);
    // limit 7: alpha = max(1, 7/4) = 1, so a queue of 2 no longer grows it (Netflix: 2 < 3 grows)
    // queue = ceil(7 × (1 − 20/27)) = ceil(1.81) = 2
    assertThat(v.onSample(27 * MS, 7, false)).isEqualTo(7);
    // no queue: the fast step is half the limit, not 6
    assertThat(v.onSample(20 * MS, 7, false)).isEqualTo(10);
    assertThat(VegasLimit.alpha(24, 1)).isEqualTo(3);
    assertThat(VegasLimit.beta(24, 1)).isEqualTo(6);
  }

  @Test
  void aTwoWorkerServiceUnderSustainedOverloadSettlesWithTwoWaiting() {
    // A FIFO service of 2 workers, 20 ms each, always offered more than the limit: with the limit
    // L in flight a request waits (L − 2) / 2 service times, so its latency is L / 2 × 20 ms.
    // It starts at 20 and learns a queued latency as the no-load one; the first probe (after 30 ×
    // limit samples) corrects that, so look after 2,000 samples.
    VegasLimit v = new VegasLimit(1, 1000, 20);
    int highest = 0;
    for (int i = 0; i < 3000; i++) {
      int l = v.limit();
      long rtt = Math.max(20 * MS, l * 10 * MS);
      v.onSample(rtt, l, false);
      if (i >= 2000) highest = Math.max(highest, v.limit());
    }
    // Netflix's thresholds settle at 8 here: 6 waiting, three service times.
    assertThat(v.limit()).isBetween(3, 4);
    assertThat(highest).as("after converging, the limit never lets more than 2 wait").isLessThanOrEqualTo(4);
  }

  @Test
  void aDropShrinksWhateverTheLatencyAndEvenWhenLittleIsInFlight() {
    VegasLimit v = new VegasLimit(3, 1000, 200);
    v.onSample(10 * MS, 200, false);
    assertThat(v.onSample(MS, 1, true)).isEqualTo(198); // log10(200) = 2
  }

  @Test
  void anApplicationUsingLessThanHalfTheLimitDoesNotGrowIt() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    v.onSample(10 * MS, 9, false);
    for (int i = 0; i < 100; i++) v.onSample(10 * MS, 9, false);
    assertThat(v.limit()).isEqualTo(20);
  }

  @Test
  void theNoLoadLatencyIsForgottenAfterThirtyTimesTheLimitSamples() {
    VegasLimit v = new VegasLimit(3, 3, 3);
    v.onSample(MS, 3, false);
    for (int i = 1; i < 89; i++) v.onSample(50 * MS, 0, false);
    assertThat(v.noLoadRttNanos()).isEqualTo(MS);
    v.onSample(50 * MS, 0, false); // sample 90 = 30 × 3: forget, then learn from this one
    assertThat(v.noLoadRttNanos()).isEqualTo(50 * MS);
  }

  @Test
  void aProbePinsTheLimitAtMinUntilTheQueueDrainedThenRelearnsAndGoesBack() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    v.onSample(10 * MS, 20, false); // noLoad 10 ms
    // Kept overloaded: 20 in flight, every sample queued (queue = ceil(20 × 0.5) = 10 → shrink).
    int limit = v.limit();
    int before = limit;
    for (int i = 0; !v.probing(); i++) {
      assertThat(i).as("samples before the probe").isLessThan(30 * 1000);
      before = limit;
      limit = v.onSample(20 * MS, limit, false);
    }
    assertThat(limit).isEqualTo(3);
    assertThat(before).isGreaterThan(3);
    // Requests admitted before the pin still finish queued, with more than min in flight: ignored.
    for (int i = 0; i < 10; i++) assertThat(v.onSample(20 * MS, 10, false)).isEqualTo(3);
    assertThat(v.probing()).isTrue();
    // Drained: samples with at most min in flight; the lowest becomes the no-load latency.
    for (int i = 0; i < VegasLimit.PROBE_SAMPLES - 1; i++) {
      assertThat(v.onSample((12 + i) * MS, 3, false)).isEqualTo(3);
    }
    int back = v.onSample(11 * MS, 2, false);
    assertThat(v.probing()).isFalse();
    assertThat(v.noLoadRttNanos()).isEqualTo(11 * MS);
    assertThat(back).isEqualTo(before); // then the accurate queue estimate moves it
  }

  @Test
  void theLimitStaysWithinMinAndMax() {
    VegasLimit v = new VegasLimit(10, 30, 20);
    v.onSample(MS, 20, false);
    for (int i = 0; i < 100; i++) v.onSample(MS, v.limit(), false);
    assertThat(v.limit()).isEqualTo(30);
    for (int i = 0; i < 100; i++) v.onSample(MS, 0, true);
    assertThat(v.limit()).isEqualTo(10);
  }
}
