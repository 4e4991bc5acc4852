package io.mesh4j.internal.client;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.internal.resilience.Admission;
import io.mesh4j.internal.resilience.ClusterCircuitBreaker;
import io.mesh4j.internal.resilience.RetryAfter;
import io.mesh4j.internal.resilience.RetryDecision;
import io.mesh4j.internal.resilience.RetryPolicy;
import io.mesh4j.route.RequestView;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * The attempt loop of one client call: budget → breaker → pick → attempt → exactly one outcome
 * report → retry decision → backoff, over the adapter's {@link Transport}. Also the {@link
 * PickContext} the pickers see (the request, and the endpoints already tried).
 *
 * <h2>What each attempt reports, exactly once</h2>
 *
 * An attempt is <em>finished</em> when its response headers arrive or it fails. At that point, on
 * every path (response, exception, timeout, cancellation), {@link #report} runs once: {@link
 * Endpoint#requestFinished()} pairs the {@link Endpoint#requestStarted()} made just before
 * sending; {@link Cluster#onOutcome} gets the status or failure and the latency (endpoint state,
 * outlier detection, least-request counts, meters, events); the cluster's breaker gets {@code
 * onComplete} for the permit it granted. A permit whose attempt is never sent (no endpoint) is
 * released. A response carrying {@code x-mesh-draining: true} ejects its endpoint at once.
 *
 * <h2>Time and cancellation</h2>
 *
 * Each attempt is bounded by the time left before the overall deadline and, when set, by the
 * per-try timeout, which a task on the injected {@link Scheduler} enforces by cancelling that
 * attempt only (a late timer cannot hit a later attempt). Backoff waits park the calling thread
 * until the scheduler's wake-up; {@link #cancel()} (the caller cancelling) cancels the attempt in
 * flight and wakes a waiting thread.
 *
 * <p>Created per call and confined to the thread running it, except {@link #cancel()} and the
 * volatile state the timer and wake-up tasks touch.
 */
public final class AttemptLoop implements PickContext {
  /** The response header by which an upstream says it is draining. */
  public static final String DRAINING_HEADER = "x-mesh-draining";

  /** Attempt phases, kept as {@code attemptNumber << 2 | state} so a late timer cannot hit a later attempt. */
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int TIMED_OUT = 3;

  private static final AtomicIntegerFieldUpdater<AttemptLoop> PHASE =
      AtomicIntegerFieldUpdater.newUpdater(AttemptLoop.class, "phase");

  private final RequestView request;
  private final Ticker ticker;
  private final Clock clock;
  private final Scheduler scheduler;

  private Endpoint tried0;
  private Endpoint[] triedMore;
  private int triedCount;

  private volatile boolean canceled;
  private volatile Transport<?> transport;
  private volatile int phase;
  private volatile Thread waiter;
  private volatile int woken;
  private int waitGeneration;

  /** A loop for one call of {@code request}, timed by {@code ticker} and {@code scheduler}. */
  public AttemptLoop(RequestView request, Ticker ticker, Clock clock, Scheduler scheduler) {
    this.request = request;
    this.ticker = ticker;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  @Override
  public RequestView request() {
    return request;
  }

  @Override
  public boolean alreadyTried(Endpoint endpoint) {
    if (triedCount == 0) return false;
    if (tried0 == endpoint) return true;
    for (int i = 0; i < triedCount - 1; i++) {
      if (triedMore[i] == endpoint) return true;
    }
    return false;
  }

  private void recordTried(Endpoint e) {
    if (alreadyTried(e)) return;
    if (triedCount == 0) {
      tried0 = e;
    } else {
      if (triedMore == null) triedMore = new Endpoint[4];
      if (triedCount - 1 == triedMore.length) triedMore = Arrays.copyOf(triedMore, triedMore.length * 2);
      triedMore[triedCount - 1] = e;
    }
    triedCount++;
  }

  /** The caller cancelled: cancels the attempt in flight and wakes a wait. Any thread. */
  public void cancel() {
    canceled = true;
    Transport<?> t = transport;
    if (t != null) t.cancel();
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
  }

  /** Whether the caller cancelled. */
  public boolean isCanceled() {
    return canceled;
  }

  /**
   * Whether the attempt being started must be cancelled at once: the caller cancelled, or its
   * per-try timer fired before the transport could make it cancellable.
   */
  public boolean abandoned() {
    return canceled || (phase & 3) == TIMED_OUT;
  }

  /**
   * Runs the attempts of one call to {@code target}. Returns the response to hand back, or throws
   * the {@link Transport#end} exception (or a {@link RuntimeException} a transport threw, after
   * reporting that attempt as {@link Failure#OTHER}).
   *
   * @param method the request method (upper case), for the retry policy's idempotency rule
   * @param hasIdempotencyKey whether the request carries an {@code Idempotency-Key}
   * @param replayable whether the request body can be sent again
   */
  public <R> R run(AttemptTarget target, String method, boolean hasIdempotencyKey,
      boolean replayable, Transport<R> transport) throws IOException {
    this.transport = transport;
    Cluster cluster = target.cluster();
    ClusterCircuitBreaker breaker = target.breaker();
    target.budget().onRequest();
    long deadline = saturatedAdd(ticker.read(), target.timeoutNanos());
    long perTry = target.perTryTimeoutNanos();
    R held = null; // the last attempt's response, kept while deciding on a retry
    R result = null;
    IOException lastError = null;
    Failure lastFailure = Failure.NONE;
    boolean sent = false;
    int attemptNo = 0;
    try {
      while (true) {
        if (canceled) throw transport.end(AttemptEnd.CANCELLED, sent, lastFailure, attemptNo, null, lastError);
        long remaining = deadline - ticker.read();
        if (remaining <= 0) {
          if (held != null) return result = held;
          throw transport.end(AttemptEnd.TIMEOUT, sent, lastFailure, attemptNo, null, lastError);
        }
        Admission admission = breaker.tryAcquire();
        if (!admission.admitted()) {
          target.rejected(admission);
          if (held != null) return result = held;
          AttemptEnd end = admission == Admission.REJECTED_CIRCUIT_OPEN
              ? AttemptEnd.CIRCUIT_OPEN : AttemptEnd.CONCURRENCY_LIMIT;
          throw transport.end(end, sent, lastFailure, attemptNo, null, lastError);
        }
        PickResult pick = cluster.pick(this);
        if (!pick.hasEndpoint()) {
          breaker.release();
          if (held != null) return result = held;
          throw transport.end(AttemptEnd.NO_HEALTHY_ENDPOINT, sent, lastFailure, attemptNo, null, lastError);
        }
        if (held != null) {
          transport.discard(held);
          held = null;
        }
        Endpoint endpoint = pick.endpoint();
        attemptNo++;

        // ---- one attempt
        try {
          transport.prepare(endpoint, remaining);
        } catch (RuntimeException e) {
          breaker.release();
          throw e;
        }
        int running = attemptNo << 2 | RUNNING;
        phase = running;
        Scheduler.Cancellable timer = null;
        if (perTry > 0 && perTry < remaining) {
          final int gen = attemptNo;
          timer = scheduler.schedule(() -> perTryTimedOut(gen), Duration.ofNanos(perTry));
        }
        recordTried(endpoint);
        target.attempted(endpoint);
        endpoint.requestStarted();
        long t0 = ticker.read();
        R response = null;
        IOException error = null;
        try {
          response = transport.send();
        } catch (IOException e) {
          error = e;
        } catch (RuntimeException | Error e) {
          PHASE.set(this, attemptNo << 2 | DONE);
          if (timer != null) timer.cancel();
          report(cluster, breaker, endpoint, 0, Failure.OTHER, ticker.read() - t0);
          throw e;
        }
        long latency = ticker.read() - t0;
        boolean timedOut = !PHASE.compareAndSet(this, running, attemptNo << 2 | DONE);
        if (timer != null) timer.cancel();
        if (timedOut && response != null) {
          transport.discard(response);
          response = null;
          error = new SocketTimeoutException("per_try_timeout");
        }

        int status = 0;
        Failure failure;
        boolean overall = false;
        boolean left = transport.requestLeft();
        if (response != null) {
          status = transport.status(response);
          failure = Failure.NONE;
        } else if (canceled) {
          failure = Failure.CANCELLED;
        } else if (timedOut) {
          failure = Failure.TIMEOUT;
        } else if (transport.isDeadline(error)) {
          failure = Failure.TIMEOUT;
          overall = true;
        } else {
          failure = transport.classify(error, left);
        }
        sent |= response != null || (left && !failure.neverSent());

        report(cluster, breaker, endpoint, status, failure, latency);
        if (response != null && "true".equalsIgnoreCase(transport.header(response, DRAINING_HEADER))) {
          ClusterInternals.ejectNow(cluster, endpoint, EjectionReason.DRAINING);
        }
        // ---- attempt reported

        if (canceled) {
          if (response != null) transport.discard(response);
          throw transport.end(AttemptEnd.CANCELLED, sent, failure, attemptNo, null, error);
        }
        lastFailure = failure;
        lastError = error;
        if (overall) throw transport.end(AttemptEnd.TIMEOUT, sent, failure, attemptNo, null, error);
        int grpc = response == null
            ? RetryPolicy.NO_GRPC_STATUS
            : RetryPolicy.parseGrpcStatus(transport.header(response, "grpc-status"));
        RetryDecision decision =
            target.retry().decide(attemptNo, method, hasIdempotencyKey, replayable, status, failure, grpc);
        if (!decision.retry()) {
          if (response != null) return result = response;
          throw transport.end(AttemptEnd.UPSTREAM_FAILURE, sent, failure, attemptNo,
              timedOut ? "per_try_timeout; " + decision.reason() : decision.reason(), error);
        }
        held = response;
        long retryAfter = response == null
            ? RetryAfter.ABSENT
            : RetryAfter.parseNanos(transport.header(response, "Retry-After"), clock.millis());
        long delay = target.backoff().delayNanos(attemptNo, retryAfter);
        if (ticker.read() + delay - deadline >= 0) {
          if (held != null) return result = held;
          throw transport.end(AttemptEnd.TIMEOUT, sent, failure, attemptNo,
              "no time left for another try", error);
        }
        if (!target.budget().tryWithdraw()) {
          target.budgetExhausted();
          if (held != null) return result = held;
          throw transport.end(AttemptEnd.BUDGET_EXHAUSTED, sent, failure, attemptNo, null, error);
        }
        target.retried(decision);
        boolean awake;
        try {
          awake = await(delay);
        } catch (InterruptedIOException e) {
          throw transport.end(AttemptEnd.CANCELLED, sent, failure, attemptNo,
              "interrupted while waiting to retry", e);
        }
        if (!awake) throw transport.end(AttemptEnd.CANCELLED, sent, failure, attemptNo, null, error);
      }
    } finally {
      if (held != null && held != result) transport.discard(held);
      this.transport = null;
    }
  }

  /** The one outcome report of a finished attempt. */
  private static void report(Cluster cluster, ClusterCircuitBreaker breaker, Endpoint endpoint,
      int status, Failure failure, long latency) {
    endpoint.requestFinished();
    ClusterInternals.onOutcome(cluster, endpoint, status, failure, latency);
    breaker.onComplete(status, failure, latency);
  }

  private void perTryTimedOut(int gen) {
    if (PHASE.compareAndSet(this, gen << 2 | RUNNING, gen << 2 | TIMED_OUT)) {
      Transport<?> t = transport;
      if (t != null) t.cancel();
    }
  }

  /**
   * Waits {@code nanos} on the scheduler, or until the call is cancelled. Returns false when
   * cancelled. As a safety net against a scheduler that never runs the wake-up (a closed mesh),
   * the wait also ends after twice the delay plus one second of real time.
   *
   * @throws InterruptedIOException when the thread is interrupted (its flag stays set)
   */
  public boolean await(long nanos) throws InterruptedIOException {
    if (canceled) return false;
    if (nanos <= 0) return true;
    final int gen = ++waitGeneration;
    waiter = Thread.currentThread();
    Scheduler.Cancellable task = scheduler.schedule(() -> wake(gen), Duration.ofNanos(nanos));
    long cap = nanos > (Long.MAX_VALUE - 1_000_000_000L) / 2 ? Long.MAX_VALUE : 2 * nanos + 1_000_000_000L;
    long safetyStart = System.nanoTime();
    try {
      while (woken != gen && !canceled) {
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
        long left = cap - (System.nanoTime() - safetyStart);
        if (left <= 0) break;
        LockSupport.parkNanos(this, left);
      }
    } finally {
      waiter = null;
      task.cancel();
    }
    return !canceled;
  }

  private void wake(int gen) {
    woken = gen;
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
