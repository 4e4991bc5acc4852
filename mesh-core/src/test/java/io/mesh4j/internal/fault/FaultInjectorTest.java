package io.mesh4j.internal.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.FaultConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultInjectorTest {
  private static final long MS = 1_000_000L;

  /** Hands out scripted draws from [0, 1 000 000); fails the test when asked for an unscripted one. */
  private static final class ScriptedRandom implements RandomGenerator {
    final Deque<Integer> draws = new ArrayDeque<>();

    ScriptedRandom(Integer... values) {
      for (Integer v : values) draws.add(v);
    }

    @Override
    public long nextLong() {
      throw new AssertionError("unexpected draw");
    }

    @Override
    public int nextInt(int bound) {
      assertThat(bound).isEqualTo(FaultInjector.MILLION);
      if (draws.isEmpty()) throw new AssertionError("unexpected draw");
      return draws.poll();
    }
  }

  private static FaultConfig delay(long ms, double percent) {
    return new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(ms), percent), null);
  }

  private static FaultConfig abort(int status, double percent) {
    return new FaultConfig(null, new FaultConfig.Abort(status, percent));
  }

  @ParameterizedTest(name = "[{index}] {0}% with draw {1} -> {2}")
  @CsvSource({
    "0.1,    999,    true",
    "0.1,    1000,   false",
    "0.0001, 0,      true",
    "0.0001, 1,      false",
    "1,      9999,   true",
    "1,      10000,  false",
    "50,     499999, true",
    "50,     500000, false",
    "99.9999, 999998, true",
    "99.9999, 999999, false",
  })
  void aRequestIsHitWhenItsDrawFallsBelowThePercentInPartsPerMillion(double percent, int draw, boolean hit) {
    FaultInjector abort = FaultInjector.of(abort(503, percent), new ScriptedRandom(draw));
    assertThat(abort.decide().aborted()).isEqualTo(hit);
    FaultInjector delay = FaultInjector.of(delay(100, percent), new ScriptedRandom(draw));
    assertThat(delay.decide().delayed()).isEqualTo(hit);
  }

  @Test
  void delayAndAbortAreDrawnIndependentlyDelayFirst() {
    FaultConfig cfg =
        new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(100), 1), new FaultConfig.Abort(503, 0.1));
    ScriptedRandom random = new ScriptedRandom(0, 0, 0, 999_999, 999_999, 0, 999_999, 999_999);
    FaultInjector f = FaultInjector.of(cfg, random);

    Fault both = f.decide();
    assertThat(both.delayed()).isTrue();
    assertThat(both.delayNanos()).isEqualTo(100 * MS);
    assertThat(both.aborted()).isTrue();
    assertThat(both.abortStatus()).isEqualTo(503);
    assertThat(both).hasToString("Fault{delay=PT0.1S, abort=503}");

    Fault delayOnly = f.decide();
    assertThat(delayOnly.delayed()).isTrue();
    assertThat(delayOnly.aborted()).isFalse();
    assertThat(delayOnly.abortStatus()).isZero();

    Fault abortOnly = f.decide();
    assertThat(abortOnly.delayed()).isFalse();
    assertThat(abortOnly.delayNanos()).isZero();
    assertThat(abortOnly.abortStatus()).isEqualTo(503);

    assertThat(f.decide()).isSameAs(Fault.NONE);
    assertThat(random.draws).isEmpty();
  }

  @Test
  void decisionsArePreallocatedValues() {
    FaultInjector f = FaultInjector.of(new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(5), 100), new FaultConfig.Abort(500, 100)));
    assertThat(f.decide()).isSameAs(f.decide());
  }

  @Test
  void zeroAndHundredPercentNeverDraw() {
    FaultConfig cfg = new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(7), 100), new FaultConfig.Abort(429, 0));
    FaultInjector f = FaultInjector.of(cfg, new ScriptedRandom());
    for (int i = 0; i < 100; i++) {
      Fault fault = f.decide();
      assertThat(fault.delayNanos()).isEqualTo(7 * MS);
      assertThat(fault.aborted()).isFalse();
    }
  }

  @Test
  void aZeroDelayIsNoFault() {
    FaultInjector f = FaultInjector.of(delay(0, 100), new ScriptedRandom());
    assertThat(f.isActive()).isFalse();
    assertThat(f.decide()).isSameAs(Fault.NONE);
  }

  @Test
  void noConfigMeansNoFaultAndNoDraws() {
    assertThat(FaultInjector.of(null)).isSameAs(FaultInjector.NONE);
    assertThat(FaultInjector.of(new FaultConfig(null, null), new ScriptedRandom())).isSameAs(FaultInjector.NONE);
    assertThat(FaultInjector.NONE.decide()).isSameAs(Fault.NONE);
    assertThat(Fault.NONE.isNone()).isTrue();
    assertThat(FaultInjector.NONE.isActive()).isFalse();
  }

  @Test
  void overManyRequestsTheShareMatchesThePercent() {
    FaultInjector f = FaultInjector.of(abort(503, 0.5), new SplittableRandom(7));
    int hits = 0;
    for (int i = 0; i < 1_000_000; i++) if (f.decide().aborted()) hits++;
    // Binomial(1e6, 0.005): sd ≈ 70; the seeded run lands within 3 sd of 5 000.
    assertThat(hits).isBetween(4_790, 5_210);
  }

  @Test
  void invalidSettingsAreRejectedWithTheirValue() {
    assertThatThrownBy(() -> FaultInjector.of(abort(503, 100.5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("abort.percent: 100.5 (expected: 0-100)");
    assertThatThrownBy(() -> FaultInjector.of(abort(99, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("abort.status: 99 (expected: 200-599)");
    assertThatThrownBy(() -> FaultInjector.of(delay(-1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay.fixed: PT-0.001S (expected: >= 0)");
    assertThatThrownBy(() -> FaultInjector.of(delay(1, Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay.percent: NaN (expected: 0-100)");
  }
}
