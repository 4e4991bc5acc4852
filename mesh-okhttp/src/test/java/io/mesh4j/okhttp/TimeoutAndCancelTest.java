package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Overall and per-try timeouts, cancellation at every point, and the rule that every attempt
 * reports exactly one outcome (endpoint in-flight counts and breaker slots come back to zero;
 * cancelled attempts are not counted as outcomes).
 */
class TimeoutAndCancelTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  static final MockResponse STALL =
      new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();

  static long waits(FakeTime time) {
    return time.pendingDelays().stream().filter(d -> d.compareTo(Duration.ofSeconds(1)) < 0).count();
  }

  static Request get() {
    return new Request.Builder().url("http://inventory/items").build();
  }

  @Test
  void theOverallTimeoutFailsAStalledCallWithTimeout() {
    Backend a = f.backend().enqueue(STALL);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }], timeout: 2s }
        """.formatted(a.address()));

    Throwable t = catchThrowable(() -> f.client.newCall(get()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
      assertThat(e.failure()).isEqualTo(Failure.TIMEOUT);
      assertThat(e.attempts()).isEqualTo(1);
      assertThat(e.requestSent()).isTrue();
    });
    assertThat(f.reportedOutcomes("inventory")).isEqualTo(1);
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void perTryTimeoutsRetryInsideTheOverallTimeoutWhichEndsTheCall() {
    Backend a = f.backend().otherwise(r -> STALL);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            timeout: 3s
            retry: { attempts: 10, per_try_timeout: 1s, budget: off }
        """.formatted(a.address()));

    Throwable t = catchThrowable(() -> f.client.newCall(get()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
      assertThat(e.failure()).isEqualTo(Failure.TIMEOUT);
      // 3s allows at most three 1s tries plus short backoffs: never all ten.
      assertThat(e.attempts()).isBetween(2, 3);
    });
    assertThat(f.reportedOutcomes("inventory")).isEqualTo((long) f.attempts());
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void theOverallTimeoutAlsoBoundsReadingTheResponseBody() throws IOException {
    // Headers at once, then a body that takes 10s: the 3s timeout cuts the body.
    Backend a = f.backend().enqueue(new MockResponse.Builder().body("x".repeat(100))
        .throttleBody(1, 100, TimeUnit.MILLISECONDS).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }], timeout: 3s }
        """.formatted(a.address()));

    try (Response r = f.client.newCall(get()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThatThrownBy(() -> r.body().string()).isInstanceOf(IOException.class);
    }
  }

  @Test
  void cancellingACallDuringAStalledAttemptEndsItAndReportsNoOutcome() throws Exception {
    Backend a = f.backend().enqueue(STALL);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    CompletableFuture<IOException> failure = new CompletableFuture<>();
    Call call = f.client.newCall(get());

    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        failure.complete(e);
      }

      @Override
      public void onResponse(Call c, Response r) {
        r.close();
        failure.completeExceptionally(new AssertionError("expected cancellation"));
      }
    });
    await("the request reached the backend", Duration.ofSeconds(5), () -> a.count() == 1);
    call.cancel();

    assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(MeshException.class,
        e -> {
          assertThat(e.reason()).isEqualTo(Reason.CANCELLED);
          assertThat(e.failure()).isEqualTo(Failure.CANCELLED);
          assertThat(e.requestSent()).isTrue();
          assertThat(e.attempts()).isEqualTo(1);
        });
    assertThat(f.reportedOutcomes("inventory")).isZero();
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void aCallCancelledBeforeItStartsSendsNothing() {
    Backend a = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    Call call = f.client.newCall(get());
    call.cancel();

    Throwable t = catchThrowable(call::execute);

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.CANCELLED);
      assertThat(e.attempts()).isZero();
      assertThat(e.requestSent()).isFalse();
    });
    assertThat(a.count()).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void cancellingDuringTheBackoffWaitStopsRetryingAndClosesTheHeldResponse() throws Exception {
    FakeTime time = new FakeTime();
    Backend a = f.backend().enqueue(new MockResponse.Builder().code(503).body("busy").build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }], retry: { backoff: { base: 500ms, max: 500ms } } }
        """.formatted(a.address()), b -> b.ticker(time).scheduler(time));
    Call call = f.client.newCall(get());
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread caller = new Thread(() -> outcome.complete(catchThrowable(() -> call.execute().close())));
    caller.start();

    // (the mesh also keeps a 5 s DNS refresh task on the scheduler)
    await("the retry waits on the scheduler", Duration.ofSeconds(5), () -> waits(time) == 1);
    call.cancel();

    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.CANCELLED);
      assertThat(e.attempts()).isEqualTo(1);
    });
    caller.join(5000);
    assertThat(a.count()).isEqualTo(1);
    assertThat(waits(time)).isZero();
    assertThat(f.reportedOutcomes("inventory")).isEqualTo(1);
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void anExceptionThrownDuringAnAttemptIsReportedOnceAndRethrown() {
    Backend a = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    OkHttpClient throwing = MeshOkHttp.wrap(new OkHttpClient.Builder()
        .addNetworkInterceptor(chain -> {
          throw new IllegalStateException("bug in a network interceptor");
        }).build(), f.mesh);

    assertThatThrownBy(() -> throwing.newCall(get()).execute())
        .isInstanceOf(IllegalStateException.class).hasMessage("bug in a network interceptor");

    assertThat(f.reportedOutcomes("inventory")).isEqualTo(1);
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
    TestSupport.assertNoLeaks(throwing);
  }

  @Test
  void theCallersOwnCallTimeoutCancelsTheAttemptInFlight() {
    Backend a = f.backend().enqueue(STALL);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    OkHttpClient impatient = f.client.newBuilder().callTimeout(Duration.ofMillis(500)).build();

    Throwable t = catchThrowable(() -> impatient.newCall(get()).execute());

    assertThat(t).isInstanceOf(java.io.InterruptedIOException.class).hasMessage("timeout");
    assertThat(t.getCause()).isInstanceOfSatisfying(MeshException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED));
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void aClientDerivedWithItsOwnReadTimeoutAppliesItToEveryAttempt() {
    Backend a = f.backend().otherwise(r -> STALL);
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }], timeout: 30s }
        """.formatted(a.address()));
    OkHttpClient derived = f.client.newBuilder().readTimeout(Duration.ofMillis(700)).build();

    Throwable t = catchThrowable(() -> derived.newCall(get()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.UPSTREAM_FAILURE);
      assertThat(e.failure()).isEqualTo(Failure.TIMEOUT);
      assertThat(e.attempts()).isEqualTo(2);
      assertThat(e.getCause()).isInstanceOf(java.net.SocketTimeoutException.class);
    });
    TestSupport.assertNoLeaks(derived);
  }

  @Test
  void cancellingAfterTheHeadersArrivedCutsTheBody() throws IOException {
    Backend a = f.backend().enqueue(new MockResponse.Builder().body("x".repeat(100))
        .throttleBody(1, 100, TimeUnit.MILLISECONDS).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    Call call = f.client.newCall(get());

    try (Response r = call.execute()) {
      call.cancel();
      assertThatThrownBy(() -> r.body().string()).isInstanceOf(IOException.class);
    }
    assertThat(f.reportedOutcomes("inventory")).isEqualTo(1);
  }
}
