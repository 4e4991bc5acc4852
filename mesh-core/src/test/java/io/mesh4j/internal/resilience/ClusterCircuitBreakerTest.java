package io.mesh4j.internal.resilience;

import static io.mesh4j.internal.resilience.Admission.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.time.FakeTime;
import io.mesh4j.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterCircuitBreakerTest {
  private static final long MS = 1_000_000L;

  private final FakeTime time = new FakeTime();
  private final List<String> transitions = new CopyOnWriteArrayList<>();

  /** window 10, minimum 5, 50% failures, 100% slow over 2s, 10s open, 100 concurrent. */
  private static CircuitBreakerConfig config() {
    return new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 10, 5, Duration.ofSeconds(10), 100);
  }

  private ClusterCircuitBreaker breaker(CircuitBreakerConfig config) {
    return ClusterCircuitBreaker.create(
        "inventory", config, time, time, (c, from, to) -> transitions.add(c + ":" + from + "->" + to));
  }

  private static void calls(ClusterCircuitBreaker b, int n, int status, Failure failure, long nanos) {
    for (int i = 0; i < n; i++) {
      assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
      b.onComplete(status, failure, nanos);
    }
  }

  @Test
  void opensOnceMinimumCallsAreRecordedAndHalfTheWindowFailed() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 4, 503, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(b.failureRate()).isEqualTo(-1f);
    calls(b, 1, 0, Failure.CONNECT_FAILURE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    assertThat(transitions).containsExactly("inventory:CLOSED->OPEN");
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CIRCUIT_OPEN);
    assertThat(b.activeRequests()).isZero();
  }

  @Test
  void exactlyTheThresholdOpensAndJustBelowDoesNot() {
    ClusterCircuitBreaker below = breaker(config());
    calls(below, 6, 200, Failure.NONE, MS);
    calls(below, 4, 500, Failure.NONE, MS);
    assertThat(below.failureRate()).isEqualTo(40f);
    assertThat(below.state()).isEqualTo(BreakerState.CLOSED);

    ClusterCircuitBreaker at = breaker(config());
    calls(at, 5, 200, Failure.NONE, MS);
    calls(at, 5, 0, Failure.RESET, MS);
    assertThat(at.state()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void clientErrorsAreNotFailuresOfTheCluster() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 10, 404, Failure.NONE, MS);
    calls(b, 10, 429, Failure.NONE, MS);
    assertThat(b.failureRate()).isZero();
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
  }

  @Test
  void cancelledCallsAndLocalErrorsAreNotRecordedAtAll() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 20, 0, Failure.CANCELLED, MS);
    calls(b, 20, 0, Failure.OTHER, MS);
    assertThat(b.failureRate()).isEqualTo(-1f); // still below minimum_calls: nothing recorded
    assertThat(b.activeRequests()).isZero();
  }

  @Test
  void slowCallsOpenTheCircuitEvenWhenTheySucceed() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 1, 200, Failure.NONE, 10 * MS);
    calls(b, 9, 200, Failure.NONE, 2_500 * MS);
    assertThat(b.slowCallRate()).isEqualTo(90f);
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    calls(b, 1, 200, Failure.NONE, 2_001 * MS); // the fast call leaves the window of 10
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void turnsHalfOpenOnTheInjectedClockWithoutTraffic() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 5, 502, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(10).plusNanos(1));

    time.advance(Duration.ofMillis(9_999));
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CIRCUIT_OPEN);
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);

    time.advance(Duration.ofMillis(1).plusNanos(1));
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
    assertThat(transitions).containsExactly("inventory:CLOSED->OPEN", "inventory:OPEN->HALF_OPEN");
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void halfOpenLetsTenProbesThroughAndClosesWhenEnoughSucceed() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 5, 500, Failure.NONE, MS);
    time.advance(Duration.ofSeconds(11));
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);

    for (int i = 0; i < ClusterCircuitBreaker.HALF_OPEN_PROBES; i++) {
      assertThat(b.tryAcquire()).as("probe %d", i).isEqualTo(ADMITTED);
    }
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CIRCUIT_OPEN);
    // The verdict comes once min(minimum_calls, 10) = 5 probes have completed.
    for (int i = 0; i < 4; i++) b.onComplete(200, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
    b.onComplete(200, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    for (int i = 5; i < ClusterCircuitBreaker.HALF_OPEN_PROBES; i++) b.onComplete(200, Failure.NONE, MS);
    assertThat(transitions)
        .containsExactly(
            "inventory:CLOSED->OPEN", "inventory:OPEN->HALF_OPEN", "inventory:HALF_OPEN->CLOSED");
    assertThat(b.activeRequests()).isZero();
  }

  @Test
  void failingProbesReopenForAnotherFullWait() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 5, 500, Failure.NONE, MS);
    time.advance(Duration.ofSeconds(11));
    calls(b, 2, 200, Failure.NONE, MS);
    calls(b, 2, 0, Failure.TIMEOUT, MS);
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN); // 4 probes: below minimum_calls
    calls(b, 1, 0, Failure.TIMEOUT, MS);
    assertThat(b.state()).isEqualTo(BreakerState.OPEN); // 3 of 5 failed
    time.advance(Duration.ofSeconds(10));
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    time.advance(Duration.ofNanos(1));
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
    assertThat(transitions)
        .containsExactly(
            "inventory:CLOSED->OPEN",
            "inventory:OPEN->HALF_OPEN",
            "inventory:HALF_OPEN->OPEN",
            "inventory:OPEN->HALF_OPEN");
  }

  @Test
  void aRequestAfterTheWaitTurnsItHalfOpenEvenWhenTheSchedulerHasNotRun() {
    List<Runnable> held = new ArrayList<>();
    Scheduler manual = (task, delay) -> {
      held.add(task);
      return () -> {};
    };
    ClusterCircuitBreaker b = ClusterCircuitBreaker.create("c", config(), time, manual);
    calls(b, 5, 500, Failure.NONE, MS);
    assertThat(held).hasSize(1);

    time.advance(Duration.ofSeconds(10).plusNanos(1));
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED); // first probe, via the lazy transition
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);

    held.remove(0).run(); // the late timer must not take a probe away or restart half-open
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
    for (int i = 1; i < ClusterCircuitBreaker.HALF_OPEN_PROBES; i++) assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CIRCUIT_OPEN);
    assertThat(held).isEmpty();
  }

  @Test
  void releasingAProbeGivesItBack() {
    ClusterCircuitBreaker b = breaker(config());
    calls(b, 5, 500, Failure.NONE, MS);
    time.advance(Duration.ofSeconds(11));
    for (int i = 0; i < ClusterCircuitBreaker.HALF_OPEN_PROBES; i++) assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CIRCUIT_OPEN);
    b.release();
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    b.onComplete(0, Failure.CANCELLED, MS); // cancelled: released, not recorded
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
  }

  @Test
  void theConcurrencyLimitRejectsBeyondMaxAndFreesOnEveryKindOfClose() {
    ClusterCircuitBreaker b =
        breaker(new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 100, 100, Duration.ofSeconds(10), 4));
    for (int i = 0; i < 4; i++) assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CONCURRENCY_LIMIT);
    assertThat(b.activeRequests()).isEqualTo(4);
    b.onSuccess(MS);
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    b.onFailure(MS);
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    b.release();
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    b.onComplete(503, Failure.NONE, MS);
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CONCURRENCY_LIMIT);
    assertThat(b.activeRequests()).isEqualTo(4);
  }

  @Test
  void withoutACircuitBreakerSectionOnlyTheDefaultConcurrencyLimitApplies() {
    ClusterCircuitBreaker b = breaker(null);
    assertThat(b.hasFailureRateBreaker()).isFalse();
    assertThat(b.maxConcurrentRequests()).isEqualTo(1024);
    calls(b, 500, 503, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    for (int i = 0; i < 1024; i++) assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CONCURRENCY_LIMIT);
    assertThat(b.failureRate()).isEqualTo(-1f);
    assertThat(transitions).isEmpty();
  }

  @Test
  void aThrowingListenerDoesNotBreakTheBreaker() {
    ClusterCircuitBreaker b =
        ClusterCircuitBreaker.create("c", config(), time, time, (c, f, t) -> {
          throw new IllegalStateException("listener bug");
        });
    calls(b, 5, 500, Failure.NONE, MS);
    assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    time.advance(Duration.ofSeconds(11));
    assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
  }

  @ParameterizedTest(name = "[{index}] {0} {1} -> {2}")
  @CsvSource({
    "200, NONE, false", "404, NONE, false", "499, NONE, false", "500, NONE, true",
    "503, NONE, true", "599, NONE, true", "0, CONNECT_FAILURE, true", "0, REFUSED_STREAM, true",
    "0, RESET, true", "0, TIMEOUT, true", "0, CANCELLED, false", "0, OTHER, false",
  })
  void failuresAreFiveHundredsAndTransportFailures(int status, Failure failure, boolean counts) {
    assertThat(ClusterCircuitBreaker.countsAsFailure(status, failure)).isEqualTo(counts);
  }

  @Test
  void invalidSettingsAreRejectedWithTheirValue() {
    assertThatThrownBy(() -> breaker(new CircuitBreakerConfig(0, Duration.ofSeconds(2), 100, 10, 5, Duration.ofSeconds(10), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failure_rate_threshold: 0 (expected: 1-100)");
    assertThatThrownBy(() -> breaker(new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 10, 5, Duration.ofNanos(10), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait_in_open: PT0.00000001S (expected: >= 1ms)");
    assertThatThrownBy(() -> breaker(new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 10, 5, Duration.ofSeconds(1), 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_concurrent_requests: 0 (expected: >= 1)");
    assertThatThrownBy(() -> breaker(new CircuitBreakerConfig(50, Duration.ZERO, 100, 10, 5, Duration.ofSeconds(1), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slow_call_duration: PT0S (expected: > 0)");
  }

  @Test
  void concurrentAcquiresNeverExceedTheLimit() throws Exception {
    ClusterCircuitBreaker b =
        breaker(new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 100, 100, Duration.ofSeconds(10), 50));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final boolean churn = t % 2 == 0;
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  int held = 0;
                  for (int i = 0; i < 2_000; i++) {
                    if (b.tryAcquire().admitted()) {
                      if (churn) b.onSuccess(MS); else held++;
                    }
                  }
                  return held;
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      int held = 0;
      for (Future<Integer> f : results) held += f.get(30, TimeUnit.SECONDS);
      assertThat(held).isBetween(1, 50);
      assertThat(b.activeRequests()).isEqualTo(held);
      int fill = 0;
      while (b.tryAcquire().admitted()) fill++;
      assertThat(held + fill).isEqualTo(50);
    } finally {
      pool.shutdownNow();
    }
  }

  private static CircuitBreakerConfig adaptive() {
    return new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 10, 5, Duration.ofSeconds(10),
        CircuitBreakerConfig.ADAPTIVE_MAX_CONCURRENT_REQUESTS);
  }

  @Test
  void anAdaptiveLimitStartsAtTwentyAndRefusesTheWayTheFixedCapDoes() {
    ClusterCircuitBreaker b = breaker(adaptive());
    assertThat(b.isAdaptive()).isTrue();
    assertThat(b.maxConcurrentRequests()).isEqualTo(20);
    for (int i = 0; i < 20; i++) assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    assertThat(b.tryAcquire()).isEqualTo(REJECTED_CONCURRENCY_LIMIT);
    assertThat(b.activeRequests()).isEqualTo(20);
    b.release();
    assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
    for (int i = 0; i < 20; i++) b.onComplete(0, Failure.CANCELLED, MS);
    assertThat(b.activeRequests()).isZero();
  }

  /** Keeps the limit in use: completes one call as told, then takes its slot again. */
  private static void underLoad(ClusterCircuitBreaker b, int samples, int status, Failure failure,
      long nanos) {
    while (b.tryAcquire() == ADMITTED) { }
    for (int i = 0; i < samples; i++) {
      b.onComplete(status, failure, nanos);
      while (b.tryAcquire() == ADMITTED) { }
    }
  }

  @Test
  void anAdaptiveLimitGrowsWhileLatencyHoldsAndShrinksOnTimeoutsAndOverload() {
    ClusterCircuitBreaker b = breaker(adaptive());
    underLoad(b, 100, 200, Failure.NONE, MS);
    int grown = b.maxConcurrentRequests();
    assertThat(grown).as("steady 1 ms answers at full load").isGreaterThan(40);

    underLoad(b, 30, 0, Failure.TIMEOUT, 500 * MS);
    int afterTimeouts = b.maxConcurrentRequests();
    assertThat(afterTimeouts).as("slow timeouts are congestion").isLessThan(grown / 2);

    assertThat(b.state()).as("timeouts still count for the breaker").isEqualTo(BreakerState.OPEN);
    int held = b.activeRequests();
    for (int i = 0; i < held; i++) b.onOverloaded(MS);
    assertThat(b.activeRequests()).isZero();
  }

  @Test
  void anOverloadAnswerIsNeitherABreakerFailureNorASuccess() {
    ClusterCircuitBreaker b = breaker(config());
    for (int i = 0; i < 20; i++) {
      assertThat(b.tryAcquire()).isEqualTo(ADMITTED);
      b.onOverloaded(MS);
    }
    assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(b.failureRate()).as("nothing recorded").isEqualTo(-1f);
    assertThat(b.activeRequests()).isZero();
  }
}
