package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged requests against two real backends: the first request either backend receives stalls,
 * every later one answers at once. The hedge delay runs on a {@link FakeTime}, so "the first
 * attempt is slow" is a fact of the test, not a race.
 */
class HedgingTest {
  final Fixture f = new Fixture();
  final FakeTime time = new FakeTime();
  Backend slowFirst;
  Backend other;

  @AfterEach
  void close() {
    time.advance(AttemptLoop.LOSER_GRACE); // a stalled loser left to answer is cancelled
    f.close();
  }

  /** The thread that sent each attempt, in order (a network interceptor of the wrapped client). */
  final List<Thread> senders = new CopyOnWriteArrayList<>();

  private void wrap(String hedge, String budget) {
    slowFirst = f.backend().enqueue(TimeoutAndCancelTest.STALL).otherwise(200, "fast");
    other = f.backend().sharingScriptWith(slowFirst).otherwise(200, "fast");
    wrapBackends(hedge, budget);
  }

  /** Wraps the client over {@link #slowFirst} and {@link #other}, as they are. */
  private void wrapBackends(String hedge, String budget) {
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            timeout: 30s
            retry: { budget: %s }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - { name: all, to: inventory, hedge: %s }
        """.formatted(slowFirst.address(), other.address(), budget, hedge),
        b -> b.ticker(time).scheduler(time),
        new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
          senders.add(Thread.currentThread());
          return chain.proceed(chain.request());
        }).build());
  }

  private static Request get() {
    return new Request.Builder().url("http://inventory/items").build();
  }

  /** Enqueues {@code request}; the future completes with the status or the failure. */
  private CompletableFuture<Integer> enqueue(Request request) {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    f.client.newCall(request).enqueue(new Callback() {
      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          response.body().string();
          status.complete(response.code());
        } catch (IOException e) {
          status.completeExceptionally(e);
        }
      }

      @Override
      public void onFailure(Call call, IOException e) {
        status.completeExceptionally(e);
      }
    });
    return status;
  }

  private int received() {
    return slowFirst.received.size() + other.received.size();
  }

  private double hedges() {
    return f.registry.get(MeshMetricNames.CLIENT_HEDGES).counter().count();
  }

  @Test
  void aSlowFirstAttemptIsHedgedToTheOtherEndpointAfterTheDelayAndTheLoserIsCancelled()
      throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");

    CompletableFuture<Integer> status = enqueue(get());
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    time.advance(Duration.ofMillis(19));
    assertThat(received()).isEqualTo(1);
    assertThat(status).isNotDone();

    time.advance(Duration.ofMillis(1)); // the hedge goes to the endpoint not tried yet

    assertThat(status.get()).isEqualTo(200);
    assertThat(slowFirst.received).hasSize(1);
    assertThat(other.received).hasSize(1);
    assertThat(hedges()).isEqualTo(1);
    // The loser was cancelled: both attempts ended, both reported once, neither endpoint failed.
    await("the lost attempt ended", Duration.ofSeconds(10), () -> f.activeRequests("inventory") == 0);
    assertThat(f.breakerActive("inventory")).isZero();
    assertThat(f.mesh.cluster("inventory").endpoints())
        .allSatisfy(e -> assertThat(f.mesh.cluster("inventory").status(e).ejected()).isFalse());
  }

  @Test
  void aHedgeThatLosesIsLeftToAnswerAndItsConnectionIsKeptForTheNextRequest() throws Exception {
    // The first request either backend receives answers when `first` opens, the second (the
    // hedge) when `second` opens; later ones at once.
    AtomicInteger arrivals = new AtomicInteger();
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch second = new CountDownLatch(1);
    java.util.function.Function<mockwebserver3.RecordedRequest, MockResponse> answer = r -> {
      int n = arrivals.getAndIncrement();
      try {
        if (n < 2 && !(n == 0 ? first : second).await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new MockResponse.Builder().code(200).body("answer " + n).build();
    };
    slowFirst = f.backend().otherwise(answer);
    other = f.backend().otherwise(answer);
    wrapBackends("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");

    CompletableFuture<Integer> status = enqueue(get());
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    time.advance(Duration.ofMillis(20));
    await("the hedge arrived", Duration.ofSeconds(10), () -> received() == 2);
    first.countDown(); // the first attempt wins

    assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(f.activeRequests("inventory")).isEqualTo(1); // the hedge is still in flight
    second.countDown();
    await("the lost hedge ended", Duration.ofSeconds(10), () -> f.activeRequests("inventory") == 0);

    for (int i = 0; i < 4; i++) { // round robin: each backend gets two more
      try (Response r = f.client.newCall(get()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    // Each backend served everything on one connection: the hedge's was not closed.
    for (Backend b : List.of(slowFirst, other)) {
      assertThat(b.received).hasSizeGreaterThan(1)
          .allSatisfy(r -> assertThat(r.getConnectionIndex()).isZero());
    }
    assertThat(hedges()).isEqualTo(1);
    assertThat(f.registry.get(MeshMetricNames.ATTEMPTS)
        .tag(MeshMetricNames.TAG_OUTCOME, MeshMetricNames.FAILURE).timer().count()).isZero();
  }

  @Test
  void anExecutedCallIsHedgedToo() throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");
    CompletableFuture<Integer> status = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try (Response r = f.client.newCall(get()).execute()) {
        status.complete(r.code());
      } catch (IOException e) {
        status.completeExceptionally(e);
      }
    });
    caller.start();
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);

    time.advance(Duration.ofMillis(20));

    assertThat(status.get()).isEqualTo(200);
    assertThat(received()).isEqualTo(2);
    caller.join();
    await("the lost attempt ended", Duration.ofSeconds(10), () -> f.activeRequests("inventory") == 0);
  }

  @Test
  void anExecutedCallSendsItsFirstAttemptOnTheCallersThreadAndOnlyTheHedgeElsewhere()
      throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");
    CompletableFuture<Integer> status = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try (Response r = f.client.newCall(get()).execute()) {
        r.body().string();
        status.complete(r.code());
      } catch (IOException e) {
        status.completeExceptionally(e);
      }
    });
    caller.start();
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    assertThat(senders).containsExactly(caller); // no hand-off to another thread

    time.advance(Duration.ofMillis(20));

    assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo(200); // the hedge's answer
    assertThat(senders).hasSize(2);
    assertThat(senders.get(1)).isNotSameAs(caller);
    caller.join(10_000);
    // The caller's own attempt lost: cancelled, reported once, not a failure of its endpoint.
    await("the lost attempt ended", Duration.ofSeconds(10), () -> f.activeRequests("inventory") == 0);
    assertThat(f.breakerActive("inventory")).isZero();
    assertThat(f.mesh.cluster("inventory").endpoints())
        .allSatisfy(e -> assertThat(f.mesh.cluster("inventory").status(e).ejected()).isFalse());
  }

  @Test
  void anExecutedCallAnsweredBeforeTheDelayUsesOnlyTheCallersThread() throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");
    CompletableFuture<Integer> stalled = enqueue(get()); // takes the one stalling answer
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    senders.clear();

    try (Response r = f.client.newCall(get()).execute()) {
      assertThat(r.body().string()).isEqualTo("fast");
    }
    time.advance(Duration.ofMillis(20)); // the stalled call hedges; the executed one is over

    assertThat(stalled.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(senders.get(0)).isSameAs(Thread.currentThread());
    assertThat(senders).hasSize(2); // the executed call's one attempt, the stalled call's hedge
    assertThat(hedges()).isEqualTo(1);
  }

  @Test
  void aHedgeTheRetryBudgetCannotPayForIsNotSent() throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 0, min_per_second: 0 }");

    CompletableFuture<Integer> status = enqueue(get());
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    time.advance(Duration.ofMillis(20));

    assertThat(received()).isEqualTo(1);
    assertThat(hedges()).isZero();
    assertThat(f.registry.get(MeshMetricNames.CLIENT_RETRY_BUDGET_EXHAUSTED).counter().count())
        .isEqualTo(1);
    assertThat(status).isNotDone();
    slowFirst.server.close(); // ends the stalled attempt
    other.server.close();
  }

  @Test
  void aPostWithoutIdempotencyKeyIsNeverHedged() throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");

    CompletableFuture<Integer> status =
        enqueue(new Request.Builder().url("http://inventory/orders")
            .post(RequestBody.create(new byte[] {1})).build());
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    time.advance(Duration.ofSeconds(1));

    assertThat(received()).isEqualTo(1);
    assertThat(hedges()).isZero();
    assertThat(status).isNotDone();
    slowFirst.server.close();
    other.server.close();
  }

  @Test
  void aPostWithAnIdempotencyKeyIsHedged() throws Exception {
    wrap("{ delay: 20ms }", "{ percent: 100, min_per_second: 100 }");

    CompletableFuture<Integer> status =
        enqueue(new Request.Builder().url("http://inventory/orders")
            .header("Idempotency-Key", "k-1").post(RequestBody.create(new byte[] {1})).build());
    await("the first attempt arrived", Duration.ofSeconds(10), () -> received() == 1);
    time.advance(Duration.ofMillis(20));

    assertThat(status.get()).isEqualTo(200);
    assertThat(received()).isEqualTo(2);
    assertThat(hedges()).isEqualTo(1);
  }
}
