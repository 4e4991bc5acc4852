package io.mesh4j.internal.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Gradient2LimitTest {
  private static final long MS = 1_000_000L;

  @Test
  void steadyLatencyAtFullUseGrowsTheLimitByTheQueueAllowanceSmoothed() {
    Gradient2Limit g = new Gradient2Limit(3, 1000, 20);
    // gradient 1 (latency at the average): target = 20 + 4, limit = 0.8*20 + 0.2*24 = 20.8
    assertThat(g.onSample(10 * MS, 20, false)).isEqualTo(20);
    // 0.8*20.8 + 0.2*24.8 = 21.6
    assertThat(g.onSample(10 * MS, 21, false)).isEqualTo(21);
    for (int i = 0; i < 200; i++) g.onSample(10 * MS, g.limit(), false);
    assertThat(g.limit()).isEqualTo(181); // + 0.8 per sample: 20 + 202 × 0.8 = 181.6, rounded down
  }

  @Test
  void aLatencyFarAboveTheAverageShrinksTheLimitAtMostByATenthPerSample() {
    Gradient2Limit g = new Gradient2Limit(3, 1000, 100);
    for (int i = 0; i < 10; i++) g.onSample(10 * MS, 100, false); // learn 10 ms, grows to ~108
    int before = g.limit();
    // 100 ms: gradient = max(0.5, 1.5 × avg/100) = 0.5 → target = limit/2 + 4; limit → 0.9 limit + 0.8
    int after = g.onSample(100 * MS, before, false);
    assertThat(after).isLessThan(before).isGreaterThanOrEqualTo((int) (before * 0.9));
    for (int i = 0; i < 200; i++) g.onSample(100 * MS, g.limit(), false);
    assertThat(g.limit()).isLessThan(before);
  }

  @Test
  void anApplicationUsingLessThanHalfTheLimitDoesNotMoveIt() {
    Gradient2Limit g = new Gradient2Limit(3, 1000, 40);
    for (int i = 0; i < 100; i++) g.onSample(10 * MS, 19, false);
    assertThat(g.limit()).isEqualTo(40);
    for (int i = 0; i < 100; i++) g.onSample(1_000 * MS, 19, false);
    assertThat(g.limit()).isEqualTo(40);
  }

  @Test
  void theLimitStaysWithinMinAndMax() {
    Gradient2Limit up = new Gradient2Limit(3, 25, 20);
    for (int i = 0; i < 1000; i++) up.onSample(MS, up.limit(), false);
    assertThat(up.limit()).isEqualTo(25);
    // A latency jump shrinks towards the fixed point of 0.9 × limit + 0.8 (= 8), held at min.
    Gradient2Limit down = new Gradient2Limit(10, 1000, 200);
    for (int i = 0; i < 600; i++) down.onSample(MS, 0, false);
    for (int i = 0; i < 100; i++) down.onSample(10_000 * MS, down.limit(), false);
    assertThat(down.limit()).isEqualTo(10);
  }

  @Test
  void aRecoveredServiceDecaysTheLongAverageQuickly() {
    Gradient2Limit g = new Gradient2Limit(3, 1000, 20);
    for (int i = 0; i < 600; i++) g.onSample(100 * MS, 0, false);
    assertThat(g.longRttNanos()).isEqualTo(100 * MS, org.assertj.core.data.Offset.offset(1.0));
    for (int i = 0; i < 50; i++) g.onSample(10 * MS, 0, false);
    // Without the 5 % decay, 50 samples of an EWMA over 600 would leave it near 85 ms.
    assertThat(g.longRttNanos()).isLessThan(20.0 * MS);
  }

  @Test
  void badBoundsNameTheValue() {
    assertThatThrownBy(() -> new Gradient2Limit(0, 10, 5)).hasMessage("min: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new Gradient2Limit(5, 4, 5))
        .hasMessage("max: 4 (expected: >= min 5)");
  }
}
