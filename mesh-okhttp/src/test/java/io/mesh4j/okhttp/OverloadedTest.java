package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.Counter;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import mockwebserver3.MockResponse;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A 503 with {@code x-mesh-overloaded: true} (a mesh4j server shedding above its concurrency
 * limit) over real sockets: retried on another endpoint even for a POST, never an outlier or
 * breaker failure, bounded by attempts and the retry budget, and counted.
 */
class OverloadedTest {
  final Fixture f = new Fixture();
  final FakeTime time = new FakeTime();

  @AfterEach
  void tearDown() {
    f.close();
  }

  static MockResponse shed() {
    return new MockResponse.Builder().code(503).setHeader("x-mesh-overloaded", "true")
        .body("overloaded").build();
  }

  static Request post() {
    return new Request.Builder().url("http://inventory/orders")
        .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
  }

  String call(Request r) throws IOException {
    try (Response res = f.client.newCall(r).execute()) {
      return res.code() + " " + res.body().string();
    }
  }

  double counter(String name) {
    return f.registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  double retries(String reason) {
    Counter c = f.registry.find(MeshMetricNames.CLIENT_RETRIES)
        .tag(MeshMetricNames.TAG_REASON, reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aShedPostIsRetriedOnAnotherEndpointAndIsNeitherAnOutlierNorABreakerFailure()
      throws IOException {
    Backend shedding = f.backend().otherwise(r -> shed());
    Backend healthy = f.backend().otherwise(200, "ok");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            outlier_detection: { consecutive_5xx: 1, consecutive_gateway_failure: 1, max_ejection_percent: 50 }
            circuit_breaker: { failure_rate_threshold: 50, sliding_window: 2, minimum_calls: 2 }
            retry: { backoff: { base: 1ms, max: 1ms } }
        """.formatted(shedding.address(), healthy.address()));

    for (int i = 0; i < 10; i++) assertThat(call(post())).isEqualTo("200 ok");

    assertThat(shedding.count()).as("a retry moves on, so each call may start there")
        .isBetween(1, 10);
    assertThat(healthy.count()).isEqualTo(10);
    assertThat(counter(MeshMetricNames.CLIENT_OVERLOADED)).isEqualTo(shedding.count());
    assertThat(retries("overloaded")).isEqualTo(shedding.count());
    assertThat(f.mesh.cluster("inventory").statuses())
        .allSatisfy(s -> assertThat(s.ejectionReason()).as("never ejected").isNull());
    assertThat(f.registry.get(MeshMetricNames.CLIENT_CIRCUIT_STATE)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").gauge().value()).as("closed").isZero();
    assertThat(f.reportedOutcomes("inventory")).as("only the real answers are outcomes")
        .isEqualTo(10);
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void aPlain503ToAPostIsNotRetriedWhereTheOverloadedOneIs() throws IOException {
    Backend a = f.backend().otherwise(503, "busy");
    Backend b = f.backend().otherwise(503, "busy");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
        """.formatted(a.address(), b.address()));

    assertThat(call(post())).as("the request may have been processed").isEqualTo("503 busy");
    assertThat(a.count() + b.count()).isEqualTo(1);
    assertThat(counter(MeshMetricNames.CLIENT_OVERLOADED)).isZero();
  }

  @Test
  void retriesOfShedRequestsStopAtTheAttemptLimitWithTheLastAnswer() throws IOException {
    Backend a = f.backend().otherwise(r -> shed());
    Backend b = f.backend().otherwise(r -> shed());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            retry: { attempts: 3, backoff: { base: 1ms, max: 1ms } }
        """.formatted(a.address(), b.address()));

    try (Response r = f.client.newCall(post()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("x-mesh-overloaded")).isEqualTo("true");
      assertThat(r.body().string()).isEqualTo("overloaded");
    }
    assertThat(a.count() + b.count()).isEqualTo(3);
    assertThat(a.count()).as("a retry goes to the other endpoint first").isBetween(1, 2);
    assertThat(counter(MeshMetricNames.CLIENT_OVERLOADED)).isEqualTo(3);
    assertThat(retries("overloaded")).isEqualTo(2);
  }

  @Test
  void retriesOfShedRequestsAreChargedToTheRetryBudget() throws IOException {
    Backend a = f.backend().otherwise(r -> shed());
    Backend b = f.backend().otherwise(r -> shed());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            retry: { attempts: 5, budget: { percent: 0, min_per_second: 0 } }
        """.formatted(a.address(), b.address()), c -> c.ticker(time).scheduler(time));

    assertThat(call(post())).isEqualTo("503 overloaded");
    assertThat(a.count() + b.count()).as("no budget, no retry").isEqualTo(1);
    assertThat(counter(MeshMetricNames.CLIENT_RETRY_BUDGET_EXHAUSTED)).isEqualTo(1);
    assertThat(counter(MeshMetricNames.CLIENT_OVERLOADED)).isEqualTo(1);
  }

  @Test
  void anAdaptiveClusterLimitFailsFastWithTheConcurrencyLimitReason() throws Exception {
    Backend a = f.backend();
    for (int i = 0; i < 20; i++) {
      a.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
    }
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 1 }
            circuit_breaker: { max_concurrent_requests: adaptive }
        """.formatted(a.address()));
    assertThat(f.registry.get(MeshMetricNames.CLIENT_CONCURRENCY_LIMIT)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").gauge().value()).isEqualTo(20.0);

    ExecutorService callers = Executors.newFixedThreadPool(20);
    List<Call> calls = new ArrayList<>();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Call c = f.client.newCall(new Request.Builder().url("http://inventory/items").build());
        calls.add(c);
        done.add(callers.submit(() -> {
          try (Response r = c.execute()) {
            return r.code();
          } catch (IOException e) {
            return -1;
          }
        }));
      }
      TestSupport.await("twenty in flight", Duration.ofSeconds(10), () -> a.count() == 20);

      Throwable t = catchThrowable(() -> f.client.newCall(
          new Request.Builder().url("http://inventory/items").build()).execute());
      assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
        assertThat(e.reason()).isEqualTo(MeshException.Reason.CONCURRENCY_LIMIT);
        assertThat(e.requestSent()).isFalse();
      });
      assertThat(a.count()).isEqualTo(20);
    } finally {
      calls.forEach(Call::cancel);
      for (Future<?> d : done) d.get(10, TimeUnit.SECONDS);
      callers.shutdown();
    }
    assertThat(f.breakerActive("inventory")).isZero();
    try (Response r = f.client.newCall(
        new Request.Builder().url("http://inventory/items").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }
}
