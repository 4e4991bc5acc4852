package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The retry budget and the waits between tries, with time driven by {@link FakeTime}. */
class BudgetAndBackoffTest {
  final Fixture f = new Fixture();
  final FakeTime time = new FakeTime();

  @AfterEach
  void tearDown() {
    f.close();
  }

  static Request get() {
    return new Request.Builder().url("http://inventory/items").build();
  }

  double budgetExhausted() {
    return f.registry.get(MeshMetricNames.CLIENT_RETRY_BUDGET_EXHAUSTED).counter().count();
  }

  /**
   * The client's waits pending on the fake scheduler: those under a second (the mesh also keeps a
   * 5 s DNS refresh task per cluster on the same scheduler).
   */
  List<Duration> waits() {
    return time.pendingDelays().stream().filter(d -> d.compareTo(Duration.ofSeconds(1)) < 0).toList();
  }

  /** Runs {@code request} on another thread, advancing fake time through every backoff wait. */
  Response callAdvancingTime(Request request) throws Exception {
    CompletableFuture<Response> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(f.client.newCall(request).execute());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    t.start();
    while (!result.isDone()) {
      List<Duration> pending = waits();
      if (!pending.isEmpty()) time.advance(pending.get(0));
      java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
    }
    t.join(5000);
    try {
      return result.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception ex) throw ex;
      throw e;
    }
  }

  @Test
  void anExhaustedBudgetReturnsTheLastResponseOrFailsWithBudgetExhausted() throws Exception {
    Backend a = f.backend()
        .enqueue(new MockResponse.Builder().code(503).body("busy").build())
        .enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { budget: { percent: 0, min_per_second: 0 } }
        """.formatted(a.address()));

    try (Response r = f.client.newCall(get()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.body().string()).isEqualTo("busy");
    }
    Throwable t = catchThrowable(() -> f.client.newCall(get()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.BUDGET_EXHAUSTED);
      assertThat(e.failure()).isEqualTo(Failure.RESET);
      assertThat(e.requestSent()).isTrue();
      assertThat(e.attempts()).isEqualTo(1);
    });
    assertThat(budgetExhausted()).isEqualTo(2);
    assertThat(a.count()).isEqualTo(2);
  }

  @Test
  void theBudgetAllowsItsPercentOfRecentRequestsPlusTheReservePerSecond() throws Exception {
    Backend a = f.backend().otherwise(r -> r.getTarget().startsWith("/fail")
        ? new MockResponse.Builder().code(503).build()
        : new MockResponse.Builder().code(200).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { budget: { percent: 20, min_per_second: 1 } }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));
    for (int i = 0; i < 10; i++) f.client.newCall(get()).execute().close();

    // Failing call k deposits too: 10+k requests allow floor((10+k) / 5) percent-pool retries,
    // plus 1 from the reserve: calls 1, 2 (pool) and 3 (reserve) are retried, call 4 is not.
    int[] attempts = new int[4];
    for (int k = 0; k < 4; k++) {
      int before = a.count();
      callAdvancingTime(new Request.Builder().url("http://inventory/fail" + k).build()).close();
      attempts[k] = a.count() - before;
    }

    assertThat(attempts).containsExactly(2, 2, 2, 1);
    assertThat(budgetExhausted()).isEqualTo(1);
  }

  @Test
  void retryAfterIsHonouredUpToTheBackoffMaximum() throws Exception {
    Backend a = f.backend()
        .enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "1").build())
        .enqueue(new MockResponse.Builder().code(503).setHeader("Retry-After", "1").build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 3, backoff: { base: 25ms, max: 250ms } }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));
    CompletableFuture<Integer> status = new CompletableFuture<>();
    new Thread(() -> {
      try (Response r = f.client.newCall(get()).execute()) {
        status.complete(r.code());
      } catch (IOException e) {
        status.completeExceptionally(e);
      }
    }).start();

    await("first wait", Duration.ofSeconds(5), () -> waits().size() == 1);
    assertThat(waits()).containsExactly(Duration.ofMillis(250));
    time.advance(Duration.ofMillis(249));
    assertThat(a.count()).isEqualTo(1);
    time.advance(Duration.ofMillis(1));
    await("second wait", Duration.ofSeconds(5), () -> a.count() == 2 && waits().size() == 1);
    assertThat(waits()).containsExactly(Duration.ofMillis(250));
    time.advance(Duration.ofMillis(250));

    assertThat(status.get(5, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(a.count()).isEqualTo(3);
  }

  @Test
  void theWaitBeforeRetryNIsAFullJitterDrawBelowItsCeiling() throws Exception {
    Backend a = f.backend().otherwise(503, "busy");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { attempts: 4, backoff: { base: 100ms, max: 250ms }, budget: off }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));
    CompletableFuture<Integer> status = new CompletableFuture<>();
    new Thread(() -> {
      try (Response r = f.client.newCall(get()).execute()) {
        status.complete(r.code());
      } catch (IOException e) {
        status.completeExceptionally(e);
      }
    }).start();

    long[] ceilings = {100, 200, 250};
    for (int retry = 1; retry <= 3; retry++) {
      int n = retry;
      await("wait " + retry, Duration.ofSeconds(5), () -> a.count() == n && waits().size() == 1);
      Duration wait = waits().get(0);
      assertThat(wait).isBetween(Duration.ZERO, Duration.ofMillis(ceilings[retry - 1]));
      time.advance(wait);
    }

    assertThat(status.get(5, TimeUnit.SECONDS)).isEqualTo(503);
    assertThat(a.count()).isEqualTo(4);
  }
}
