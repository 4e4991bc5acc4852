package io.mesh4j.internal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.Backoff;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryBudget;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt loop over a scripted transport, without any HTTP client: each attempt is reported
 * exactly once (endpoint, cluster, breaker), retries go to another endpoint, the per-try timeout
 * cancels only its attempt, and every way of giving up ends through the transport.
 */
class AttemptLoopTest {
  static final String CONFIG =
      """
      version: 1
      service: shop
      clusters:
        - name: a
          endpoints: [{ address: 127.0.0.1:9001 }, { address: 127.0.0.1:9002 }]
          retry: { attempts: 3, retry_on: [5xx, connect-failure, reset], per_try_timeout: 1s }
      """;

  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(CONFIG)).ticker(time).scheduler(time)
      .meterRegistry(registry).build();
  final Cluster cluster = mesh.cluster("a");
  final ClusterCircuitBreaker breaker =
      ClusterCircuitBreaker.create("a", null, time, time);
  final RetryConfig retry = mesh.current().config().clusters().get(0).retry();
  final Target target = new Target();
  final Script transport = new Script();
  final AttemptLoop loop = new AttemptLoop(null, time, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), time);

  @AfterEach
  void close() {
    mesh.close();
  }

  @Test
  void aRetriedFailureGoesToAnotherEndpointAndEachAttemptIsReportedOnce() throws IOException {
    transport.then(() -> 503).then(() -> 200);

    Integer response = loop.run(target, "GET", false, true, transport);

    assertThat(response).isEqualTo(200);
    assertThat(transport.endpoints).hasSize(2).doesNotHaveDuplicates();
    assertThat(transport.discarded).containsExactly(503);
    assertThat(target.retries).containsExactly(RetryDecision.RETRY_STATUS);
    assertThat(attempts(MeshMetricNames.FAILURE)).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void connectFailuresOnEveryTryEndAsUpstreamFailureNeverSent() {
    transport.thenFail(() -> new ConnectException("refused")).thenFail(() -> new ConnectException("refused"))
        .thenFail(() -> new ConnectException("refused"));

    Ended e = catchThrowableOfType(Ended.class,
        () -> loop.run(target, "POST", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.UPSTREAM_FAILURE);
    assertThat(e.attempts).isEqualTo(3);
    assertThat(e.sent).isFalse();
    assertThat(e.failure).isEqualTo(Failure.CONNECT_FAILURE);
    assertThat(attempts(MeshMetricNames.FAILURE)).isEqualTo(3);
    assertEverythingReleased();
  }

  @Test
  void thePerTryTimeoutCancelsOnlyItsAttemptAndTheNextTryAnswers() throws IOException {
    transport.then(() -> {
      time.advance(Duration.ofSeconds(2)); // the per-try timer fires while the attempt runs
      return 200;
    }).then(() -> 200);

    Integer response = loop.run(target, "GET", false, true, transport);

    assertThat(response).isEqualTo(200);
    assertThat(transport.cancels).isEqualTo(1);
    assertThat(transport.discarded).containsExactly(200);
    assertThat(attempts(MeshMetricNames.FAILURE)).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void aTransportThatThrowsIsReportedAsOneFailedAttemptAndTheExceptionSurfaces() {
    transport.then(() -> {
      throw new IllegalStateException("bug");
    });

    IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
        () -> loop.run(target, "GET", false, true, transport));

    assertThat(e).hasMessage("bug");
    assertThat(attempts(MeshMetricNames.FAILURE)).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void anAttemptThatCannotBePreparedReleasesItsPermitWithoutAReport() {
    transport.prepareFails = true;

    catchThrowableOfType(IllegalArgumentException.class,
        () -> loop.run(target, "GET", false, true, transport));

    assertThat(attempts(MeshMetricNames.FAILURE)).isZero();
    assertThat(attempts(MeshMetricNames.SUCCESS)).isZero();
    assertThat(transport.endpoints).isEmpty();
    assertEverythingReleased();
  }

  @Test
  void aCancelDuringAnAttemptEndsTheCallCancelledAndDiscardsItsResponse() {
    transport.then(() -> {
      loop.cancel();
      return 200;
    });

    Ended e = catchThrowableOfType(Ended.class,
        () -> loop.run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.CANCELLED);
    assertThat(transport.cancels).isEqualTo(1);
    assertThat(transport.discarded).containsExactly(200);
    assertEverythingReleased();
  }

  @Test
  void anOpenBreakerRefusesBeforeAnyPick() {
    for (int i = 0; i < 2000 && breaker.tryAcquire().admitted(); i++) {
      // hold every concurrency slot
    }
    Ended e = catchThrowableOfType(Ended.class,
        () -> loop.run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.CONCURRENCY_LIMIT);
    assertThat(target.rejected).containsExactly(Admission.REJECTED_CONCURRENCY_LIMIT);
    assertThat(transport.endpoints).isEmpty();
  }

  // ------------------------------------------------------------------ asynchronous driver

  @Test
  void anAsynchronousCallWaitsOutItsBackoffOnTheSchedulerWithoutHoldingAThread() {
    target.backoff = Duration.ofMillis(100);
    Deferred deferred = new Deferred();
    Done done = new Done();
    int meshTasks = time.pendingTasks(); // the mesh's own periodic tasks

    loop.start(target, "GET", false, true, deferred, done);
    assertThat(deferred.started).hasSize(1);
    deferred.started.removeFirst().onHeaders(503);

    // the loop returned: the backoff is a task on the scheduler, the second try not started yet
    assertThat(deferred.started).isEmpty();
    assertThat(time.pendingDelays()).contains(Duration.ofMillis(100));
    assertThat(time.pendingTasks()).isEqualTo(meshTasks + 1);
    assertThat(done.calls.get()).isZero();
    time.advance(Duration.ofMillis(99));
    assertThat(deferred.started).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(deferred.started).hasSize(1);
    deferred.started.removeFirst().onHeaders(200);

    assertThat(done.calls.get()).isEqualTo(1);
    assertThat(done.response).isEqualTo(200);
    assertThat(deferred.discarded).containsExactly(503);
    assertThat(deferred.endpoints).hasSize(2).doesNotHaveDuplicates();
    assertThat(time.pendingTasks()).isEqualTo(meshTasks);
    assertEverythingReleased();
  }

  @Test
  void aCancelDuringAnAsynchronousBackoffEndsTheCallAtOnceWithTheLastFailure() {
    target.backoff = Duration.ofSeconds(5);
    Deferred deferred = new Deferred();
    Done done = new Done();
    int meshTasks = time.pendingTasks();
    loop.start(target, "GET", false, true, deferred, done);
    deferred.started.removeFirst().onFailure(new ConnectException("refused"));

    loop.cancel();

    assertThat(done.calls.get()).isEqualTo(1);
    assertThat(done.failure).isInstanceOf(Ended.class);
    Ended e = (Ended) done.failure;
    assertThat(e.end).isEqualTo(AttemptEnd.CANCELLED);
    assertThat(e.failure).isEqualTo(Failure.CONNECT_FAILURE);
    assertThat(time.pendingTasks()).isEqualTo(meshTasks);
    time.advance(Duration.ofSeconds(10));
    assertThat(deferred.endpoints).hasSize(1);
    assertThat(done.calls.get()).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void aSecondEndOfTheSameAttemptIsIgnoredAndItsResponseDiscarded() {
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    Transport.Callback<Integer> attempt = deferred.started.removeFirst();

    attempt.onHeaders(200);
    attempt.onHeaders(201);
    attempt.onFailure(new ConnectException("late"));

    assertThat(done.calls.get()).isEqualTo(1);
    assertThat(done.response).isEqualTo(200);
    assertThat(deferred.discarded).containsExactly(201);
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.FAILURE)).isZero();
    assertEverythingReleased();
  }

  @Test
  void theObserverSeesEveryAttemptStartAndEndOnceIncludingATimedOutAndACancelledOne() {
    List<String> seen = new ArrayList<>();
    loop.observe(new AttemptObserver() {
      @Override public Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge,
          String retryReason) {
        seen.add("start " + attempt + (retryReason == null ? "" : " after " + retryReason));
        return attempt;
      }

      @Override public void attemptEnded(Object token, int status, Failure failure,
          boolean requestSent, long latency) {
        seen.add("end " + token + " " + status + " " + failure);
      }
    });
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofSeconds(1)); // the per-try timeout cancels the first attempt
    assertThat(deferred.cancels).isEqualTo(1);
    deferred.started.removeFirst().onFailure(new IOException("Canceled"));
    loop.cancel(); // the second attempt is in flight
    assertThat(deferred.cancels).isEqualTo(2);
    deferred.started.removeFirst().onFailure(new IOException("Canceled"));

    assertThat(seen).containsExactly(
        "start 1", "end 1 0 TIMEOUT", "start 2 after per-try-timeout", "end 2 0 CANCELLED");
    assertThat(((Ended) done.failure).end).isEqualTo(AttemptEnd.CANCELLED);
    assertEverythingReleased();
  }

  // ------------------------------------------------------------------ hedging

  /** Records each attempt's start and end as "start N [hedge]" / "end N status failure". */
  private List<String> observeAttempts() {
    List<String> seen = new ArrayList<>();
    loop.observe(new AttemptObserver() {
      @Override public Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge,
          String retryReason) {
        seen.add("start " + attempt + (hedge ? " hedge" : ""));
        return attempt;
      }

      @Override public void attemptEnded(Object token, int status, Failure failure,
          boolean requestSent, long latency) {
        seen.add("end " + token + " " + status + " " + failure);
      }
    });
    return seen;
  }

  @Test
  void aHedgeGoesToAnotherEndpointAfterTheDelayAndTheFirstAnswerWinsTheLoserReportedCancelled() {
    target.maxHedges = 1;
    List<String> seen = observeAttempts();
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofMillis(19));
    assertThat(deferred.started).hasSize(1);

    time.advance(Duration.ofMillis(1));

    assertThat(deferred.started).hasSize(2);
    assertThat(deferred.endpoints).hasSize(2).doesNotHaveDuplicates();
    assertThat(target.hedges).containsExactly(deferred.endpoints.get(1));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    Transport.Callback<Integer> hedge = deferred.started.removeFirst();
    hedge.onHeaders(200);
    assertThat(done.response).isEqualTo(200);
    assertThat(deferred.cancels).isEqualTo(1); // the first attempt, now the loser
    first.onFailure(new IOException("Canceled"));

    assertThat(done.calls.get()).isEqualTo(1);
    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 0 CANCELLED");
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.FAILURE)).isZero();
    assertEverythingReleased();
  }

  @Test
  void aBlockingSendOfAHedgingCallRunsOnTheCallersThreadAndItsHedgeStartsElsewhereAndWinsAtOnce()
      throws Exception {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(null);
    CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
    assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(blocking.startThreads).containsExactly(caller);

    time.advance(Duration.ofMillis(20)); // the hedge timer fires on this thread

    assertThat(blocking.detachedThreads).containsExactly(Thread.currentThread());
    assertThat(target.hedges).hasSize(1);
    blocking.detached.removeFirst().onHeaders(200);

    assertThat(caller.result(10)).isEqualTo(200); // the caller's own send was cancelled
    assertThat(blocking.cancels.get()).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.FAILURE)).isZero(); // the loser: cancelled, no failure
    assertEverythingReleased();
  }

  @Test
  void aBlockingSendThatAnswersBeforeTheHedgeDelayNeedsNoOtherThread() throws IOException {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(200);

    assertThat(loop.run(target, "GET", false, true, blocking)).isEqualTo(200);
    time.advance(Duration.ofSeconds(1));

    assertThat(blocking.startThreads).containsExactly(Thread.currentThread());
    assertThat(blocking.detachedThreads).isEmpty();
    assertThat(target.hedges).isEmpty();
    assertEverythingReleased();
  }

  @Test
  void cancellingAHedgingCallWhileItsCallerIsInABlockingSendEndsIt() throws Exception {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(null);
    CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
    assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();

    loop.cancel();

    assertThat(((Ended) caller.failure(10)).end).isEqualTo(AttemptEnd.CANCELLED);
    time.advance(Duration.ofSeconds(1));
    assertThat(target.hedges).isEmpty();
    assertEverythingReleased();
  }

  @Test
  void aHedgeThatFailsWhileTheCallerSendsLeavesTheCallersAttemptToAnswer() throws Exception {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(null);
    CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
    assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();
    time.advance(Duration.ofMillis(20));
    blocking.detached.removeFirst().onFailure(new ConnectException("refused"));
    assertThat(caller.isAlive()).isTrue();

    blocking.answer(200);

    assertThat(caller.result(10)).isEqualTo(200);
    assertThat(blocking.startThreads).hasSize(1); // no retry: nothing left to try
    assertEverythingReleased();
  }

  @Test
  void aFirstAttemptBeatenByAHedgeFeedsTheHedgePercentileWithTheTimeItHadRun() {
    target.maxHedges = 1;
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofMillis(20));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    Transport.Callback<Integer> hedge = deferred.started.removeFirst();
    time.advance(Duration.ofMillis(5));

    hedge.onHeaders(200);
    first.onFailure(new IOException("Canceled"));

    assertThat(done.response).isEqualTo(200);
    // Not the hedge's own latency (hedges are not what the delay is a percentile of), but the
    // loser's 25 ms: a lower bound, past the hedge delay.
    assertThat(target.latencies).containsExactly(Duration.ofMillis(25).toNanos());
    assertEverythingReleased();
  }

  @Test
  void aHedgeIsNoSampleEvenWhenItAnswersAfterLosing() {
    target.maxHedges = 1;
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofMillis(20));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    Transport.Callback<Integer> hedge = deferred.started.removeFirst();
    time.advance(Duration.ofMillis(1));

    first.onHeaders(200);
    hedge.onHeaders(200); // a response that raced the cancel

    assertThat(done.response).isEqualTo(200);
    assertThat(target.latencies).containsExactly(Duration.ofMillis(21).toNanos());
    assertEverythingReleased();
  }

  /** A hedged GET whose hedge won: its transport, its completion, and its first attempt, still running. */
  private record HedgeWon(Deferred deferred, Done done, Transport.Callback<Integer> first) {}

  /**
   * Starts a GET that may hedge once on a transport that leaves losers; its hedge answers 200 at
   * 20 ms while the first attempt is still running.
   */
  private HedgeWon hedgeWins() {
    target.maxHedges = 1;
    Deferred deferred = new Deferred();
    deferred.leaves = true;
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofMillis(20));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    deferred.started.removeFirst().onHeaders(200);
    return new HedgeWon(deferred, done, first);
  }

  @Test
  void aLoserIsLeftToAnswerWhenTheTransportKeepsItsConnectionAndItsAnswerIsItsOutcome() {
    List<String> seen = observeAttempts();
    HedgeWon race = hedgeWins();
    Deferred deferred = race.deferred();
    Done done = race.done();
    Transport.Callback<Integer> first = race.first();

    assertThat(done.response).isEqualTo(200);
    assertThat(deferred.cancels).isZero(); // left running: its connection is not closed
    assertThat(deferred.endpoints.get(0).activeRequests()).isEqualTo(1); // still in flight there
    time.advance(Duration.ofMillis(5));
    first.onHeaders(200);

    assertThat(deferred.discarded).containsExactly(200); // discarded: the connection goes back
    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 200 NONE");
    // Its real latency is the percentile's sample, not a lower bound.
    assertThat(target.latencies).containsExactly(Duration.ofMillis(25).toNanos());
    assertThat(done.calls.get()).isEqualTo(1);
    time.advance(Duration.ofSeconds(2)); // its grace timer was cancelled: nothing more happens
    assertThat(deferred.cancels).isZero();
    assertEverythingReleased();
  }

  @Test
  void aLoserLeftRunningIsCancelledAfterAsLongAgainAsItHadRunAndThatIsNoFailureOfItsEndpoint() {
    List<String> seen = observeAttempts();
    HedgeWon race = hedgeWins();
    Deferred deferred = race.deferred();
    Transport.Callback<Integer> first = race.first();

    // The loser had run 20 ms when it lost: it gets 20 ms more.
    time.advance(Duration.ofMillis(20).minusNanos(1));
    assertThat(deferred.cancels).isZero();
    time.advance(Duration.ofNanos(1));
    assertThat(deferred.cancels).isEqualTo(1);
    first.onFailure(new IOException("Canceled"));

    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 0 CANCELLED");
    assertThat(attempts(MeshMetricNames.FAILURE)).isZero();
    assertEverythingReleased();
  }

  @Test
  void aLoserIsLeftRunningAtMostTheGraceHoweverLongTheCallTook() {
    target.maxHedges = 1;
    target.perTry = Duration.ofSeconds(10);
    target.hedgeDelay = Duration.ofSeconds(3);
    Deferred deferred = new Deferred();
    deferred.leaves = true;
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofSeconds(3));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    deferred.started.removeFirst().onHeaders(200); // won after 3 s

    time.advance(AttemptLoop.LOSER_GRACE.minusNanos(1));
    assertThat(deferred.cancels).isZero();
    time.advance(Duration.ofNanos(1));
    assertThat(deferred.cancels).isEqualTo(1);
    first.onFailure(new IOException("Canceled"));
    assertEverythingReleased();
  }

  @Test
  void aLoserWhosePerTryTimeoutComesBeforeTheGraceTimesOutAsAnyAttempt() {
    target.perTry = Duration.ofMillis(30); // 10 ms left when the hedge wins at 20 ms; grace 20 ms
    List<String> seen = observeAttempts();
    HedgeWon race = hedgeWins();
    Deferred deferred = race.deferred();
    Transport.Callback<Integer> first = race.first();

    time.advance(Duration.ofMillis(10));
    assertThat(deferred.cancels).isEqualTo(1); // the per-try timer
    first.onFailure(new IOException("Canceled"));

    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 0 TIMEOUT");
    time.advance(Duration.ofSeconds(1));
    assertThat(deferred.cancels).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void aLoserLeftRunningThatFailsOnItsOwnIsReportedAsThatFailure() {
    List<String> seen = observeAttempts();
    HedgeWon race = hedgeWins();
    Transport.Callback<Integer> first = race.first();

    first.onFailure(new ConnectException("reset")); // the transport classifies it

    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 0 CONNECT_FAILURE");
    assertThat(attempts(MeshMetricNames.FAILURE)).isEqualTo(1);
    assertThat(race.done().response).isEqualTo(200);
    assertEverythingReleased();
  }

  @Test
  void cancellingTheCallAfterItEndedCutsALoserLeftRunning() {
    List<String> seen = observeAttempts();
    HedgeWon race = hedgeWins();
    Deferred deferred = race.deferred();
    Transport.Callback<Integer> first = race.first();

    loop.cancel();
    assertThat(deferred.cancels).isEqualTo(1);
    first.onFailure(new IOException("Canceled"));

    assertThat(seen).containsExactly(
        "start 1", "start 2 hedge", "end 2 200 NONE", "end 1 0 CANCELLED");
    assertThat(race.done().calls.get()).isEqualTo(1);
    assertEverythingReleased();
  }

  @Test
  void aLoserIsNotLeftRunningPastTheCallsDeadline() {
    target.timeout = Duration.ofMillis(30); // less than the grace is left when the hedge wins
    HedgeWon race = hedgeWins();
    Deferred deferred = race.deferred();
    Transport.Callback<Integer> first = race.first();

    // No grace timer: the attempt's own deadline (the transport enforces it) ends it first.
    time.advance(Duration.ofSeconds(2));
    assertThat(deferred.cancels).isZero();
    assertThat(deferred.timeouts.get(0)).isLessThanOrEqualTo(Duration.ofMillis(30).toNanos());
    first.onFailure(new IOException("timeout"));
    assertEverythingReleased();
  }

  @Test
  void theCallersOwnBlockingSendIsCutWhenAHedgeWinsEvenIfLosersMayBeLeft() throws Exception {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(null);
    blocking.leaves = true;
    CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
    assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();
    time.advance(Duration.ofMillis(20));

    blocking.detached.removeFirst().onHeaders(200);

    assertThat(caller.result(10)).isEqualTo(200); // not held until its own attempt answers
    assertThat(blocking.cancels.get()).isEqualTo(1);
    assertThat(attempts(MeshMetricNames.FAILURE)).isZero();
    assertEverythingReleased();
  }

  @Test
  void aHedgeLeftRunningAfterTheCallersAttemptWonIsReportedWhenItAnswers() throws Exception {
    target.maxHedges = 1;
    Blocking blocking = new Blocking(null);
    blocking.leaves = true;
    CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
    assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();
    time.advance(Duration.ofMillis(20));
    Transport.Callback<Integer> hedge = blocking.detached.removeFirst();

    blocking.answer(200);

    assertThat(caller.result(10)).isEqualTo(200);
    assertThat(blocking.cancels.get()).isZero(); // the hedge is left to answer
    hedge.onHeaders(200);
    assertThat(attempts(MeshMetricNames.SUCCESS)).isEqualTo(2);
    assertEverythingReleased();
  }

  @Test
  void aHedgeDelayBeyondTheDeadlineArmsNoTimer() {
    target.maxHedges = 1;
    target.hedgeDelay = Duration.ofSeconds(30); // the call's timeout: the deadline comes first
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);

    assertThat(time.pendingDelays()).contains(Duration.ofSeconds(1)) // the per-try timer
        .doesNotContain(Duration.ofSeconds(30));
    deferred.started.removeFirst().onHeaders(200);
    assertThat(done.response).isEqualTo(200);
    assertThat(target.hedges).isEmpty();
  }

  @Test
  void aLostHedgeEndingWhileTheSynchronousCallerReturnsIsStillReported() throws Exception {
    target.maxHedges = 1;
    for (int i = 0; i < 200; i++) {
      AttemptLoop loop = new AttemptLoop(null, time, Clock.systemUTC(), time);
      Blocking blocking = new Blocking(null);
      CallerThread caller = new CallerThread(() -> loop.run(target, "GET", false, true, blocking));
      assertThat(blocking.blocked.await(10, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofMillis(20));
      Transport.Callback<Integer> hedge = blocking.detached.removeFirst();
      // The caller's attempt wins while another thread ends the hedge it cancels.
      Thread loser = new Thread(() -> hedge.onFailure(new IOException("Canceled")));
      blocking.answer(200);
      loser.start();

      assertThat(caller.result(10)).isEqualTo(200);
      loser.join(10_000);
      assertEverythingReleased();
    }
  }

  @Test
  void aRetriableAnswerWhileAHedgeIsInFlightWaitsForTheHedge() {
    target.maxHedges = 1;
    Deferred deferred = new Deferred();
    Done done = new Done();
    loop.start(target, "GET", false, true, deferred, done);
    time.advance(Duration.ofMillis(20));
    Transport.Callback<Integer> first = deferred.started.removeFirst();
    Transport.Callback<Integer> hedge = deferred.started.removeFirst();

    first.onHeaders(503);
    assertThat(done.calls.get()).isZero();
    assertThat(deferred.started).isEmpty(); // no retry: the hedge stands in for it
    hedge.onHeaders(200);

    assertThat(done.response).isEqualTo(200);
    assertThat(deferred.discarded).containsExactly(503);
    assertEverythingReleased();
  }

  @Test
  void aPostWithoutKeyIsNotHedged() {
    target.maxHedges = 1;
    Deferred deferred = new Deferred();
    loop.start(target, "POST", false, true, deferred, new Done());
    time.advance(Duration.ofSeconds(1));
    assertThat(deferred.started).hasSize(1);
    assertThat(target.hedges).isEmpty();
  }

  // ------------------------------------------------------------------ inherited deadline

  @Test
  void aCallWhoseInheritedDeadlineHasPassedSendsNothingAndIsNotRetried() {
    List<String> refused = new ArrayList<>();
    loop.observe(new AttemptObserver() {
      @Override public Object attemptStarted(Endpoint e, int attempt, boolean hedge, String reason) {
        throw new AssertionError("no attempt may start");
      }

      @Override public void attemptEnded(Object token, int status, Failure failure,
          boolean requestSent, long latency) { }

      @Override public void refused(String what) {
        refused.add(what);
      }
    });
    loop.deadline(time.read());

    Ended e = catchThrowableOfType(Ended.class, () -> loop.run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.DEADLINE_EXCEEDED);
    assertThat(e.attempts).isZero();
    assertThat(e.sent).isFalse();
    assertThat(transport.endpoints).isEmpty();
    assertThat(refused).containsExactly("deadline-exceeded");
    assertEverythingReleased();
  }

  @Test
  void theInheritedDeadlineBoundsEachAttemptWhenItIsSoonerThanTheRouteTimeout() {
    Deferred deferred = new Deferred();
    loop.deadline(time.read() + Duration.ofMillis(300).toNanos());
    loop.start(target, "GET", false, true, deferred, new Done());

    assertThat(deferred.timeouts).containsExactly(Duration.ofMillis(300).toNanos());
  }

  @Test
  void aLaterInheritedDeadlineLeavesTheRouteTimeoutInCharge() {
    Deferred deferred = new Deferred();
    loop.deadline(time.read() + Duration.ofMinutes(5).toNanos());
    loop.start(target, "GET", false, true, deferred, new Done());

    assertThat(deferred.timeouts).containsExactly(Duration.ofSeconds(30).toNanos());
  }

  @Test
  void aRetryThatWouldOutliveTheInheritedDeadlineIsNotSentAndTheCallEndsDeadlineExceeded() {
    loop.deadline(time.read() + Duration.ofMillis(300).toNanos());
    transport.thenFail(() -> {
      time.advance(Duration.ofMillis(400));
      return new ConnectException("refused");
    }).then(() -> 200);

    Ended e = catchThrowableOfType(Ended.class, () -> loop.run(target, "GET", false, true, transport));

    assertThat(e.end).isEqualTo(AttemptEnd.DEADLINE_EXCEEDED);
    assertThat(e.attempts).isEqualTo(1);
    assertThat(transport.endpoints).hasSize(1);
    assertEverythingReleased();
  }

  @Test
  void aBackoffThatWouldOutliveTheInheritedDeadlineHandsBackTheLastAnswer() throws IOException {
    target.backoff = Duration.ofMillis(500);
    loop.deadline(time.read() + Duration.ofMillis(300).toNanos());
    transport.then(() -> 503).then(() -> 200);

    Integer response = loop.run(target, "GET", false, true, transport);

    assertThat(response).isEqualTo(503);
    assertThat(transport.endpoints).hasSize(1);
    assertEverythingReleased();
  }

  @Test
  void theObserverLearnsTheRetryReasonAndWhetherEachAttemptWasSent() throws IOException {
    List<String> seen = new ArrayList<>();
    loop.observe(new AttemptObserver() {
      @Override public Object attemptStarted(Endpoint e, int attempt, boolean hedge, String reason) {
        seen.add("start " + attempt + " " + reason);
        return attempt;
      }

      @Override public void attemptEnded(Object token, int status, Failure failure,
          boolean requestSent, long latency) {
        seen.add("end " + token + " " + status + " sent=" + requestSent);
      }
    });
    transport.thenFail(() -> new ConnectException("refused")).then(() -> 503).then(() -> 200);

    assertThat(loop.run(target, "GET", false, true, transport)).isEqualTo(200);

    assertThat(seen).containsExactly(
        "start 1 null", "end 1 0 sent=false",
        "start 2 connect-failure", "end 2 503 sent=true",
        "start 3 status", "end 3 200 sent=true");
  }

  /** The call's end, as an asynchronous caller sees it. */
  private static final class Done implements AttemptLoop.Completion<Integer> {
    final AtomicInteger calls = new AtomicInteger();
    Integer response;
    Throwable failure;

    @Override public void complete(Integer response, Throwable failure) {
      calls.incrementAndGet();
      this.response = response;
      this.failure = failure;
    }
  }

  /**
   * A {@linkplain Transport#blocking blocking} transport: {@code start} answers {@code immediate}
   * at once when set, else blocks its thread until the test answers or the attempt is cancelled;
   * {@code startDetached} only records the callback.
   */
  private static final class Blocking implements Transport<Integer> {
    final Integer immediate;
    final List<Thread> startThreads = new CopyOnWriteArrayList<>();
    final List<Thread> detachedThreads = new CopyOnWriteArrayList<>();
    final Deque<Transport.Callback<Integer>> detached = new ConcurrentLinkedDeque<>();
    final CountDownLatch blocked = new CountDownLatch(1);
    final AtomicInteger cancels = new AtomicInteger();
    final BlockingQueue<Integer> answers = new LinkedBlockingQueue<>();

    Blocking(Integer immediate) {
      this.immediate = immediate;
    }

    /** Answers the blocked send with {@code status}. */
    void answer(int status) {
      answers.add(status);
    }

    /** {@link Transport#leavesLosers}. */
    boolean leaves;

    @Override public boolean blocking() { return true; }

    @Override public boolean leavesLosers() { return leaves; }

    @Override public Transport.Attempt<Integer> prepare(Endpoint endpoint, long timeoutNanos) {
      return new Transport.Attempt<>() {
        private static final int CANCELLED = -1;

        @Override public void start(Transport.Callback<Integer> callback) {
          startThreads.add(Thread.currentThread());
          if (immediate != null) {
            callback.onHeaders(immediate);
            return;
          }
          blocked.countDown();
          Integer status;
          try {
            status = answers.poll(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = null;
          }
          if (status == null || status == CANCELLED) callback.onFailure(new IOException("Canceled"));
          else callback.onHeaders(status);
        }

        @Override public void startDetached(Transport.Callback<Integer> callback) {
          detachedThreads.add(Thread.currentThread());
          detached.add(callback);
        }

        @Override public void cancel() {
          cancels.incrementAndGet();
          answers.add(CANCELLED);
        }

        @Override public boolean requestLeft() { return true; }
      };
    }

    @Override public int status(Integer response) { return response; }
    @Override public String header(Integer response, String name) { return null; }
    @Override public void discard(Integer response) { }
    @Override public Failure classify(IOException e, boolean requestLeft) { return Failure.CONNECT_FAILURE; }
    @Override public boolean isDeadline(IOException e) { return false; }

    @Override public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
        String detail, IOException cause) {
      return new Ended(end, sent, failure, attempts);
    }
  }

  /** A synchronous caller on a thread of its own. */
  private static final class CallerThread extends Thread {
    private final Callable<Integer> call;
    private final CompletableFuture<Integer> outcome = new CompletableFuture<>();

    CallerThread(Callable<Integer> call) {
      super("caller");
      this.call = call;
      setDaemon(true);
      start();
    }

    @Override public void run() {
      try {
        outcome.complete(call.call());
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    }

    Integer result(int seconds) throws Exception {
      return outcome.get(seconds, TimeUnit.SECONDS);
    }

    Throwable failure(int seconds) throws Exception {
      try {
        outcome.get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        return e.getCause();
      }
      throw new AssertionError("the call did not fail");
    }
  }

  /** A transport whose attempts end when the test says so. */
  private static final class Deferred implements Transport<Integer> {
    final Deque<Transport.Callback<Integer>> started = new ArrayDeque<>();
    final List<Endpoint> endpoints = new ArrayList<>();
    final List<Integer> discarded = new ArrayList<>();
    final List<Long> timeouts = new ArrayList<>();
    int cancels;
    /** {@link Transport#leavesLosers}. */
    boolean leaves;

    @Override public boolean leavesLosers() { return leaves; }

    @Override public Transport.Attempt<Integer> prepare(Endpoint endpoint, long timeoutNanos) {
      endpoints.add(endpoint);
      timeouts.add(timeoutNanos);
      return new Transport.Attempt<>() {
        @Override public void start(Transport.Callback<Integer> callback) { started.add(callback); }
        @Override public void cancel() { cancels++; }
        @Override public boolean requestLeft() { return false; }
      };
    }

    @Override public int status(Integer response) { return response; }
    @Override public String header(Integer response, String name) { return null; }
    @Override public void discard(Integer response) { discarded.add(response); }
    @Override public Failure classify(IOException e, boolean requestLeft) { return Failure.CONNECT_FAILURE; }
    @Override public boolean isDeadline(IOException e) { return false; }

    @Override public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
        String detail, IOException cause) {
      return new Ended(end, sent, failure, attempts);
    }
  }

  private void assertEverythingReleased() {
    assertThat(breaker.activeRequests()).isZero();
    for (Endpoint e : cluster.endpoints()) assertThat(e.activeRequests()).isZero();
  }

  private long attempts(String outcome) {
    return registry.get(MeshMetricNames.ATTEMPTS).tag(MeshMetricNames.TAG_OUTCOME, outcome).timer().count();
  }

  private final class Target implements AttemptTarget {
    final List<RetryDecision> retries = new ArrayList<>();
    final List<Admission> rejected = new ArrayList<>();

    @Override public Cluster cluster() { return cluster; }
    @Override public ClusterCircuitBreaker breaker() { return breaker; }
    @Override public RetryBudget budget() { return RetryBudget.unlimited(); }
    @Override public RetryPolicy retry() { return RetryPolicy.of(retry); }
    Duration backoff = Duration.ZERO;

    @Override public Backoff backoff() {
      // the jitter always draws the ceiling, so the wait is exactly `backoff`
      return Backoff.of(new RetryConfig.Backoff(backoff, backoff), new RandomGenerator() {
        @Override public long nextLong() { return 0; }
        @Override public long nextLong(long bound) { return bound - 1; }
      });
    }
    Duration timeout = Duration.ofSeconds(30);

    @Override public long timeoutNanos() { return timeout.toNanos(); }
    Duration perTry = Duration.ofSeconds(1);

    @Override public long perTryTimeoutNanos() { return perTry.toNanos(); }
    @Override public void attempted(Endpoint endpoint) { }
    @Override public void retried(RetryDecision reason) { retries.add(reason); }
    @Override public void rejected(Admission admission) { rejected.add(admission); }
    @Override public void budgetExhausted() { budgetRefusals++; }

    int maxHedges;
    int budgetRefusals;
    final List<Endpoint> hedges = new ArrayList<>();

    @Override public int maxHedges() { return maxHedges; }
    Duration hedgeDelay = Duration.ofMillis(20);

    @Override public long hedgeDelayNanos() { return hedgeDelay.toNanos(); }
    @Override public void hedged(Endpoint endpoint) { hedges.add(endpoint); }

    final List<Long> latencies = new ArrayList<>();

    @Override public void responded(long latencyNanos) { latencies.add(latencyNanos); }
  }

  private interface Step {
    Integer run() throws IOException;
  }

  /** A transport whose attempts follow a script; the response is its status code. */
  private static final class Script implements Transport<Integer> {
    final Deque<Step> script = new ArrayDeque<>();
    final List<Endpoint> endpoints = new ArrayList<>();
    final List<Integer> discarded = new ArrayList<>();
    boolean prepareFails;
    int cancels;

    Script then(Step a) {
      script.add(a);
      return this;
    }

    Script thenFail(Supplier<IOException> e) {
      return then(() -> {
        throw e.get();
      });
    }

    @Override public Transport.Attempt<Integer> prepare(Endpoint endpoint, long timeoutNanos) {
      if (prepareFails) throw new IllegalArgumentException("bad header");
      endpoints.add(endpoint);
      return new Transport.Attempt<>() {
        @Override public void start(Transport.Callback<Integer> callback) {
          Integer response;
          try {
            response = script.removeFirst().run();
          } catch (IOException e) {
            callback.onFailure(e);
            return;
          }
          callback.onHeaders(response);
        }

        @Override public void cancel() { cancels++; }
        @Override public boolean requestLeft() { return false; }
      };
    }

    @Override public int status(Integer response) { return response; }
    @Override public String header(Integer response, String name) { return null; }
    @Override public void discard(Integer response) { discarded.add(response); }

    @Override public Failure classify(IOException e, boolean requestLeft) {
      return requestLeft ? Failure.RESET : Failure.CONNECT_FAILURE;
    }

    @Override public boolean isDeadline(IOException e) { return false; }

    @Override public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
        String detail, IOException cause) {
      return new Ended(end, sent, failure, attempts);
    }
  }

  private static final class Ended extends IOException {
    final AttemptEnd end;
    final boolean sent;
    final Failure failure;
    final int attempts;

    Ended(AttemptEnd end, boolean sent, Failure failure, int attempts) {
      super(end.name());
      this.end = end;
      this.sent = sent;
      this.failure = failure;
      this.attempts = attempts;
    }
  }
}
