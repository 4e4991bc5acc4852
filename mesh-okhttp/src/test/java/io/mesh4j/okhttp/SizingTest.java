package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher and pool pitfalls: sized when the user left OkHttp's defaults, kept otherwise. */
class SizingTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  String twoEndpoints(Backend a, Backend b) {
    return """
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }, { address: %s }] }
        """.formatted(a.address(), b.address());
  }

  @Test
  void defaultLimitsAreLiftedWhileTheExecutorIsShared() {
    f.wrap(twoEndpoints(f.backend(), f.backend()));
    OkHttpClient plain = new OkHttpClient();

    OkHttpClient wrapped = MeshOkHttp.wrap(plain, f.mesh);

    assertThat(wrapped.dispatcher()).isNotSameAs(plain.dispatcher());
    assertThat(wrapped.dispatcher().executorService()).isSameAs(plain.dispatcher().executorService());
    assertThat(wrapped.dispatcher().getMaxRequests()).isEqualTo(64);
    assertThat(wrapped.dispatcher().getMaxRequestsPerHost()).isEqualTo(64);
    assertThat(wrapped.connectionPool()).isNotSameAs(plain.connectionPool());
    assertThat(Sizing.maxIdleConnections(plain.connectionPool())).isEqualTo(5);
    assertThat(Sizing.maxIdleConnections(wrapped.connectionPool())).isEqualTo(64);
  }

  @Test
  void thePoolGrowsWithTheEndpointsKnownWhenWrapping() {
    StringBuilder endpoints = new StringBuilder();
    for (int i = 0; i < 20; i++) endpoints.append("{ address: 127.0.0.1:").append(20000 + i).append(" }, ");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: big, endpoints: [%s] }
        """.formatted(endpoints.substring(0, endpoints.length() - 2)));

    assertThat(Sizing.maxIdleConnections(f.client.connectionPool())).isEqualTo(80);
  }

  @Test
  void limitsTheUserSetAreKept() {
    f.wrap(twoEndpoints(f.backend(), f.backend()));
    Dispatcher mine = new Dispatcher();
    mine.setMaxRequestsPerHost(10);
    ConnectionPool pool = new ConnectionPool(20, 1, TimeUnit.MINUTES);

    OkHttpClient wrapped = MeshOkHttp.wrap(
        new OkHttpClient.Builder().dispatcher(mine).connectionPool(pool).build(), f.mesh);

    assertThat(wrapped.dispatcher()).isSameAs(mine);
    assertThat(wrapped.dispatcher().getMaxRequestsPerHost()).isEqualTo(10);
    assertThat(wrapped.connectionPool()).isSameAs(pool);
  }

  @Test
  void sizingCanBeTurnedOff() {
    f.wrap(twoEndpoints(f.backend(), f.backend()));
    OkHttpClient plain = new OkHttpClient();

    OkHttpClient wrapped = MeshOkHttp.builder(f.mesh).sizeDispatcher(false)
        .sizeConnectionPool(false).wrap(plain);

    assertThat(wrapped.dispatcher()).isSameAs(plain.dispatcher());
    assertThat(wrapped.connectionPool()).isSameAs(plain.connectionPool());
  }

  @Test
  void aClientCannotBeWrappedTwice() {
    f.wrap(twoEndpoints(f.backend(), f.backend()));

    assertThatThrownBy(() -> MeshOkHttp.wrap(f.client, f.mesh))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already wrapped");
  }

  @Test
  void moreThanFiveEnqueuedCallsToOneClusterRunConcurrently() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger arrived = new AtomicInteger();
    java.util.function.Function<mockwebserver3.RecordedRequest, MockResponse> held = r -> {
      arrived.incrementAndGet();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new MockResponse.Builder().code(200).body("ok").build();
    };
    Backend a = f.backend().otherwise(held);
    Backend b = f.backend().otherwise(held);
    f.wrap(twoEndpoints(a, b));
    CountDownLatch done = new CountDownLatch(12);
    AtomicInteger ok = new AtomicInteger();

    for (int i = 0; i < 12; i++) {
      f.client.newCall(new Request.Builder().url("http://inventory/slow").build())
          .enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
              done.countDown();
            }

            @Override
            public void onResponse(Call call, Response response) {
              try (response) {
                if (response.code() == 200) ok.incrementAndGet();
              }
              done.countDown();
            }
          });
    }

    await("all 12 calls reach the backends at once", Duration.ofSeconds(10),
        () -> arrived.get() == 12);
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ok.get()).isEqualTo(12);
  }
}
