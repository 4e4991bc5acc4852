package io.mesh4j.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.time.FakeTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthCheckerTest {
  private final FakeTime time = new FakeTime();
  private final ScriptedProbe probe = new ScriptedProbe();
  private final List<String> findings = new ArrayList<>();
  private final Endpoint a = new Endpoint("inv", "10.0.0.1", 80, 1, null);
  private final Endpoint b = new Endpoint("inv", "10.0.0.2", 80, 1, null);

  private static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  private static HealthCheckConfig config(Duration interval, int unhealthy, int healthy) {
    return new HealthCheckConfig(
        "scripted", "/health", interval, Duration.ofSeconds(1), unhealthy, healthy, List.of(new StatusRange(200, 204)));
  }

  private HealthChecker checker(HealthCheckConfig config, RandomGenerator random) {
    return new HealthChecker(
        "inv",
        config,
        "scripted",
        probe,
        time,
        time,
        random,
        new ReentrantLock(),
        new HealthChecker.Listener() {
          @Override
          public void onCheck(Endpoint endpoint, boolean passed, boolean probeError) {
            findings.add((passed ? "pass " : "fail ") + endpoint.address() + (probeError ? " error" : ""));
          }

          @Override
          public void onHealthChanged(Endpoint endpoint, boolean healthy) {
            findings.add((healthy ? "HEALTHY " : "UNHEALTHY ") + endpoint.address());
          }
        });
  }

  /** Answers checks from a per-address script; an empty script answers 200. */
  static final class ScriptedProbe implements HealthProbe {
    final Map<String, Deque<Object>> scripts = new HashMap<>();
    final List<Long> callTimes = new ArrayList<>();
    FakeTime clock;

    void script(Endpoint e, Object... answers) {
      scripts.computeIfAbsent(e.address(), k -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    @Override
    public CompletionStage<ProbeResult> probe(Endpoint endpoint, HealthCheckConfig config) {
      if (clock != null) callTimes.add(clock.read());
      Object next = scripts.getOrDefault(endpoint.address(), new ArrayDeque<>()).poll();
      if (next == null) return CompletableFuture.completedFuture(ProbeResult.status(200));
      if (next instanceof Integer status) return CompletableFuture.completedFuture(ProbeResult.status(status));
      if (next instanceof RuntimeException e) throw e;
      if (next instanceof Throwable t) return CompletableFuture.failedFuture(t);
      if (next instanceof CompletableFuture<?> f) {
        @SuppressWarnings("unchecked")
        CompletableFuture<ProbeResult> typed = (CompletableFuture<ProbeResult>) f;
        return typed;
      }
      if ("null".equals(next)) return null;
      throw new AssertionError("bad script entry " + next);
    }
  }

  private List<String> transitions() {
    return findings.stream().filter(f -> f.startsWith("HEALTHY") || f.startsWith("UNHEALTHY")).toList();
  }

  @Test
  void aFlappingEndpointChangesHealthOnlyAfterTheExactThresholds() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 3, 2), fixed(0.5));
    c.add(a);
    // F F S F F F -> unhealthy at the 6th; S F S S -> healthy at the 10th
    probe.script(a, 503, 503, 200, 503, 503, 503, 200, 503, 200, 200);
    List<Boolean> healthAfterEachCheck = new ArrayList<>();

    time.advance(Duration.ofMillis(2_500));
    healthAfterEachCheck.add(c.healthy(a));
    for (int i = 1; i < 10; i++) {
      time.advance(Duration.ofSeconds(5));
      healthAfterEachCheck.add(c.healthy(a));
    }

    assertThat(healthAfterEachCheck)
        .containsExactly(true, true, true, true, true, false, false, false, false, true);
    assertThat(transitions()).containsExactly("UNHEALTHY 10.0.0.1:80", "HEALTHY 10.0.0.1:80");
  }

  @Test
  void thresholdsOfOneFlipOnEveryChange() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5));
    c.add(a);
    probe.script(a, 503, 200, 503);

    time.advance(Duration.ofMillis(12_500));

    assertThat(transitions()).containsExactly("UNHEALTHY 10.0.0.1:80", "HEALTHY 10.0.0.1:80", "UNHEALTHY 10.0.0.1:80");
  }

  @Test
  void expectedStatusesDecideWhatPasses() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5));
    c.add(a);
    probe.script(a, 204, 205);

    time.advance(Duration.ofMillis(7_500));

    assertThat(findings).containsExactly("pass 10.0.0.1:80", "fail 10.0.0.1:80", "UNHEALTHY 10.0.0.1:80");
  }

  @ParameterizedTest(name = "random {0}: first check after {1}ms, then every {2}ms")
  @CsvSource({"0.0, 0, 9000", "0.5, 5000, 10000", "0.999, 9990, 10998"})
  void checksAreSpreadOverTheFirstIntervalAndJitteredByTenPercent(double random, long firstMs, long periodMs) {
    probe.clock = time;
    long start = time.read();
    HealthChecker c = checker(config(Duration.ofSeconds(10), 3, 2), fixed(random));
    c.add(a);

    time.advance(Duration.ofSeconds(60));

    assertThat(probe.callTimes.get(0) - start).isEqualTo(Duration.ofMillis(firstMs).toNanos());
    assertThat(probe.callTimes.get(1) - probe.callTimes.get(0)).isEqualTo(Duration.ofMillis(periodMs).toNanos());
  }

  @Test
  void aCheckWithoutAnAnswerWithinTheTimeoutFailsAndALateAnswerIsIgnored() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5));
    CompletableFuture<ProbeResult> late = new CompletableFuture<>();
    probe.clock = time;
    probe.script(a, late);
    c.add(a);

    time.advance(Duration.ofMillis(2_500 + 999));
    assertThat(findings).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(findings).containsExactly("fail 10.0.0.1:80", "UNHEALTHY 10.0.0.1:80");

    late.complete(ProbeResult.status(200));
    assertThat(findings).hasSize(2);
    time.advance(Duration.ofSeconds(5)); // the next check: 5s after the timed-out one ended
    assertThat(findings).endsWith("pass 10.0.0.1:80", "HEALTHY 10.0.0.1:80");
    assertThat(probe.callTimes.get(1) - probe.callTimes.get(0)).isEqualTo(Duration.ofSeconds(6).toNanos());
  }

  @Test
  void aProbeThatThrowsFailsTheCheckAndCheckingGoesOn() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 2, 1), fixed(0.5));
    probe.script(a, new IllegalStateException("boom"), new RuntimeException("again"), 200);
    c.add(a);

    time.advance(Duration.ofMillis(12_500));

    assertThat(findings)
        .containsExactly(
            "fail 10.0.0.1:80 error",
            "fail 10.0.0.1:80 error",
            "UNHEALTHY 10.0.0.1:80",
            "pass 10.0.0.1:80",
            "HEALTHY 10.0.0.1:80");
  }

  @Test
  void aFailedStageOrANullStageFailsTheCheck() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 5, 1), fixed(0.5));
    probe.script(a, new java.io.IOException("broken"), "null", 200);
    c.add(a);

    time.advance(Duration.ofMillis(12_500));

    assertThat(findings).containsExactly("fail 10.0.0.1:80 error", "fail 10.0.0.1:80 error", "pass 10.0.0.1:80");
  }

  @Test
  void probeErrorsAreLoggedAtMostOncePerInterval() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 100, 1), fixed(0.5));
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      Endpoint e = new Endpoint("inv", "10.0.1." + i, 80, 1, null);
      endpoints.add(e);
      for (int k = 0; k < 4; k++) probe.script(e, new IllegalStateException("boom"));
      c.add(e);
    }

    time.advance(Duration.ofMillis(2_500));
    assertThat(findings).hasSize(5);
    assertThat(c.warningsLogged()).isEqualTo(1);
    time.advance(Duration.ofSeconds(5));
    assertThat(findings).hasSize(10);
    assertThat(c.warningsLogged()).isEqualTo(2);
    time.advance(Duration.ofSeconds(10));
    assertThat(findings).hasSize(20);
    assertThat(c.warningsLogged()).isEqualTo(4);
  }

  @Test
  void aRemovedEndpointIsNoLongerCheckedAndItsCheckInFlightIsIgnored() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5));
    CompletableFuture<ProbeResult> inFlight = new CompletableFuture<>();
    probe.script(a, inFlight);
    probe.clock = time;
    c.add(a);
    c.add(b);
    time.advance(Duration.ofMillis(2_500));

    c.remove(a);
    inFlight.complete(ProbeResult.status(503));
    time.advance(Duration.ofSeconds(30));

    assertThat(findings).allMatch(f -> f.endsWith("10.0.0.2:80"));
    assertThat(probe.callTimes).hasSize(8); // a once, b seven times
  }

  @Test
  void closeCancelsEveryPendingCheck() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5));
    c.add(a);
    c.add(b);
    time.advance(Duration.ofMillis(2_500));
    assertThat(time.pendingTasks()).isEqualTo(2);

    c.close();

    assertThat(time.pendingTasks()).isZero();
    c.add(a);
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void aChangedIntervalReschedulesIdleEndpoints() {
    HealthChecker c = checker(config(Duration.ofSeconds(60), 1, 1), fixed(0.5));
    c.add(a);
    time.advance(Duration.ofSeconds(30));
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(60));

    c.update(config(Duration.ofSeconds(2), 1, 1), "scripted", probe);

    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(2));
  }

  @Test
  void aLoweredThresholdAppliesToTheStreakSoFar() {
    HealthChecker c = checker(config(Duration.ofSeconds(5), 5, 1), fixed(0.5));
    probe.script(a, 503, 503, 503);
    c.add(a);
    time.advance(Duration.ofMillis(7_500));
    assertThat(c.healthy(a)).isTrue();

    c.update(config(Duration.ofSeconds(5), 3, 1), "scripted", probe);
    time.advance(Duration.ofSeconds(5));

    assertThat(c.healthy(a)).isFalse();
  }

  @Test
  void anUnknownEndpointCountsAsHealthy() {
    assertThat(checker(config(Duration.ofSeconds(5), 1, 1), fixed(0.5)).healthy(a)).isTrue();
  }
}
