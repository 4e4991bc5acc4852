package io.mesh4j.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {
  private static final long MS = 1_000_000L;

  /** Returns {@code bound - 1} (the top of the window) or 0, and records every bound asked for. */
  private static final class ScriptedRandom implements RandomGenerator {
    final List<Long> bounds = new ArrayList<>();
    boolean top = true;

    @Override
    public long nextLong() {
      throw new UnsupportedOperationException();
    }

    @Override
    public long nextLong(long bound) {
      bounds.add(bound);
      return top ? bound - 1 : 0;
    }
  }

  @ParameterizedTest(name = "retry {0}: [0, {1}ms]")
  @CsvSource({"1,25", "2,50", "3,100", "4,200", "5,250", "6,250", "30,250", "64,250", "1000,250"})
  void theWindowDoublesFromTheBaseUpToTheMaxWithTheDefaults(int retry, long ceilingMs) {
    ScriptedRandom random = new ScriptedRandom();
    Backoff b = Backoff.of(RetryConfig.Backoff.DEFAULT, random);
    assertThat(b.ceilingNanos(retry)).isEqualTo(ceilingMs * MS);
    assertThat(b.delayNanos(retry)).isEqualTo(ceilingMs * MS);
    random.top = false;
    assertThat(b.delayNanos(retry)).isZero();
    // Both ends included: the generator is asked for [0, ceiling + 1).
    assertThat(random.bounds).containsExactly(ceilingMs * MS + 1, ceilingMs * MS + 1);
  }

  @Test
  void seededDrawsAreRepeatableAndStayInsideTheWindow() {
    Backoff a = Backoff.of(RetryConfig.Backoff.DEFAULT, new SplittableRandom(42));
    Backoff b = Backoff.of(RetryConfig.Backoff.DEFAULT, new SplittableRandom(42));
    long sum = 0;
    for (int i = 0; i < 10_000; i++) {
      long d = a.delayNanos(3);
      assertThat(d).isBetween(0L, 100 * MS).isEqualTo(b.delayNanos(3));
      sum += d;
    }
    // Uniform on [0, 100ms]: the mean of 10 000 draws is within 2% of 50ms.
    assertThat(sum / 10_000).isBetween(49 * MS, 51 * MS);
  }

  @Test
  void aRetryAfterReplacesTheJitterCappedAtTheMax() {
    ScriptedRandom random = new ScriptedRandom();
    Backoff b = Backoff.of(RetryConfig.Backoff.DEFAULT, random);
    assertThat(b.delayNanos(1, 100 * MS)).isEqualTo(100 * MS);
    assertThat(b.delayNanos(1, 1_000 * MS)).isEqualTo(250 * MS);
    assertThat(b.delayNanos(4, 0)).isZero();
    assertThat(b.delayNanos(1, Long.MAX_VALUE)).isEqualTo(250 * MS);
    assertThat(random.bounds).isEmpty();
    assertThat(b.delayNanos(1, RetryAfter.ABSENT)).isEqualTo(25 * MS);
    assertThat(random.bounds).containsExactly(25 * MS + 1);
  }

  @Test
  void hugeRetryNumbersAndDurationsDoNotOverflow() {
    Backoff b =
        Backoff.of(new RetryConfig.Backoff(Duration.ofNanos(3), Duration.ofDays(365 * 200)), new ScriptedRandom());
    assertThat(b.ceilingNanos(1)).isEqualTo(3);
    assertThat(b.ceilingNanos(62)).isEqualTo(b.maxNanos());
    assertThat(b.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(b.maxNanos());
    assertThat(b.delayNanos(Integer.MAX_VALUE)).isEqualTo(b.maxNanos());
  }

  @Test
  void aZeroBaseNeverWaits() {
    ScriptedRandom random = new ScriptedRandom();
    Backoff b = Backoff.of(new RetryConfig.Backoff(Duration.ZERO, Duration.ofMillis(250)), random);
    assertThat(b.delayNanos(1)).isZero();
    assertThat(b.delayNanos(40)).isZero();
    assertThat(random.bounds).isEmpty();
  }

  @Test
  void theDefaultGeneratorIsUsableFromAnyThread() throws Exception {
    Backoff b = Backoff.of(RetryConfig.Backoff.DEFAULT);
    long[] seen = new long[1];
    Thread t = new Thread(() -> seen[0] = b.delayNanos(5));
    t.start();
    t.join(10_000);
    assertThat(seen[0]).isBetween(0L, 250 * MS);
    assertThat(b.delayNanos(1)).isBetween(0L, 25 * MS);
  }

  @Test
  void invalidSettingsAreRejectedWithTheirValue() {
    assertThatThrownBy(() -> Backoff.of(new RetryConfig.Backoff(Duration.ofMillis(-1), Duration.ofMillis(5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("base: PT-0.001S (expected: >= 0)");
    assertThatThrownBy(() -> Backoff.of(new RetryConfig.Backoff(Duration.ofMillis(500), Duration.ofMillis(250))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("base: PT0.5S (expected: <= max PT0.25S)");
    Backoff b = Backoff.of(RetryConfig.Backoff.DEFAULT);
    assertThatThrownBy(() -> b.delayNanos(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry: 0 (expected: >= 1)");
  }
}
