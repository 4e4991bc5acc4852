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
