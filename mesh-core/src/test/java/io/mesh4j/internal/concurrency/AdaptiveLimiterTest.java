package io.mesh4j.internal.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConcurrencyLimitConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class AdaptiveLimiterTest {
  private static final long MS = 1_000_000L;

  @Test
  void startsAtTwentyWithinTheConfiguredBounds() {
    ConcurrencyLimitConfig.Algorithm g = ConcurrencyLimitConfig.Algorithm.GRADIENT2;
    assertThat(AdaptiveLimiter.create(new ConcurrencyLimitConfig(g, 3, 1000)).limit()).isEqualTo(20);
    assertThat(AdaptiveLimiter.create(new ConcurrencyLimitConfig(g, 3, 8)).limit()).isEqualTo(8);
    assertThat(AdaptiveLimiter.create(
        new ConcurrencyLimitConfig(ConcurrencyLimitConfig.Algorithm.VEGAS, 50, 100)).limit())
        .isEqualTo(50);
  }

  @Test
  void admitsUpToTheLimitAndEachCloseFreesOneSlot() {
    AdaptiveLimiter l = new AdaptiveLimiter(new VegasLimit(3, 3, 3));
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isFalse();
    l.onSuccess(MS);
    assertThat(l.inflight()).isEqualTo(2);
    l.onDropped(MS);
    l.release();
    assertThat(l.inflight()).isZero();
  }

  @Test
  void samplesMoveTheLimitThatAdmissionReads() {
    AdaptiveLimiter l = new AdaptiveLimiter(new VegasLimit(1, 100, 4));
    for (int i = 0; i < 4; i++) assertThat(l.tryAcquire()).isTrue();
    l.onSuccess(10 * MS); // learns no-load latency
    l.onSuccess(10 * MS); // 3 in flight of 4: no queue → 4 + min(6, 4 / 2)
    assertThat(l.limit()).isEqualTo(6);
    for (int i = 0; i < 4; i++) assertThat(l.tryAcquire()).isTrue();
    assertThat(l.tryAcquire()).isFalse();
  }

  @RepeatedTest(20)
  void racingThreadsNeverGetMoreSlotsThanTheLimit() throws Exception {
    AdaptiveLimiter l = new AdaptiveLimiter(new Gradient2Limit(3, 1000, 20));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          int granted = 0;
          for (int i = 0; i < 1_000; i++) if (l.tryAcquire()) granted++;
          return granted;
        }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      int total = 0;
      for (Future<Integer> f : results) total += f.get(30, TimeUnit.SECONDS);
      assertThat(total).isEqualTo(20);
      assertThat(l.inflight()).isEqualTo(20);
    } finally {
      pool.shutdownNow();
    }
  }
}
