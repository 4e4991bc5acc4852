package io.mesh4j.internal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The last resort: when every usable endpoint failed this request before it left, the attempt loop
 * tries ejected endpoints (least recently ejected first) before giving up, within the attempt
 * limit and the retry budget, and counts and shows it.
 */
class LastResortTest {
  final FakeTime time = new FakeTime();
  final Script transport = new Script();
  final Target target = new Target();
  Mesh mesh;
  Cluster cluster;
  ClusterCircuitBreaker breaker;
  RetryConfig retry;

  @AfterEach
  void close() {
    if (mesh != null) mesh.close();
  }

  /**
   * Three endpoints, one 5xx ejects (for 300 s); with {@code ejectAll} any number may be ejected
   * and panic mode is off.
   */
  void mesh(int attempts, boolean ejectAll) {
    mesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: shop
        clusters:
          - name: a
            endpoints: [127.0.0.1:9001, 127.0.0.1:9002, 127.0.0.1:9003]
            retry: { attempts: %d, retry_on: [5xx, connect-failure] }
            outlier_detection: { consecutive_5xx: 1, base_ejection_time: 300s%s }
            panic_threshold: %d
        """.formatted(attempts, ejectAll ? ", max_ejection_percent: 100" : "", ejectAll ? 0 : 50)))
        .ticker(time).scheduler(time).build();
    cluster = mesh.cluster("a");
    breaker = ClusterCircuitBreaker.create("a", null, time, time);
    retry = mesh.current().config().clusters().get(0).retry();
  }

  Endpoint endpoint(int port) {
    for (Endpoint e : cluster.endpoints()) if (e.port() == port) return e;
    throw new AssertionError(port);
  }

  void eject(Endpoint e) {
    ClusterInternals.onOutcome(cluster, e, 500, Failure.NONE, 0);
    assertThat(cluster.status(e).ejected()).as("%s ejected", e).isTrue();
  }

  AttemptLoop loop() {
    AttemptLoop loop = new AttemptLoop(null, time, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), time);
    loop.observe(target);
    return loop;
  }

  static IOException refused() {
    return new ConnectException("refused");
  }

  @Test
  void whenEveryUsableEndpointRefusedTheEjectedOneAnswers() throws IOException {
    mesh(3, false);
    Endpoint ejected = endpoint(9001);
    eject(ejected);
    transport.fail().fail().answer(200);

    Integer response = loop().run(target, "GET", false, true, transport);

    assertThat(response).isEqualTo(200);
    assertThat(transport.endpoints).hasSize(3).doesNotHaveDuplicates();
    assertThat(transport.endpoints.get(2)).isSameAs(ejected);
    assertThat(target.lastResorts).containsExactly(ejected);
    assertThat(target.observedLastResort).containsExactly(false, false, true);
    assertThat(ejected.activeRequests()).isZero();
    assertThat(breaker.activeRequests()).isZero();
  }

  @Test
  void ejectedEndpointsAreTriedLeastRecentlyEjectedFirst() throws IOException {
    mesh(4, true);
    Endpoint first = endpoint(9002);
    Endpoint second = endpoint(9001);
    eject(first);
    time.advance(Duration.ofSeconds(1));
    eject(second);
    transport.fail().fail().answer(200);

    Integer response = loop().run(target, "GET", false, true, transport);

    assertThat(response).isEqualTo(200);
    assertThat(transport.endpoints).containsExactly(endpoint(9003), first, second);
    assertThat(target.lastResorts).containsExactly(first, second);
  }

  @Test
  void withEveryEndpointEjectedAndNoPanicTheFirstAttemptIsALastResort() throws IOException {
    mesh(2, true);
    for (int port = 9001; port <= 9003; port++) eject(endpoint(port));
    assertThat(cluster.pick(io.mesh4j.lb.PickContext.EMPTY).hasEndpoint()).isFalse();
    transport.answer(200);

    assertThat(loop().run(target, "GET", false, true, transport)).isEqualTo(200);
    assertThat(target.lastResorts).containsExactly(endpoint(9001));
  }

  @Test
  void notWhenAnAttemptReachedAServer() {
    mesh(3, false);
    Endpoint ejected = endpoint(9001);
    eject(ejected);
    transport.answer(503).fail().fail();

    Ended e = catchThrowableOfType(Ended.class, () -> loop().run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.UPSTREAM_FAILURE);
    assertThat(transport.endpoints).doesNotContain(ejected);
    assertThat(target.lastResorts).isEmpty();
    assertThat(e.detail).doesNotContain("last-resort");
  }

  @Test
  void boundedByTheAttemptLimit() {
    mesh(2, false);
    Endpoint ejected = endpoint(9001);
    eject(ejected);
    transport.fail().fail();

    Ended e = catchThrowableOfType(Ended.class, () -> loop().run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.UPSTREAM_FAILURE);
    assertThat(e.attempts).isEqualTo(2);
    assertThat(transport.endpoints).doesNotContain(ejected);
    assertThat(target.lastResorts).isEmpty();
  }

  @Test
  void boundedByTheRetryBudget() {
    mesh(3, false);
    Endpoint ejected = endpoint(9001);
    eject(ejected);
    target.budget = RetryBudget.create(new RetryConfig.Budget(0, 1), time);
    transport.fail().fail();

    Ended e = catchThrowableOfType(Ended.class, () -> loop().run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.BUDGET_EXHAUSTED);
    assertThat(transport.endpoints).hasSize(2).doesNotContain(ejected);
    assertThat(target.lastResorts).isEmpty();
  }

  @Test
  void aFailedLastResortIsNamedInTheFailure() {
    mesh(3, false);
    eject(endpoint(9001));
    transport.fail().fail().fail();

    Ended e = catchThrowableOfType(Ended.class, () -> loop().run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.UPSTREAM_FAILURE);
    assertThat(e.sent).isFalse();
    assertThat(e.detail).endsWith("; 1 last-resort attempt at ejected endpoints");
  }

  private final class Target implements AttemptTarget, AttemptObserver {
    final List<Endpoint> lastResorts = new ArrayList<>();
    final List<Boolean> observedLastResort = new ArrayList<>();
    RetryBudget budget = RetryBudget.unlimited();

    @Override public Cluster cluster() { return cluster; }
    @Override public ClusterCircuitBreaker breaker() { return breaker; }
    @Override public RetryBudget budget() { return budget; }
    @Override public RetryPolicy retry() { return RetryPolicy.of(retry); }
    @Override public Backoff backoff() {
      return Backoff.of(new RetryConfig.Backoff(Duration.ZERO, Duration.ZERO),
          java.util.concurrent.ThreadLocalRandom.current());
    }
    @Override public long timeoutNanos() { return Duration.ofSeconds(30).toNanos(); }
    @Override public long perTryTimeoutNanos() { return 0; }
    @Override public void attempted(Endpoint endpoint) {}
    @Override public void retried(RetryDecision reason) {}
    @Override public void rejected(Admission admission) {}
    @Override public void budgetExhausted() {}
    @Override public void lastResort(Endpoint endpoint) { lastResorts.add(endpoint); }

    @Override public Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge,
        String retryReason) {
      throw new AssertionError("the loop calls the five-argument form");
    }

    @Override public Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge,
        String retryReason, boolean lastResort) {
      observedLastResort.add(lastResort);
      return null;
    }

    @Override public void attemptEnded(Object token, int status, Failure failure,
        boolean requestSent, long latencyNanos) {}
  }

  /** Attempts answer with a status or are refused, in script order; they never leave. */
  private static final class Script implements Transport<Integer> {
    final Deque<Integer> script = new ArrayDeque<>();
    final List<Endpoint> endpoints = new ArrayList<>();

    Script answer(int status) {
      script.add(status);
      return this;
    }

    Script fail() {
      script.add(0);
      return this;
    }

    @Override public Transport.Attempt<Integer> prepare(Endpoint endpoint, long timeoutNanos) {
      endpoints.add(endpoint);
      return new Transport.Attempt<>() {
        boolean left;

        @Override public void start(Transport.Callback<Integer> callback) {
          int status = script.removeFirst();
          if (status == 0) {
            callback.onFailure(refused());
          } else {
            left = true;
            callback.onHeaders(status);
          }
        }

        @Override public void cancel() {}
        @Override public boolean requestLeft() { return left; }
      };
    }

    @Override public int status(Integer response) { return response; }
    @Override public String header(Integer response, String name) { return null; }
    @Override public void discard(Integer response) {}
    @Override public Failure classify(IOException e, boolean requestLeft) {
      return requestLeft ? Failure.RESET : Failure.CONNECT_FAILURE;
    }
    @Override public boolean isDeadline(IOException e) { return false; }
    @Override public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
        String detail, IOException cause) {
      return new Ended(end, sent, attempts, detail);
    }
  }

  private static final class Ended extends IOException {
    final AttemptEnd end;
    final boolean sent;
    final int attempts;
    final String detail;

    Ended(AttemptEnd end, boolean sent, int attempts, String detail) {
      super(end.name());
      this.end = end;
      this.sent = sent;
      this.attempts = attempts;
      this.detail = detail == null ? "" : detail;
    }
  }
}
