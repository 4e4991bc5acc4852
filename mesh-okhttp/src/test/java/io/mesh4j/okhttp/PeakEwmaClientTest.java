package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code lb: peak_ewma} over real sockets: of three backends, one answers 10 ms late; once each
 * has been sampled, the slow one gets a small share of the traffic. The decay time is 1 s so that a
 * scheduling hiccup on a fast backend (this machine is shared) is forgotten within the test.
 */
class PeakEwmaClientTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  int status() throws IOException {
    try (Response r = f.client.newCall(
        new Request.Builder().url("http://inventory/items").build()).execute()) {
      r.body().string();
      return r.code();
    }
  }

  /**
   * Loads and compiles the client and server code first: the JVM's first request takes hundreds
   * of milliseconds, and peak EWMA would rightly remember that endpoint as slow for seconds.
   */
  static void warmUpWithoutTheMesh(Backend... backends) throws IOException {
    okhttp3.OkHttpClient plain = new okhttp3.OkHttpClient();
    try {
      for (int i = 0; i < 20; i++) {
        for (Backend b : backends) {
          try (Response r = plain.newCall(new Request.Builder()
              .url("http://" + b.address() + "/warm-up").build()).execute()) {
            r.body().string();
          }
        }
      }
    } finally {
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
    }
  }

  @Test
  void theTenMillisecondBackendGetsASmallShareAfterWarmUp() throws Exception {
    // Bodiless answers: a separate small body write would meet delayed ACKs (40 ms) on loopback.
    Backend fast1 = f.backend().otherwise(r -> new MockResponse.Builder().code(204).build());
    Backend fast2 = f.backend().otherwise(r -> new MockResponse.Builder().code(204).build());
    Backend slow = f.backend().otherwise(r -> new MockResponse.Builder().code(204)
        .headersDelay(10, TimeUnit.MILLISECONDS).build());
    warmUpWithoutTheMesh(fast1, fast2, slow);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            lb: peak_ewma
            peak_ewma: { decay_time: 1s }
            endpoints: [%s, %s, %s]
        """.formatted(fast1.address(), fast2.address(), slow.address()));

    for (int i = 0; i < 30; i++) assertThat(status()).isEqualTo(204); // every one sampled
    int slowBefore = slow.count();
    // (each Backend counts its warm-up requests too; only differences are used below)
    int totalBefore = fast1.count() + fast2.count() + slowBefore;

    int callers = 4;
    int each = 100;
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger failures = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < each; i++) if (status() != 204) failures.incrementAndGet();
        } catch (Exception e) {
          failures.incrementAndGet();
        }
      });
      th.start();
      threads.add(th);
    }
    go.countDown();
    for (Thread th : threads) th.join(60_000);

    int total = fast1.count() + fast2.count() + slow.count() - totalBefore;
    double slowShare = (double) (slow.count() - slowBefore) / total;
    assertThat(failures.get()).isZero();
    assertThat(total).isEqualTo(callers * each);
    // Round robin gives it a third. On a quiet machine peak EWMA gives it about 1%; the bound
    // leaves room for a loaded one (2 shared cores), where scheduling delays of tens of
    // milliseconds make every backend look slow now and then.
    assertThat(slowShare).as("share of the 10 ms backend").isLessThan(0.20);
    assertThat(fast1.count()).isGreaterThan(100);
    assertThat(fast2.count()).isGreaterThan(100);
  }
}
