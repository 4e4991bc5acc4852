package io.mesh4j.internal.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.route.RequestView;
import io.mesh4j.time.FakeTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedTokenBucketsTest {
  private final FakeTime time = new FakeTime();

  private static RateLimitConfig byHeader(double rps, int burst, int maxKeys) {
    return new RateLimitConfig(rps, burst, RateLimitConfig.Key.header("X-Api-Key"), maxKeys);
  }

  private static int drain(TokenBucket b) {
    int n = 0;
    while (b.tryAcquire()) {
      if (++n > 1_000_000) throw new AssertionError("never ran out");
    }
    return n;
  }

  @Test
  void eachClientHasItsOwnBucket() {
    KeyedTokenBuckets k = KeyedTokenBuckets.create(byHeader(1, 3, 100), time);
    assertThat(drain(k.bucket(View.header("x-api-key", "alice")))).isEqualTo(3);
    assertThat(k.bucket(View.header("x-api-key", "alice")).tryAcquire()).isFalse();
    assertThat(drain(k.bucket(View.header("x-api-key", "bob")))).as("bob is not alice").isEqualTo(3);
    assertThat(k.size()).isEqualTo(2);
  }

  @Test
  void requestsWithoutTheHeaderShareOneAbsentBucketThatNoHeaderValueCanName() {
    KeyedTokenBuckets k = KeyedTokenBuckets.create(byHeader(1, 2, 100), time);
    assertThat(k.bucket(View.NONE).tryAcquire()).isTrue();
    assertThat(k.bucket(View.NONE).tryAcquire()).isTrue();
    assertThat(k.bucket(View.NONE).tryAcquire()).as("shared by every request without it").isFalse();
    assertThat(k.bucket(View.header("x-api-key", "absent")).tryAcquire())
        .as("a client sending the value 'absent' is its own client").isTrue();
    assertThat(k.bucket(View.header("x-api-key", "")).tryAcquire())
        .as("an empty value is a value").isTrue();
  }

  @Test
  void sourceAndPrincipalKeys() {
    KeyedTokenBuckets bySource = KeyedTokenBuckets.create(
        new RateLimitConfig(1, 1, RateLimitConfig.Key.SOURCE, 100), time);
    assertThat(bySource.bucket(View.from("10.0.0.1", null)).tryAcquire()).isTrue();
    assertThat(bySource.bucket(View.from("10.0.0.1", "spiffe://x")).tryAcquire()).isFalse();
    assertThat(bySource.bucket(View.from("10.0.0.2", null)).tryAcquire()).isTrue();

    KeyedTokenBuckets byPrincipal = KeyedTokenBuckets.create(
        new RateLimitConfig(1, 1, RateLimitConfig.Key.PRINCIPAL, 100), time);
    assertThat(byPrincipal.bucket(View.from("10.0.0.1", "spiffe://a")).tryAcquire()).isTrue();
    assertThat(byPrincipal.bucket(View.from("10.0.0.2", "spiffe://a")).tryAcquire()).isFalse();
    assertThat(byPrincipal.bucket(View.from("10.0.0.1", null)).tryAcquire()).isTrue();
    assertThat(byPrincipal.bucket(View.from("10.0.0.9", null)).tryAcquire())
        .as("no certificate: the shared absent key").isFalse();
  }

  @Test
  void aBucketIdleLongEnoughToHaveRefilledExpires() {
    KeyedTokenBuckets k = KeyedTokenBuckets.create(byHeader(10, 5, 100), time);
    assertThat(k.idleExpiry()).isEqualTo(Duration.ofMillis(500));
    drain(k.bucket(View.header("x-api-key", "alice")));
    time.advance(Duration.ofMillis(499));
    k.cleanUp();
    assertThat(k.size()).isEqualTo(1);
    assertThat(k.bucket(View.header("x-api-key", "alice")).availableTokens())
        .as("kept, refilling at the rate").isEqualTo(4);
    time.advance(Duration.ofMillis(501));
    k.cleanUp();
    assertThat(k.size()).as("idle for a full refill: dropped").isZero();
    assertThat(drain(k.bucket(View.header("x-api-key", "alice"))))
        .as("a fresh bucket is exactly what the old one would be by now").isEqualTo(5);
  }

  @Test
  void atMostMaxKeysBucketsAreKept() {
    KeyedTokenBuckets k = KeyedTokenBuckets.create(byHeader(1, 1, 3), time);
    for (int i = 0; i < 50; i++) k.bucket(View.header("x-api-key", "client-" + i)).tryAcquire();
    k.cleanUp();
    assertThat(k.size()).isLessThanOrEqualTo(3);
  }

  @Test
  void threadsRacingOnOneNewKeyGetExactlyTheBurstBetweenThem() throws Exception {
    int threads = 16;
    int burst = 37;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 20; round++) {
        KeyedTokenBuckets k = KeyedTokenBuckets.create(byHeader(0.001, burst, 100), time);
        RequestView client = View.header("x-api-key", "hot");
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> got = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          got.add(pool.submit(() -> {
            ready.countDown();
            go.await();
            int n = 0;
            for (int i = 0; i < 20; i++) if (k.bucket(client).tryAcquire()) n++;
            return n;
          }));
        }
        ready.await();
        go.countDown();
        int total = 0;
        for (Future<Integer> f : got) total += f.get(10, TimeUnit.SECONDS);
        assertThat(total).as("round %d", round).isEqualTo(burst);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aConfigWithoutKeyOrWithZeroMaxKeysIsRefused() {
    assertThatThrownBy(() -> KeyedTokenBuckets.create(new RateLimitConfig(1, 1, null, RateLimitConfig.DEFAULT_MAX_KEYS), time))
        .hasMessage("rate_limit.key: missing");
    assertThatThrownBy(() -> KeyedTokenBuckets.create(byHeader(1, 1, 0), time))
        .hasMessage("rate_limit.max_keys: 0 (expected: >= 1)");
  }

  /** A request with only the parts a key reads. */
  private record View(Map<String, String> headers, String sourceAddress, String principal)
      implements RequestView {
    static final View NONE = new View(Map.of(), null, null);

    static View header(String name, String value) {
      return new View(Map.of(name, value), null, null);
    }

    static View from(String source, String principal) {
      return new View(Map.of(), source, principal);
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public String authority() {
      return "api";
    }

    @Override
    public String path() {
      return "/";
    }

    @Override
    public String query() {
      return null;
    }

    @Override
    public String header(String name) {
      return headers.get(name);
    }
  }
}
