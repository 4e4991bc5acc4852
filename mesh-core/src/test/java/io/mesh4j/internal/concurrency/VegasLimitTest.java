package io.mesh4j.internal.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
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
    VegasLimit v = new VegasLimit(3, 1000, 30);
    v.onSample(10 * MS, 30, false);
    // rtt = noLoad: queue 0 <= log10(30)=1 → 30 + 6
    assertThat(v.onSample(10 * MS, 30, false)).isEqualTo(36);
    skipHeld(v, 30, 36);
    // queue = ceil(36 × (1 − 10/11)) = ceil(3.27) = 4 → not < 3 → between alpha and beta: unchanged
    assertThat(v.onSample(11 * MS, 36, false)).isEqualTo(36);
    // queue = ceil(36 × (1 − 10/10.5)) = ceil(1.71) = 2 → < 3 → + 1
    assertThat(v.onSample(10_500_000L, 36, false)).isEqualTo(37);
  }

  @Test
  void afterAChangeTheSamplesOfTheRequestsThenInFlightAreSkipped() {
    VegasLimit v = new VegasLimit(3, 1000, 30);
    v.onSample(10 * MS, 30, false);
    assertThat(v.onSample(10 * MS, 25, false)).isEqualTo(36); // 25 in flight when it moved
    // Those 25 were admitted under 30: neither their long nor their short latencies move it.
    for (int i = 0; i < 12; i++) assertThat(v.onSample(40 * MS, 36, false)).isEqualTo(36);
    for (int i = 0; i < 13; i++) assertThat(v.onSample(10 * MS, 36, false)).isEqualTo(36);
    // The 26th sample is a request admitted under 36: queue = ceil(36 × 0.75) = 27 > 6 → shrink.
    assertThat(v.onSample(40 * MS, 36, false)).isEqualTo(35);
  }

  /** Feeds the {@code n} samples a change holds back, checking that they leave {@code limit}. */
  private static void skipHeld(VegasLimit v, int n, int limit) {
    for (int i = 0; i < n; i++) assertThat(v.onSample(50 * MS, limit, false)).isEqualTo(limit);
  }

  @Test
  void aLongQueueShrinksByOneLogStep() {
    VegasLimit v = new VegasLimit(3, 1000, 20);
    v.onSample(10 * MS, 20, false);
    // queue = ceil(20 × (1 − 10/20)) = 10 > 6 → 20 − 1
    assertThat(v.onSample(20 * MS, 20, false)).isEqualTo(19);
  }

  @Test
  void belowTwelveTheThresholdsAndTheFastStepScaleWithTheLimit() {
    VegasLimit v = new VegasLimit(1, 1000, 8);
    v.onSample(20 * MS, 8, false);
    // queue = ceil(8 × (1 − 20/40)) = 4 > beta = min(6, 8/2) = 4? no → unchanged (Netflix: < 6, also unchanged)
    assertThat(v.onSample(40 * MS, 8, false)).isEqualTo(8);
    // queue = ceil(8 × (1 − 20/45)) = 5 > 4 → shrink (Netflix's beta of 6 would keep 8)
    assertThat(v.onSample(45 * MS, 4, false)).isEqualTo(7);
    skipHeld(v, 4, 7);
    // limit 7: alpha = max(1, 7/4) = 1, so a queue of 2 no longer grows it (Netflix: 2 < 3 grows)
    // queue = ceil(7 × (1 − 20/27)) = ceil(1.81) = 2
    assertThat(v.onSample(27 * MS, 7, false)).isEqualTo(7);
    // no queue: the fast step is half the limit, not 6
    assertThat(v.onSample(20 * MS, 7, false)).isEqualTo(10);
    // From 12 on, Netflix's 3 and 6
    assertThat(VegasLimit.alpha(11, 1)).isEqualTo(2);
    assertThat(VegasLimit.beta(11, 1)).isEqualTo(5);
    assertThat(VegasLimit.alpha(12, 1)).isEqualTo(3);
    assertThat(VegasLimit.beta(12, 1)).isEqualTo(6);
    assertThat(VegasLimit.alpha(200, 2)).isEqualTo(6);
    assertThat(VegasLimit.beta(200, 2)).isEqualTo(12);
  }

  @Test
  void aTwoWorkerServiceUnderTwiceItsCapacityKeepsItsGoodputAndAShortQueue() {
    // OverloadMain's service: 2 workers of 20 ms (100 req/s), offered 200 req/s. Netflix's
    // thresholds with per-sample steps: p50 69 ms, p99 105 ms (limits up to 14).
    for (long seed = 1; seed <= 3; seed++) {
      QueueSimulation.Result r = QueueSimulation.run(new VegasLimit(3, 1000, 20), 2, 20, 2.0, seed);
      assertThat(r.goodputPerSecond()).as("goodput").isGreaterThan(0.95 * r.capacityPerSecond());
      assertThat(r.p50Millis()).as("p50 of admitted").isLessThan(45);
      assertThat(r.p99Millis()).as("p99 of admitted: at most 2 waiting").isLessThan(62);
      assertThat(r.highestLimit()).isLessThanOrEqualTo(6);
    }
  }

  @Test
  void largerServicesUnderOverloadKeepTheirGoodput() {
    for (int[] shape : new int[][] {{8, 10}, {16, 20}, {100, 20}}) {
      QueueSimulation.Result r =
          QueueSimulation.run(new VegasLimit(3, 1000, 20), shape[0], shape[1], 2.0, 7);
      assertThat(r.goodputPerSecond()).as("goodput of %s", Arrays.toString(shape))
          .isGreaterThan(0.9 * r.capacityPerSecond());
      assertThat(r.p99Millis()).as("p99 of %s", Arrays.toString(shape))
          .isLessThan(3.0 * shape[1]);
    }
  }

  @Test
  void belowCapacityTheLimitTakesNothing() {
    QueueSimulation.Result r = QueueSimulation.run(new VegasLimit(3, 1000, 20), 2, 20, 0.8, 1);
    assertThat(r.goodputPerSecond()).isCloseTo(0.8 * r.capacityPerSecond(), org.assertj.core.data.Offset.offset(1.0));
    assertThat(r.p99Millis()).isLessThan(22);
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
  void atMinTheNoLoadLatencyIsForgottenAfterThirtyTimesMinSamples() {
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
      assertThat(i).as("samples before the probe").isLessThan(VegasLimit.PROBE_MULTIPLIER * 1000);
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
    // The 2 still in flight were admitted while the queue was held empty: no evidence of room.
    assertThat(v.onSample(11 * MS, before, false)).isEqualTo(before);
    assertThat(v.onSample(11 * MS, before, false)).isEqualTo(before);
    assertThat(v.onSample(11 * MS, before, false)).isGreaterThan(before);
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
