package io.mesh4j.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.RetryConfig;
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

class RetryBudgetTest {
  private final FakeTime time = new FakeTime();

  private RetryBudget budget(double percent, int minPerSecond) {
    return RetryBudget.create(new RetryConfig.Budget(percent, minPerSecond), time);
  }

  private static void deposit(RetryBudget b, int n) {
    for (int i = 0; i < n; i++) b.onRequest();
  }

  private static int drain(RetryBudget b) {
    int granted = 0;
    while (b.tryWithdraw()) {
      granted++;
      if (granted > 1_000_000) throw new AssertionError("budget never ran out");
    }
    return granted;
  }

  @Test
  void aHundredRequestsAllowTwentyRetriesPlusTheReserveOfTheSecond() {
    RetryBudget b = budget(20, 10);
    deposit(b, 100);
    assertThat(b.available()).isEqualTo(30);
    assertThat(drain(b)).isEqualTo(30);
    assertThat(b.available()).isZero();
    assertThat(b.retriesInWindow()).isEqualTo(30);
  }

  @Test
  void theReserveRefillsEverySecondWhileUsedPercentRetriesStayChargedForTheWindow() {
    RetryBudget b = budget(20, 10);
    deposit(b, 100);
    assertThat(drain(b)).isEqualTo(30);
    for (int second = 1; second <= 9; second++) {
      time.advance(Duration.ofSeconds(1));
      assertThat(drain(b)).as("second %d", second).isEqualTo(10);
    }
    time.advance(Duration.ofSeconds(1));
    // Second 10: the 100 requests and the 20 percent retries of second 0 have left the window.
    assertThat(b.requestsInWindow()).isZero();
    assertThat(drain(b)).isEqualTo(10);
  }

  @Test
  void percentRetriesAreAskedFirstSoTheReserveIsKeptForQuietTimes() {
    RetryBudget b = budget(20, 10);
    deposit(b, 50);
    for (int i = 0; i < 10; i++) assertThat(b.tryWithdraw()).isTrue();
    // All ten came from the percent pool: the whole reserve of this second is still there.
    assertThat(b.available()).isEqualTo(10);
  }

  @Test
  void theWindowSlidesOneSecondAtATime() {
    RetryBudget b = budget(20, 0);
    deposit(b, 50); // second 0
    assertThat(drain(b)).isEqualTo(10);
    time.advance(Duration.ofSeconds(5));
    deposit(b, 50); // second 5
    assertThat(b.requestsInWindow()).isEqualTo(100);
    assertThat(drain(b)).isEqualTo(10);
    time.advance(Duration.ofNanos(4_999_999_999L)); // 9.999999999 s: second 0 still counts
    assertThat(b.requestsInWindow()).isEqualTo(100);
    assertThat(b.available()).isZero();
    time.advance(Duration.ofNanos(1)); // 10 s: second 0 leaves, with its 10 retries
    assertThat(b.requestsInWindow()).isEqualTo(50);
    assertThat(b.retriesInWindow()).isEqualTo(10);
    assertThat(b.available()).isZero();
    time.advance(Duration.ofSeconds(5)); // 15 s: second 5 leaves too
    assertThat(b.requestsInWindow()).isZero();
    assertThat(b.retriesInWindow()).isZero();
    deposit(b, 5);
    assertThat(drain(b)).isEqualTo(1);
  }

  @Test
  void aBucketIsReusedAfterTheRingWrapsWithoutKeepingOldCounts() {
    RetryBudget b = budget(10, 0);
    deposit(b, 100);
    assertThat(drain(b)).isEqualTo(10);
    time.advance(Duration.ofSeconds(30)); // same ring slot, three windows later
    deposit(b, 10);
    assertThat(b.requestsInWindow()).isEqualTo(10);
    assertThat(drain(b)).isEqualTo(1);
  }

  @Test
  void fractionalPercentsRoundTheAllowanceDown() {
    RetryBudget b = budget(12.5, 0);
    deposit(b, 15);
    assertThat(drain(b)).isEqualTo(1); // floor(1.875)
    deposit(b, 1);
    assertThat(drain(b)).isEqualTo(1); // floor(2.0) - 1
  }

  @Test
  void withNoPercentTheReserveAloneLimitsRetriesPerSecond() {
    RetryBudget b = budget(0, 3);
    deposit(b, 1000);
    assertThat(drain(b)).isEqualTo(3);
    time.advance(Duration.ofMillis(999));
    assertThat(drain(b)).isZero();
    time.advance(Duration.ofMillis(1));
    assertThat(drain(b)).isEqualTo(3);
  }

  @Test
  void aZeroBudgetAllowsNothing() {
    RetryBudget b = budget(0, 0);
    deposit(b, 1000);
    assertThat(b.tryWithdraw()).isFalse();
  }

  @Test
  void aMissingBudgetIsUnlimited() {
    RetryBudget b = RetryBudget.create(null, time);
    assertThat(b.isUnlimited()).isTrue();
    assertThat(b).isSameAs(RetryBudget.unlimited());
    for (int i = 0; i < 10_000; i++) assertThat(b.tryWithdraw()).isTrue();
    assertThat(b.available()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void invalidSettingsAreRejectedWithTheirValue() {
    assertThatThrownBy(() -> budget(-1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percent: -1.0 (expected: 0-1000)");
    assertThatThrownBy(() -> budget(Double.NaN, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("percent: NaN (expected: 0-1000)");
    assertThatThrownBy(() -> budget(20, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("min_per_second: -1 (expected: >= 0)");
  }

  @Test
  void concurrentRetriesNeverOverdrawTheBudgetWhileTimeStandsStill() throws Exception {
    RetryBudget b = budget(20, 10);
    deposit(b, 100);
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
                  for (int i = 0; i < 1_000; i++) if (b.tryWithdraw()) granted++;
                  return granted;
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      int total = 0;
      for (Future<Integer> f : results) total += f.get(30, TimeUnit.SECONDS);
      assertThat(total).isEqualTo(30);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentDepositsAreAllCounted() throws Exception {
    RetryBudget b = budget(10, 0);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  deposit(b, 10_000);
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : results) f.get(30, TimeUnit.SECONDS);
      assertThat(b.requestsInWindow()).isEqualTo(80_000);
      assertThat(drain(b)).isEqualTo(8_000);
    } finally {
      pool.shutdownNow();
    }
  }
}
