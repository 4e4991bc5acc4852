package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.internal.MeshInternals;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code inbound.concurrency_limit} in front of a forward: a forwarded request holds its slot
 * until the upstream's response has been streamed back (async or blocking), and a request above
 * the limit is shed without reaching the upstream.
 */
class GatewayConcurrencyLimitTest {
  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void aForwardHoldsItsSlotUntilItsResponseIsBackAndTheNextIsShed(boolean async) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false)
        .readTimeout(Duration.ofSeconds(30)).build();
    try (MockWebServer up = new MockWebServer()) {
      up.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
          received.incrementAndGet();
          release.await(20, TimeUnit.SECONDS);
          return new MockResponse.Builder().code(200).body("upstream").build();
        }
      });
      up.start(InetAddress.getByName("127.0.0.1"), 0);
      try (Mesh mesh = Mesh.builder().config(Configs.of("127.0.0.1:" + up.getPort(), "", """
              concurrency_limit: { min: 1, max: 1 }
              virtual_hosts:
                - name: self
                  domains: ["*"]
                  routes:
                    - name: v2
                      match: {prefix: /v2/}
                      to: v2
              """)).build();
          Front front = new Front(mesh, async)) {
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
          try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/a")).build())
              .execute()) {
            return r.code() + " " + r.body().string();
          } catch (java.io.IOException e) {
            return e.toString();
          }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() == 0 && System.nanoTime() < deadline) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(received.get()).isEqualTo(1);

        try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/b")).build())
            .execute()) {
          assertThat(r.code()).isEqualTo(503);
          assertThat(r.header("x-mesh-overloaded")).isEqualTo("true");
        }
        assertThat(received.get()).as("the shed request never reached the upstream").isEqualTo(1);

        release.countDown();
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("200 upstream");
        // The exchange is recorded (and its slot freed) once the response has been written, which
        // may be a moment after the client read it.
        long freed = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (MeshInternals.runtime(mesh).inboundInflight() != 0 && System.nanoTime() < freed) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(MeshInternals.runtime(mesh).inboundInflight()).isZero();
        try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/c")).build())
            .execute()) {
          assertThat(r.code()).as("the slot came back").isEqualTo(200);
        }
        assertThat(received.get()).isEqualTo(2);
      }
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
