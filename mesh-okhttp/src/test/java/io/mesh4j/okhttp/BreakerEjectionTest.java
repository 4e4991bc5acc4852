package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Circuit breaking, the concurrency limit, outlier ejection and the draining hint, end to end. */
class BreakerEjectionTest {
  final Fixture f = new Fixture();
  final FakeTime time = new FakeTime();

  @AfterEach
  void tearDown() {
    f.close();
  }

  static Request get() {
    return new Request.Builder().url("http://inventory/items").build();
  }

  int status() throws IOException {
    try (Response r = f.client.newCall(get()).execute()) {
      return r.code();
    }
  }

  double breakerState() {
    return f.registry.get(MeshMetricNames.CLIENT_CIRCUIT_STATE)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").gauge().value();
  }

  @Test
  void twoClientsWrappedAroundOneMeshShareTheClustersBreaker() throws IOException {
    Backend a = f.backend().otherwise(500, "boom");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 1 }
            circuit_breaker: { failure_rate_threshold: 50, sliding_window: 4, minimum_calls: 4, wait_in_open: 10s }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));
    okhttp3.OkHttpClient other = MeshOkHttp.wrap(new okhttp3.OkHttpClient(), f.mesh);

    for (int i = 0; i < 4; i++) assertThat(status()).isEqualTo(500);

    Throwable t = catchThrowable(() -> other.newCall(get()).execute());
    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
      assertThat(e.requestSent()).isFalse();
    });
    assertThat(a.count()).isEqualTo(4);
    other.dispatcher().executorService().shutdown();
    other.connectionPool().evictAll();
  }

  @Test
  void theCircuitOpensOnTheFailureRateRejectsWithoutSendingAndClosesAfterGoodProbes()
      throws IOException {
    Backend a = f.backend().otherwise(500, "boom");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 1 }
            circuit_breaker: { failure_rate_threshold: 50, sliding_window: 4, minimum_calls: 4, wait_in_open: 10s }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));

    for (int i = 0; i < 4; i++) assertThat(status()).isEqualTo(500);
    assertThat(breakerState()).isEqualTo(2.0);

    Throwable t = catchThrowable(() -> f.client.newCall(get()).execute());
    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
      assertThat(e.requestSent()).isFalse();
      assertThat(e.attempts()).isZero();
      assertThat(e.failure()).isEqualTo(Failure.NONE);
    });
    assertThat(a.count()).isEqualTo(4);
    assertThat(f.registry.get(MeshMetricNames.CLIENT_CIRCUIT_REJECTED)
        .tag(MeshMetricNames.TAG_REASON, "circuit-open").counter().count()).isEqualTo(1);

    a.otherwise(200, "ok");
    time.advance(Duration.ofSeconds(10).plusMillis(1));
    assertThat(breakerState()).isEqualTo(1.0);
    for (int i = 0; i < 4; i++) assertThat(status()).isEqualTo(200);
    assertThat(breakerState()).isEqualTo(0.0);
    assertThat(status()).isEqualTo(200);
  }

  @Test
  void theConcurrencyLimitRejectsAttemptsBeyondMaxConcurrentRequests() throws Exception {
    Backend a = f.backend().enqueue(new MockResponse.Builder()
        .onResponseStart(SocketEffect.Stall.INSTANCE).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            circuit_breaker: { max_concurrent_requests: 1 }
        """.formatted(a.address()));
    Call first = f.client.newCall(get());
    CompletableFuture<IOException> firstFailure = new CompletableFuture<>();
    first.enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        firstFailure.complete(e);
      }

      @Override
      public void onResponse(Call call, Response response) {
        response.close();
      }
    });
    await("first call in flight", Duration.ofSeconds(5), () -> a.count() == 1);

    Throwable t = catchThrowable(() -> f.client.newCall(get()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.CONCURRENCY_LIMIT);
      assertThat(e.requestSent()).isFalse();
    });
    first.cancel();
    assertThat(firstFailure.get(5, TimeUnit.SECONDS)).isInstanceOf(MeshException.class);
    assertThat(f.breakerActive("inventory")).isZero();
    assertThat(status()).isEqualTo(200);
  }

  @Test
  void anEndpointEjectedAfterConsecutive5xxReceivesNoFurtherTraffic() throws IOException {
    Backend bad = f.backend().otherwise(500, "boom");
    Backend good = f.backend().otherwise(200, "ok");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            retry: { attempts: 1 }
            outlier_detection: { consecutive_5xx: 3, base_ejection_time: 30s, max_ejection_percent: 50 }
        """.formatted(bad.address(), good.address()), b -> b.ticker(time).scheduler(time));

    int errors = 0;
    for (int i = 0; i < 20; i++) if (status() == 500) errors++;

    assertThat(errors).isEqualTo(3);
    assertThat(bad.count()).isEqualTo(3);
    assertThat(good.count()).isEqualTo(17);
    assertThat(f.mesh.cluster("inventory").statuses())
        .filteredOn(s -> s.endpoint().port() == bad.port())
        .singleElement()
        .satisfies(s -> assertThat(s.ejectionReason()).isEqualTo(EjectionReason.CONSECUTIVE_5XX));
  }

  @Test
  void aDrainingHintEjectsTheEndpointAtOnceAndTheResponseStillReachesTheCaller()
      throws IOException {
    Backend draining = f.backend().otherwise(r -> new MockResponse.Builder().code(200)
        .setHeader("x-mesh-draining", "true").body("last").build());
    Backend other = f.backend().otherwise(200, "ok");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
        """.formatted(draining.address(), other.address()), b -> b.ticker(time).scheduler(time));

    int ok = 0;
    for (int i = 0; i < 10; i++) if (status() == 200) ok++;

    assertThat(ok).isEqualTo(10);
    assertThat(draining.count()).isEqualTo(1);
    assertThat(other.count()).isEqualTo(9);
    assertThat(f.mesh.cluster("inventory").statuses())
        .filteredOn(s -> s.endpoint().port() == draining.port())
        .singleElement()
        .satisfies(s -> assertThat(s.ejectionReason()).isEqualTo(EjectionReason.DRAINING));
  }

  @Test
  void requestsAreTimedByRouteClusterStatusClassAndOutcome() throws IOException {
    Backend a = f.backend().enqueue(new MockResponse.Builder().code(404).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: empty, endpoints: [] }
        """.formatted(a.address()));

    assertThat(status()).isEqualTo(404);
    assertThat(status()).isEqualTo(200);
    assertThat(status()).isEqualTo(200);
    catchThrowable(() -> f.client.newCall(new Request.Builder().url("http://empty/").build())
        .execute());

    assertThat(f.registry.get(MeshMetricNames.CLIENT_REQUESTS)
        .tags(MeshMetricNames.TAG_SERVICE, "frontend", MeshMetricNames.TAG_ROUTE, "implicit",
            MeshMetricNames.TAG_CLUSTER, "inventory", MeshMetricNames.TAG_STATUS_CLASS, "2xx",
            MeshMetricNames.TAG_OUTCOME, "response")
        .timer().count()).isEqualTo(2);
    assertThat(f.registry.get(MeshMetricNames.CLIENT_REQUESTS)
        .tags(MeshMetricNames.TAG_CLUSTER, "inventory", MeshMetricNames.TAG_STATUS_CLASS, "4xx")
        .timer().count()).isEqualTo(1);
    assertThat(f.registry.get(MeshMetricNames.CLIENT_REQUESTS)
        .tags(MeshMetricNames.TAG_CLUSTER, "empty", MeshMetricNames.TAG_STATUS_CLASS, "none",
            MeshMetricNames.TAG_OUTCOME, "no-healthy-endpoint")
        .timer().count()).isEqualTo(1);
    assertThat(f.registry.get(MeshMetricNames.CLIENT_ATTEMPTS)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").counter().count()).isEqualTo(3);
  }

  @Test
  void aReloadMovesTrafficAndKeepsAnUnchangedBreakersState() throws IOException {
    Backend a = f.backend().otherwise(500, "boom");
    Backend b = f.backend().otherwise(200, "new");
    String config = """
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 1 }
            circuit_breaker: { failure_rate_threshold: 50, sliding_window: 2, minimum_calls: 2, wait_in_open: 10s }
        """;
    f.wrap(config.formatted(a.address()), m -> m.ticker(time).scheduler(time));
    assertThat(status()).isEqualTo(500);
    assertThat(status()).isEqualTo(500);
    assertThat(breakerState()).isEqualTo(2.0);

    f.mesh.reload(io.mesh4j.config.ConfigLoader.load(config.formatted(b.address())));

    assertThat(catchThrowable(() -> f.client.newCall(get()).execute()))
        .isInstanceOfSatisfying(MeshException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CIRCUIT_OPEN));
    time.advance(Duration.ofSeconds(10).plusMillis(1));
    assertThat(status()).isEqualTo(200);
    assertThat(b.count()).isEqualTo(1);
    assertThat(a.count()).isEqualTo(2);
  }
}
