package io.mesh4j.internal.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.time.FakeTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenBucketTest {
  private static final long MS = 1_000_000L;
  private final FakeTime time = new FakeTime();

  private static int drain(TokenBucket b) {
    int n = 0;
    while (b.tryAcquire()) {
      if (++n > 10_000_000) throw new AssertionError("never ran out");
    }
    return n;
  }

  @Test
  void aFullBucketGivesItsBurstThenOneTokenPerInterval() {
    TokenBucket b = TokenBucket.create(new RateLimitConfig(10, 5, null, RateLimitConfig.DEFAULT_MAX_KEYS), time);
    assertThat(b.availableTokens()).isEqualTo(5);
    assertThat(drain(b)).isEqualTo(5);
    assertThat(b.nanosUntilNextToken()).isEqualTo(100 * MS);
    assertThat(b.retryAfterSeconds()).isEqualTo(1);

    time.advance(Duration.ofNanos(100 * MS - 1));
    assertThat(b.tryAcquire()).isFalse();
    assertThat(b.nanosUntilNextToken()).isEqualTo(1);
    time.advance(Duration.ofNanos(1));
    assertThat(b.nanosUntilNextToken()).isZero();
    assertThat(b.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).isFalse();
  }

  @Test
  void tokensNeverAccumulateBeyondTheBurst() {
    TokenBucket b = TokenBucket.create(10, 5, time);
    drain(b);
    time.advance(Duration.ofHours(1));
    assertThat(b.availableTokens()).isEqualTo(5);
    assertThat(drain(b)).isEqualTo(5);
  }

  @Test
  void overALongRunTheRateIsExact() {
    TokenBucket b = TokenBucket.create(100, 1, time);
    int granted = drain(b);
    for (int ms = 0; ms < 10_000; ms++) {
      time.advance(Duration.ofMillis(1));
      granted += drain(b);
    }
    assertThat(granted).isEqualTo(1 + 1_000);
  }

  @Test
  void aRateThatDoesNotDivideASecondIsRoundedSoItIsNeverExceeded() {
    TokenBucket b = TokenBucket.create(3, 3, time);
    assertThat(b.refillIntervalNanos()).isEqualTo(333_333_334L);
    drain(b);
    time.advance(Duration.ofSeconds(1));
    assertThat(b.availableTokens()).isEqualTo(2);
    time.advance(Duration.ofNanos(2));
    assertThat(drain(b)).isEqualTo(3);
  }

  @Test
  void aSlowRateAsksForALongRetryAfter() {
    TokenBucket b = TokenBucket.create(0.5, 0, time);
    assertThat(b.burst()).isEqualTo(1);
    assertThat(drain(b)).isEqualTo(1);
    assertThat(b.nanosUntilNextToken()).isEqualTo(2_000 * MS);
    assertThat(b.retryAfterSeconds()).isEqualTo(2);
    time.advance(Duration.ofMillis(1));
    assertThat(b.retryAfterSeconds()).isEqualTo(2);
    time.advance(Duration.ofMillis(1_000));
    assertThat(b.retryAfterSeconds()).isEqualTo(1);
  }

  @ParameterizedTest(name = "[{index}] rps {0} -> burst {1}")
  @CsvSource({"200,200", "1,1", "0.5,1", "2.5,2", "0.001,1", "1e12,2147483647"})
  void theDefaultBurstIsOneSecondOfTokensAtLeastOne(double rps, int burst) {
    assertThat(TokenBucket.create(rps, 0, time).burst()).isEqualTo(burst);
    assertThat(TokenBucket.defaultBurst(rps)).isEqualTo(burst);
  }

  @ParameterizedTest(name = "[{index}] {0}ns -> {1}s")
  @CsvSource({"0,0", "-5,0", "1,1", "999999999,1", "1000000000,1", "1000000001,2", "2500000000,3"})
  void retryAfterRoundsUpToWholeSeconds(long nanos, long seconds) {
    assertThat(TokenBucket.toRetryAfterSeconds(nanos)).isEqualTo(seconds);
  }

  @Test
  void extremeRatesDoNotOverflow() {
    TokenBucket fast = TokenBucket.create(1e12, 0, time);
    assertThat(fast.refillIntervalNanos()).isEqualTo(1);
    assertThat(fast.tryAcquire()).isTrue();
    TokenBucket slow = TokenBucket.create(1e-300, 1, time);
    assertThat(slow.tryAcquire()).isTrue();
    assertThat(slow.tryAcquire()).isFalse();
    assertThat(slow.nanosUntilNextToken()).isPositive();
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "NaN", "Infinity"})
  void aRateThatIsNotPositiveAndFiniteIsRejected(double rps) {
    assertThatThrownBy(() -> TokenBucket.create(rps, 1, time))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requests_per_second: " + rps + " (expected: > 0)");
  }

  @Test
  void racingThreadsGetExactlyTheBurstWhileTimeStandsStill() throws Exception {
    TokenBucket b = TokenBucket.create(1, 100, time);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  int granted = 0;
                  for (int i = 0; i < 1_000; i++) if (b.tryAcquire()) granted++;
                  return granted;
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      int total = 0;
      for (Future<Integer> f : results) total += f.get(30, TimeUnit.SECONDS);
      assertThat(total).isEqualTo(100);
      assertThat(b.availableTokens()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
