package io.mesh4j.internal.client;

import io.mesh4j.internal.EndpointInternals;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempt loop of one client call: budget → breaker → pick → attempt → exactly one outcome
 * report → retry decision → backoff, over the adapter's {@link Transport}. Also the {@link
 * PickContext} the pickers see (the request, and the endpoints already tried).
 *
 * <h2>A state machine driven by callbacks and timers</h2>
 *
 * The loop never waits inside itself. It starts an attempt ({@link Transport.Attempt#start}) and
 * returns; the attempt's end ({@link Transport.Callback}), the per-try timer, the backoff timer
 * (both on the injected {@link Scheduler}) and {@link #cancel()} each record what happened and
 * <em>signal</em> the loop, which then takes the next step: report the attempt, decide on a retry,
 * arm the backoff, start the next attempt, or end the call. Steps never run concurrently: a signal
 * that arrives while another thread is stepping only makes that thread step once more (a
 * work-in-progress counter, no lock), so the loop's own fields need no further synchronization.
 *
 * <p>Two drivers:
 *
 * <ul>
 *   <li>{@link #start}: asynchronous. Steps run on whichever thread signals (the caller for the first
 *       attempt, then the transport's callback thread or the scheduler's); the call's end goes to a
 *       {@link Completion}, exactly once. No thread is held between steps, so the transport's
 *       {@code start} must not block.
 *   <li>{@link #run}: synchronous (OkHttp's {@code execute()}, the servlet forwarder). The caller's
 *       thread does every step and waits once, parked, for the next signal between them (an
 *       attempt in flight, a backoff); signals from other threads only wake it. A transport may then
 *       complete an attempt on the caller's thread (a blocking send). A {@linkplain
 *       Transport#blocking blocking} transport's attempt of a call that may still hedge is sent
 *       by the caller's thread after its step, not inside it: while that send blocks, a signal from
 *       another thread (the hedge timer, a hedge's end, a cancel) takes the steps on that thread,
 *       and a hedge is started {@linkplain Transport.Attempt#startDetached detached}. So a call
 *       whose hedge never fires costs no thread hand-off, and one whose hedge wins ends as soon as
 *       the hedge answers (the caller's send is cancelled).
 * </ul>
 *
 * <h2>What each attempt reports, exactly once</h2>
 *
 * An attempt is <em>finished</em> when its response headers arrive or it fails. At that point, on
 * every path (response, exception, timeout, cancellation), {@link #report} runs once: {@link
 * Endpoint#requestFinished()} pairs the {@link Endpoint#requestStarted()} made just before
 * sending; {@link Cluster#onOutcome} gets the status or failure and the latency (endpoint state,
 * outlier detection, least-request counts, meters, events); the cluster's breaker gets {@code
 * onComplete} for the permit it granted. A permit whose attempt is never sent (no endpoint, or the
 * transport could not prepare it) is released. A response carrying {@code x-mesh-draining: true}
 * ejects its endpoint at once. A 503 carrying {@code x-mesh-overloaded: true} (the upstream shed
 * the request unprocessed) is the exception to the one report: the endpoint's request count and
 * the breaker's permit ({@link ClusterCircuitBreaker#onOverloaded}) are closed without an outcome (not an outlier or breaker failure, not a
 * latency sample), {@link AttemptTarget#overloaded} counts it, and {@link
 * RetryPolicy#decideOverloaded} decides the retry, which goes to another endpoint like any retry. An {@link AttemptObserver}, when set, sees each attempt start and
 * end.
 *
 * <h2>Time and cancellation</h2>
 *
 * The overall deadline is the target's {@code timeout} from the call's start, capped by {@link
 * #deadline} (the inbound request's deadline, when the call is made while serving one): a call
 * whose cap has already passed sends nothing and ends with {@link AttemptEnd#DEADLINE_EXCEEDED},
 * and no retry, backoff or hedge outlives the cap. Each attempt is bounded by the time left before the overall deadline (the transport enforces it)
 * and, when set, by the per-try timeout, whose timer cancels that attempt only (a late timer cannot
 * hit a later attempt). {@link #cancel()} (the caller cancelling) cancels the attempt in flight and
 * ends a backoff at once. A scheduler that never runs the backoff wake-up (a closed mesh) is
 * bounded for a synchronous caller by a safety cap of twice the delay plus one second of real time;
 * an asynchronous call relies on the scheduler (or the caller's cancel).
 *
 * <p>Created per call; one of {@link #run} or {@link #start} once. {@link #cancel()} from any
 * thread.
 */
public final class AttemptLoop implements PickContext {
  private static final Logger log = LoggerFactory.getLogger(AttemptLoop.class);

  /** The response header by which an upstream says it is draining. */
  public static final String DRAINING_HEADER = "x-mesh-draining";

  /**
   * The longest an attempt that lost to another one's response is left running to answer, so that
   * its connection goes back to the pool rather than being closed (an HTTP/1.1 exchange cannot be
   * cancelled otherwise). Within it, a loser gets as long again as it had run when it lost, and at
   * least the hedge delay (what an attempt usually takes): one that has not answered by then is
   * more likely stalled than about to answer, and is cancelled rather than left holding its
   * endpoint's and the breaker's count.
   */
  public static final Duration LOSER_GRACE = Duration.ofSeconds(1);

  /**
   * The response header (with status 503) by which a mesh4j upstream says it shed the request
   * unprocessed ({@code inbound.concurrency_limit}).
   */
  public static final String OVERLOADED_HEADER = "x-mesh-overloaded";

  private static final AtomicIntegerFieldUpdater<AttemptLoop> WIP =
      AtomicIntegerFieldUpdater.newUpdater(AttemptLoop.class, "wip");

  private final RequestView request;
  private final Ticker ticker;
  private final Clock clock;
  private final Scheduler scheduler;
  private AttemptObserver observer;

  private Endpoint tried0;
  private Endpoint[] triedMore;
  private int triedCount;

  private volatile boolean canceled;
  private volatile String cancelDetail;
  private volatile IOException cancelCause;
  /**
   * The thread of a synchronous {@link #run}, which alone takes steps (unless {@link
   * #ownerBlocked}); null when asynchronous.
   */
  private volatile Thread owner;
  /**
   * The owner is inside a blocking send ({@link Transport#blocking}) of a hedge-eligible attempt:
   * a signal from another thread then steps on that thread (a hedge is started detached).
   */
  private volatile boolean ownerBlocked;
  /** A blocking attempt the owner's step prepared, to send once the step is over; owner only. */
  private Try pendingSend;
  private volatile int wip;
  private volatile boolean finished;
  /** The task of {@link #after} (an asynchronous fault delay), if any. */
  private volatile Later later;
  /** The thread parked in {@link #await} (a fault delay), if any. */
  private volatile Thread waiter;
  private volatile int woken;
  private int waitGeneration;

  // The call, set by run()/start(); touched only while stepping.
  private AttemptTarget target;
  private Transport<Object> transport;
  private Completion<Object> completion;
  private String method;
  private boolean hasIdempotencyKey;
  private boolean replayable;
  private long deadline;
  /** The cap set by {@link #deadline(long)}, and whether there is one. */
  private long cap;
  private boolean capped;
  /** Whether the cap, not the target's timeout, bounds this call. */
  private boolean inherited;
  /** The cap had passed when the call started: nothing is sent. */
  private boolean expired;
  /** The reason of the retry about to be sent, for the observer. */
  private String retryReason;
  private int attemptNo;
  /** Attempts sent to ejected endpoints as a last resort. */
  private int lastResorts;
  private boolean sent;
  private Failure lastFailure = Failure.NONE;
  private IOException lastError;
  /** The last attempt's response, kept while deciding on a retry. */
  private Object held;
  /** The attempts in flight (a list through {@code Try.next}; more than one when hedging), or null. */
  private volatile Try flying;
  /** Hedges this call may still send; 0 when the route does not hedge or the request may not be. */
  private int hedgesLeft;
  private boolean hedgeArmed;
  private int hedgeGeneration;
  private volatile int hedgeDue;
  private Scheduler.Cancellable hedgeTask;
  private boolean backingOff;
  private long backoffNanos;
  private long backoffSince;
  private Scheduler.Cancellable backoffTask;

  // The call's end, for a synchronous run(): written before `finished`.
  private Object result;
  private Throwable failure;

  /** A loop for one call of {@code request}, timed by {@code ticker} and {@code scheduler}. */
  public AttemptLoop(RequestView request, Ticker ticker, Clock clock, Scheduler scheduler) {
    this.request = request;
    this.ticker = ticker;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /**
   * Where the call's end goes under {@link #start}: exactly one of {@code response} (to hand
   * back) or {@code failure} (the {@link Transport#end} exception, or a {@link RuntimeException}
   * the transport threw) is non-null. Called once, on the thread that took the last step.
   *
   * @param <R> the adapter's response type
   */
  public interface Completion<R> {
    /** The call ended. */
    void complete(R response, Throwable failure);
  }

  /**
   * Caps the call's overall deadline at {@code deadlineNanos} (a reading of this loop's ticker): the
   * inbound request's deadline. Before {@link #run} or {@link #start}.
   */
  public void deadline(long deadlineNanos) {
    this.cap = deadlineNanos;
    this.capped = true;
  }

  /** Sets the observer of each attempt (null: none). Before {@link #run} or {@link #start}. */
  public void observe(AttemptObserver observer) {
    this.observer = observer;
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

  /** Endpoints refused by the transport's policy ({@link Transport#refusedEndpoint}); rare. */
  private java.util.List<Endpoint> refused;

  private boolean isRefused(Endpoint e) {
    java.util.List<Endpoint> r = refused;
    if (r == null) return false;
    for (int i = 0; i < r.size(); i++) {
      if (r.get(i) == e) return true;
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

  /**
   * The caller cancelled: cancels the attempt in flight, ends a backoff and wakes a fault delay.
   * Any thread.
   */
  public void cancel() {
    canceled = true;
    for (Try t = flying; t != null; t = t.next) t.attempt.cancel();
    Thread w = waiter;
    if (w != null) LockSupport.unpark(w);
    Later l = later;
    if (l != null) l.run();
    signal();
  }

  /** Whether the caller cancelled. */
  public boolean isCanceled() {
    return canceled;
  }

  /**
   * Runs the attempts of one call to {@code target} on the calling thread, waiting for the call's
   * end. Returns the response to hand back, or throws the {@link Transport#end} exception (or a
   * {@link RuntimeException} the transport threw). An interrupt while waiting cancels the call
   * ({@code CANCELLED}, its flag stays set).
   *
   * @param method the request method (upper case), for the retry policy's idempotency rule
   * @param hasIdempotencyKey whether the request carries an {@code Idempotency-Key}
   * @param replayable whether the request body can be sent again
   */
  @SuppressWarnings("unchecked")
  public <R> R run(AttemptTarget target, String method, boolean hasIdempotencyKey,
      boolean replayable, Transport<R> transport) throws IOException {
    owner = Thread.currentThread();
    boolean interrupted = false;
    try {
      init(target, method, hasIdempotencyKey, replayable, transport, null);
      drainAndSend();
      while (!finished) {
        if (backingOff) {
          long cap = backoffNanos > (Long.MAX_VALUE - 1_000_000_000L) / 2
              ? Long.MAX_VALUE : 2 * backoffNanos + 1_000_000_000L;
          long left = cap - (System.nanoTime() - backoffSince);
          if (left <= 0) {
            woken = waitGeneration; // the scheduler never woke us: go on
          } else {
            LockSupport.parkNanos(this, left);
          }
        } else {
          LockSupport.park(this);
        }
        if (Thread.interrupted()) {
          interrupted = true;
          if (!canceled) {
            cancelDetail = "interrupted while waiting to retry";
            cancelCause = new InterruptedIOException("interrupted");
            cancel();
          }
        }
        drainAndSend();
      }
    } finally {
      owner = null;
      // A lost hedge that ended after the last step but before `owner` was cleared only woke this
      // thread: report it now (later ones step on their own thread).
      if (finished) drain();
      if (interrupted) Thread.currentThread().interrupt();
    }
    Throwable f = failure;
    if (f == null) return (R) result;
    if (f instanceof IOException e) throw e;
    if (f instanceof RuntimeException e) throw e;
    throw (Error) f;
  }

  /**
   * Starts the attempts of one call to {@code target} and returns; the call's end goes to {@code
   * done}, exactly once, possibly before this method returns. Parameters as for {@link #run}.
   */
  @SuppressWarnings("unchecked")
  public <R> void start(AttemptTarget target, String method, boolean hasIdempotencyKey,
      boolean replayable, Transport<R> transport, Completion<R> done) {
    init(target, method, hasIdempotencyKey, replayable, transport, (Completion<Object>) done);
    drain();
  }

  @SuppressWarnings("unchecked")
  private void init(AttemptTarget target, String method, boolean hasIdempotencyKey,
      boolean replayable, Transport<?> transport, Completion<Object> done) {
    if (this.transport != null) throw new IllegalStateException("the loop already ran");
    this.method = method;
    this.hasIdempotencyKey = hasIdempotencyKey;
    this.replayable = replayable;
    this.completion = done;
    long now = ticker.read();
    this.deadline = saturatedAdd(now, target.timeoutNanos());
    if (capped && cap - deadline < 0) {
      deadline = cap;
      inherited = true;
      expired = cap - now <= 0;
    }
    if (!expired) target.budget().onRequest();
    this.target = target;
    this.transport = (Transport<Object>) transport;
    int hedges = target.maxHedges();
    if (hedges > 0 && replayable && (hasIdempotencyKey || RetryPolicy.isIdempotent(method))) {
      hedgesLeft = hedges;
    }
  }

  /**
   * Something happened (an attempt ended, a timer fired, the caller cancelled): take the next
   * steps now, or have the thread that is stepping (or the synchronous owner) take them.
   */
  private void signal() {
    Thread o = owner;
    if (o != null && o != Thread.currentThread() && !ownerBlocked) {
      LockSupport.unpark(o);
      return;
    }
    drain();
  }

  /**
   * The owner's {@link #drain}, then the blocking sends its steps prepared: each outside any step,
   * with {@link #ownerBlocked} set so that the hedge timer (or a cancel) steps on its own thread
   * meanwhile.
   */
  private void drainAndSend() {
    drain();
    Try p;
    while ((p = pendingSend) != null) {
      pendingSend = null;
      ownerBlocked = true;
      try {
        drain(); // signals that came before ownerBlocked only woke this thread
        p.t0 = ticker.read();
        send(p, false);
      } finally {
        ownerBlocked = false;
      }
      drain();
    }
  }

  private void drain() {
    if (WIP.getAndIncrement(this) != 0) return;
    int missed = 1;
    do {
      try {
        step();
      } catch (RuntimeException | Error e) {
        // A bug in a step (or a target's counter): end the call rather than leave it hanging.
        if (!finished) finish(null, e);
        else log.warn("mesh4j: attempt loop step failed after the call ended", e);
      }
      missed = WIP.addAndGet(this, -missed);
    } while (missed != 0);
  }

  /** Takes every step possible now. Only one thread at a time. */
  private void step() {
    while (transport != null) {
      Try t = takeEnded();
      if (t != null) {
        ended(t);
        continue;
      }
      if (finished) return; // a lost hedge may still end: its report comes through here
      if (flying != null) {
        if (hedgeArmed && hedgeDue == hedgeGeneration && !canceled) {
          hedgeArmed = false;
          hedge();
          continue;
        }
        return; // wait for a callback or the hedge timer
      }
      if (canceled) {
        finish(null, transport.end(AttemptEnd.CANCELLED, sent, lastFailure, attemptNo,
            detail(cancelDetail), cancelCause != null ? cancelCause : lastError));
        return;
      }
      if (backingOff) {
        if (woken != waitGeneration) return; // wait for the timer
        backingOff = false;
        backoffTask = null;
      }
      next();
    }
  }

  /** The top of the loop: deadline, breaker, pick, then start one attempt (or end the call). */
  private void next() {
    AttemptTarget target = this.target;
    Transport<Object> transport = this.transport;
    if (expired) {
      expired = false;
      observeRefused("deadline-exceeded");
      finish(null, transport.end(AttemptEnd.DEADLINE_EXCEEDED, false, Failure.NONE, 0,
          "the deadline of the request being served passed before the call", null));
      return;
    }
    long remaining = deadline - ticker.read();
    if (remaining <= 0) {
      if (held != null) finishHeld();
      else finish(null, transport.end(timeoutEnd(), sent, lastFailure, attemptNo, detail(null), lastError));
      return;
    }
    ClusterCircuitBreaker breaker = target.breaker();
    Admission admission = breaker.tryAcquire();
    if (!admission.admitted()) {
      target.rejected(admission);
      observeRefused(admission == Admission.REJECTED_CIRCUIT_OPEN ? "circuit-open" : "concurrency-limit");
      if (held != null) {
        finishHeld();
        return;
      }
      AttemptEnd end = admission == Admission.REJECTED_CIRCUIT_OPEN
          ? AttemptEnd.CIRCUIT_OPEN : AttemptEnd.CONCURRENCY_LIMIT;
      finish(null, transport.end(end, sent, lastFailure, attemptNo, detail(null), lastError));
      return;
    }
    PickResult pick = target.cluster().pick(this);
    Endpoint endpoint = pick.hasEndpoint() ? pick.endpoint() : null;
    boolean lastResort = false;
    if (!sent && (endpoint == null || alreadyTried(endpoint))) {
      // Every usable endpoint failed this request before it left (or there is none): an ejected
      // endpoint is a better bet than failing, or than one that just refused the connection.
      Endpoint e = ClusterInternals.lastResort(target.cluster(), this);
      if (e != null) {
        endpoint = e;
        lastResort = true;
      }
    }
    if (endpoint == null) {
      breaker.release();
      if (held != null) finishHeld();
      else finish(null, transport.end(AttemptEnd.NO_HEALTHY_ENDPOINT, sent, lastFailure, attemptNo, detail(null), lastError));
      return;
    }
    if (refused != null && isRefused(pick.endpoint())) {
      // The picker offers an endpoint this call refused: no other is left. Never send it again.
      breaker.release();
      if (held != null) finishHeld();
      else finish(null, transport.end(AttemptEnd.UPSTREAM_FAILURE, sent, lastFailure, attemptNo,
          "no endpoint left whose identity was not refused", lastError));
      return;
    }
    if (held != null) {
      transport.discard(held);
      held = null;
    }
    if (lastResort) {
      lastResorts++;
      target.lastResort(endpoint);
    }
    launch(endpoint, remaining, false, lastResort);
    if (hedgesLeft > 0 && !finished) armHedge();
  }

  /** {@code detail}, with how many last-resort attempts the call made when it made any. */
  private String detail(String detail) {
    if (lastResorts == 0) return detail;
    String lr = lastResorts + (lastResorts == 1 ? " last-resort attempt" : " last-resort attempts")
        + " at ejected endpoints";
    return detail == null ? lr : detail + "; " + lr;
  }

  /** Starts one attempt at {@code endpoint}, the breaker's permit granted. */
  private void launch(Endpoint endpoint, long remaining, boolean hedge, boolean lastResort) {
    AttemptTarget target = this.target;
    int no = ++attemptNo;
    AttemptObserver obs = observer;
    Object token = obs == null ? null
        : observeStart(obs, endpoint, no, hedge, hedge ? null : retryReason, lastResort);
    if (!hedge) retryReason = null;
    Transport.Attempt<Object> attempt;
    try {
      attempt = transport.prepare(endpoint, remaining);
    } catch (RuntimeException e) {
      target.breaker().release();
      if (obs != null) observeEnd(obs, token, 0, Failure.OTHER, false, 0);
      finish(null, e);
      return;
    }
    Try t = new Try(this, endpoint, attempt, token);
    t.hedge = hedge;
    Thread o = owner;
    boolean detached = hedge || (o != null && o != Thread.currentThread());
    t.blocking = !detached && transport.blocking();
    recordTried(endpoint);
    target.attempted(endpoint);
    EndpointInternals.requestStarted(endpoint);
    t.next = flying;
    flying = t;
    long perTry = target.perTryTimeoutNanos();
    if (perTry > 0 && perTry < remaining) t.timer = scheduler.schedule(t, Duration.ofNanos(perTry));
    if (canceled) attempt.cancel(); // raced cancel(), which may have missed this attempt
    t.t0 = ticker.read();
    if (!detached && o != null && hedgesLeft > 0 && transport.blocking()) {
      pendingSend = t; // sent by the owner once this step is over: a hedge may start meanwhile
      return;
    }
    send(t, detached);
  }

  /**
   * Starts {@code t}'s attempt ({@link Transport.Attempt#startDetached detached} or not); a
   * transport that throws instead of reporting ends the attempt as a bug, unless it had ended it.
   */
  private void send(Try t, boolean detached) {
    try {
      if (detached) t.attempt.startDetached(t);
      else t.attempt.start(t);
    } catch (RuntimeException | Error e) {
      if (t.claim()) {
        t.latency = ticker.read() - t.t0;
        t.bug = e;
        t.ended = true;
      } else {
        log.warn("mesh4j: a transport threw after ending its attempt", e);
      }
    }
  }

  /** Unlinks and returns an attempt that ended, or null. */
  private Try takeEnded() {
    Try prev = null;
    for (Try t = flying; t != null; prev = t, t = t.next) {
      if (!t.ended) continue;
      if (prev == null) flying = t.next;
      else prev.next = t.next;
      return t;
    }
    return null;
  }

  /**
   * Schedules the next hedge after the target's hedge delay; not when the call's deadline comes
   * first (a hedge could not be sent), so such a call arms no timer.
   */
  private void armHedge() {
    long delay = target.hedgeDelayNanos();
    if (delay >= deadline - ticker.read()) return;
    final int gen = ++hedgeGeneration;
    hedgeArmed = true;
    Scheduler.Cancellable old = hedgeTask;
    if (old != null) old.cancel();
    hedgeTask = scheduler.schedule(() -> {
      hedgeDue = gen;
      signal();
    }, Duration.ofNanos(Math.max(0, delay)));
  }

  /**
   * The hedge delay passed with attempts still in flight: one more attempt at another endpoint, if
   * the breaker admits it, the picker offers an endpoint not tried yet, and the retry budget pays
   * for it (hedging never sends more than the budget allows retries).
   */
  private void hedge() {
    hedgeTask = null;
    long remaining = deadline - ticker.read();
    if (hedgesLeft <= 0 || remaining <= 0) return;
    ClusterCircuitBreaker breaker = target.breaker();
    Admission admission = breaker.tryAcquire();
    if (!admission.admitted()) {
      target.rejected(admission);
      observeRefused(admission == Admission.REJECTED_CIRCUIT_OPEN ? "circuit-open" : "concurrency-limit");
      return;
    }
    PickResult pick = target.cluster().pick(this);
    if (!pick.hasEndpoint() || alreadyTried(pick.endpoint()) || isRefused(pick.endpoint())) {
      breaker.release(); // no other endpoint to hedge to
      return;
    }
    if (!target.budget().tryWithdraw()) {
      breaker.release();
      target.budgetExhausted();
      observeRefused("budget-exhausted");
      hedgesLeft = 0;
      return;
    }
    hedgesLeft--;
    target.hedged(pick.endpoint());
    launch(pick.endpoint(), remaining, true, false);
    if (hedgesLeft > 0 && !finished) armHedge();
  }

  /** Takes the end of attempt {@code t}: the one report, then the retry decision. */
  private void ended(Try t) {
    if (t.timer != null) t.timer.cancel();
    AttemptTarget target = this.target;
    Transport<Object> transport = this.transport;
    Cluster cluster = target.cluster();
    ClusterCircuitBreaker breaker = target.breaker();
    Endpoint endpoint = t.endpoint;
    if (finished) {
      // Lost to another attempt: left to answer (its own response, failure or timeout is its
      // outcome), or cancelled, which is not a failure of its endpoint.
      Object r = t.bug == null && !t.timedOut ? t.response : null;
      int status = r == null ? 0 : transport.status(r);
      Failure f;
      if (r != null) f = Failure.NONE;
      else if (t.cut || canceled || t.bug != null) f = Failure.CANCELLED;
      else if (t.timedOut || transport.isDeadline(t.error)) f = Failure.TIMEOUT;
      else f = transport.classify(t.error, t.attempt.requestLeft());
      boolean shed = r != null && isOverloaded(transport, r, status);
      if (t.response != null) transport.discard(t.response);
      if (shed) {
        EndpointInternals.requestFinished(endpoint);
        breaker.onOverloaded(t.latency);
        target.overloaded(endpoint);
      } else {
        report(cluster, breaker, t, status, f);
        // The hedge percentile is over the attempts a hedge may follow (not hedges), the slow ones
        // a hedge beat included: a late response is a sample, and so is the time an attempt had
        // run when it lost, a lower bound past the hedge delay. Left out, the slow tail would
        // vanish from the histogram and the delay shrink until hedges exceed the percentile.
        if (!t.hedge && (r != null || result != null)) target.responded(t.latency);
      }
      observeEnd(observer, t.token, status, f, r != null || t.attempt.requestLeft(), t.latency);
      return;
    }
    if (t.bug != null) {
      report(cluster, breaker, t, 0, Failure.OTHER);
      observeEnd(observer, t.token, 0, Failure.OTHER, t.attempt.requestLeft(), t.latency);
      finish(null, t.bug);
      return;
    }
    Object response = t.response;
    IOException error = t.error;
    boolean timedOut = t.timedOut;
    if (timedOut && response != null) {
      transport.discard(response);
      response = null;
      error = new SocketTimeoutException("per_try_timeout");
    }
    int status = 0;
    Failure failure;
    boolean overall = false;
    boolean left = t.attempt.requestLeft();
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
    boolean overloaded = response != null && isOverloaded(transport, response, status);
    boolean attemptSent = response != null || (left && !failure.neverSent());
    sent |= attemptSent;
    boolean refusedNow = error != null && response == null && transport.refusedEndpoint(error);
    if (refusedNow) {
      if (refused == null) refused = new java.util.ArrayList<>(2);
      if (!isRefused(endpoint)) refused.add(endpoint);
    }

    if (overloaded) {
      // Shed unprocessed: not a failure of the endpoint (outlier detection, its counters) nor of
      // the cluster (breaker), and its quick answer is no latency sample either.
      EndpointInternals.requestFinished(endpoint);
      breaker.onOverloaded(t.latency);
      target.overloaded(endpoint);
    } else {
      report(cluster, breaker, t, status, failure);
      if (response != null && !t.hedge) target.responded(t.latency);
    }
    observeEnd(observer, t.token, status, failure, attemptSent, t.latency);
    if (response != null && "true".equalsIgnoreCase(transport.header(response, DRAINING_HEADER))) {
      ClusterInternals.ejectNow(cluster, endpoint, EjectionReason.DRAINING);
    }
    // ---- attempt reported

    if (canceled) {
      if (response != null) transport.discard(response);
      finish(null, transport.end(AttemptEnd.CANCELLED, sent, failure, attemptNo, detail(cancelDetail),
          cancelCause != null ? cancelCause : error));
      return;
    }
    lastFailure = failure;
    lastError = error;
    if (overall) {
      finish(null, transport.end(timeoutEnd(), sent, failure, attemptNo, detail(null), error));
      return;
    }
    int grpc = response == null
        ? RetryPolicy.NO_GRPC_STATUS
        : RetryPolicy.parseGrpcStatus(transport.header(response, "grpc-status"));
    RetryDecision decision = overloaded
        ? target.retry().decideOverloaded(attemptNo, replayable)
        : target.retry().decide(attemptNo, method, hasIdempotencyKey, replayable, status, failure, grpc);
    boolean others = flying != null;
    if (!decision.retry()) {
      if (response != null) {
        finish(response, null);
      } else if (others) {
        return; // an attempt in flight (a hedge) may still answer
      } else {
        finish(null, transport.end(AttemptEnd.UPSTREAM_FAILURE, sent, failure, attemptNo,
            detail(timedOut ? "per_try_timeout; " + decision.reason() : decision.reason()), error));
      }
      return;
    }
    if (others) {
      // A hedge in flight stands in for the retry; keep this response should it fail too.
      if (response != null) {
        if (held != null) transport.discard(held);
        held = response;
      }
      return;
    }
    held = response;
    long retryAfter = response == null
        ? RetryAfter.ABSENT
        : RetryAfter.parseNanos(transport.header(response, "Retry-After"), clock.millis());
    // A refused endpoint is not overloaded: the next try (elsewhere, or none) need not wait.
    long delay = refusedNow ? 0 : target.backoff().delayNanos(attemptNo, retryAfter);
    if (ticker.read() + delay - deadline >= 0) {
      if (held != null) finishHeld();
      else finish(null, transport.end(timeoutEnd(), sent, failure, attemptNo,
          detail("no time left for another try"), error));
      return;
    }
    if (!target.budget().tryWithdraw()) {
      target.budgetExhausted();
      observeRefused("budget-exhausted");
      if (held != null) finishHeld();
      else finish(null, transport.end(AttemptEnd.BUDGET_EXHAUSTED, sent, failure, attemptNo, detail(null), error));
      return;
    }
    target.retried(decision);
    retryReason = decision.reason();
    if (delay > 0) {
      backingOff = true;
      backoffNanos = delay;
      backoffSince = System.nanoTime();
      final int gen = ++waitGeneration;
      backoffTask = scheduler.schedule(() -> wake(gen), Duration.ofNanos(delay));
    }
  }

  /** A 503 with {@code x-mesh-overloaded: true}: the upstream shed the request unprocessed. */
  private static boolean isOverloaded(Transport<Object> transport, Object response, int status) {
    return status == 503 && "true".equalsIgnoreCase(transport.header(response, OVERLOADED_HEADER));
  }

  private void finishHeld() {
    Object r = held;
    held = null;
    finish(r, null);
  }

  /** Ends the call: exactly once, from a step. */
  private void finish(Object response, Throwable failure) {
    Scheduler.Cancellable b = backoffTask;
    if (b != null) {
      backoffTask = null;
      b.cancel();
    }
    Scheduler.Cancellable h = hedgeTask;
    if (h != null) {
      hedgeTask = null;
      h.cancel();
    }
    hedgeArmed = false;
    boolean leave = response != null && !canceled && transport.leavesLosers();
    for (Try t = flying; t != null; t = t.next) lost(t, leave);
    backingOff = false;
    if (held != null && held != response) {
      transport.discard(held);
      held = null;
    }
    this.result = response;
    this.failure = failure;
    finished = true;
    Thread o = owner;
    if (o != null && o != Thread.currentThread()) LockSupport.unpark(o); // ended while it sent
    Completion<Object> done = completion;
    if (done != null) {
      completion = null;
      try {
        done.complete(response, failure);
      } catch (RuntimeException | Error e) {
        log.warn("mesh4j: a call's completion threw", e);
      }
    }
  }

  /**
   * Attempt {@code t} is still in flight as the call ends. It is cancelled, unless {@code
   * leave} (another attempt's response won, and the transport {@linkplain Transport#leavesLosers
   * keeps a loser's connection} when it answers) and nobody waits on it (not the synchronous
   * caller's own blocking send): then it is left to answer for as long again as it has run, at
   * least the hedge delay and at most {@link #LOSER_GRACE} (its own deadline and per-try timeout
   * still apply), and its end is reported as it comes.
   */
  private void lost(Try t, boolean leave) {
    if (!leave || t.blocking) {
      t.cut();
      return;
    }
    if (t.ended) return;
    long now = ticker.read();
    long grace = Math.min(LOSER_GRACE.toNanos(),
        Math.max(1, Math.max(now - t.t0, target.hedgeDelayNanos())));
    if (deadline - now <= grace) return; // the transport ends it at the deadline
    long perTry = target.perTryTimeoutNanos();
    if (t.timer != null && t.t0 + perTry - now <= grace) return; // its per-try timer comes first
    // The grace takes the per-try timer's place (one timer per attempt; ended() cancels it).
    if (t.timer != null) t.timer.cancel();
    t.timer = scheduler.schedule(t::cut, Duration.ofNanos(grace));
    if (canceled) t.cut(); // raced cancel(), which may have missed the timer
  }

  /** How a call that ran out of time ends: its own timeout, or the inherited deadline. */
  private AttemptEnd timeoutEnd() {
    return inherited ? AttemptEnd.DEADLINE_EXCEEDED : AttemptEnd.TIMEOUT;
  }

  private Object observeStart(AttemptObserver obs, Endpoint endpoint, int no, boolean hedge,
      String reason, boolean lastResort) {
    try {
      return obs.attemptStarted(endpoint, no, hedge, reason, lastResort);
    } catch (RuntimeException e) {
      observerFailed(obs, e);
      return null;
    }
  }

  private void observeEnd(AttemptObserver obs, Object token, int status, Failure failure,
      boolean requestSent, long latency) {
    if (obs == null) return;
    try {
      obs.attemptEnded(token, status, failure, requestSent, latency);
    } catch (RuntimeException e) {
      observerFailed(obs, e);
    }
  }

  private void observeRefused(String what) {
    AttemptObserver obs = observer;
    if (obs == null) return;
    try {
      obs.refused(what);
    } catch (RuntimeException e) {
      observerFailed(obs, e);
    }
  }

  private static final java.util.Set<Class<?>> FAILED_OBSERVERS =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static void observerFailed(AttemptObserver obs, RuntimeException e) {
    if (FAILED_OBSERVERS.add(obs.getClass())) {
      log.warn("mesh4j: attempt observer {} threw; further failures are not logged",
          obs.getClass().getName(), e);
    }
  }

  /**
   * One attempt in flight: the loop's {@link Transport.Callback} for it and its per-try timer. Its
   * end is claimed once (the first callback wins); the timer and the callback race on {@code state}
   * so that a response arriving after the per-try timeout counts as a timeout.
   */
  private static final class Try implements Transport.Callback<Object>, Runnable {
    private static final AtomicIntegerFieldUpdater<Try> STATE =
        AtomicIntegerFieldUpdater.newUpdater(Try.class, "state");
    private static final AtomicIntegerFieldUpdater<Try> CLAIMED =
        AtomicIntegerFieldUpdater.newUpdater(Try.class, "claimed");
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;

    final AttemptLoop loop;
    final Endpoint endpoint;
    final Transport.Attempt<Object> attempt;
    final Object token;
    /** The next attempt in flight; written only by the stepping thread before publishing. */
    Try next;
    /** Whether this attempt is a hedge. */
    boolean hedge;
    /** Whether a thread waits on this attempt: a blocking send on the synchronous caller's thread. */
    boolean blocking;
    /** Set when the loop cancels this attempt as a loser (not the per-try timer). */
    volatile boolean cut;
    /** The per-try timer, or for a loser left running the timer that cuts it; or null. */
    Scheduler.Cancellable timer;
    long t0;
    // Written by the callback before `ended`, read by the loop after it.
    long latency;
    Object response;
    IOException error;
    boolean timedOut;
    Throwable bug;
    volatile int state;
    volatile int claimed;
    volatile boolean ended;

    Try(AttemptLoop loop, Endpoint endpoint, Transport.Attempt<Object> attempt, Object token) {
      this.loop = loop;
      this.endpoint = endpoint;
      this.attempt = attempt;
      this.token = token;
    }

    boolean claim() {
      return CLAIMED.compareAndSet(this, 0, 1);
    }

    @Override
    public void onHeaders(Object r) {
      if (!claim()) {
        loop.transport.discard(r);
        return;
      }
      latency = loop.ticker.read() - t0;
      timedOut = !STATE.compareAndSet(this, RUNNING, DONE);
      response = r;
      ended = true;
      loop.signal();
    }

    @Override
    public void onFailure(IOException e) {
      if (!claim()) return;
      latency = loop.ticker.read() - t0;
      timedOut = !STATE.compareAndSet(this, RUNNING, DONE);
      error = e;
      ended = true;
      loop.signal();
    }

    /** Cancels this attempt as the loser of its call. */
    void cut() {
      cut = true;
      attempt.cancel();
    }

    /** The per-try timer: cancels this attempt only. */
    @Override
    public void run() {
      if (STATE.compareAndSet(this, RUNNING, TIMED_OUT)) attempt.cancel();
    }
  }

  /** The one outcome report of a finished attempt. */
  private static void report(Cluster cluster, ClusterCircuitBreaker breaker, Try t, int status,
      Failure failure) {
    Endpoint endpoint = t.endpoint;
    long latency = t.latency;
    EndpointInternals.requestFinished(endpoint);
    EndpointInternals.recordLatency(endpoint, status, failure, latency, t.t0 + latency);
    ClusterInternals.onOutcome(cluster, endpoint, status, failure, latency);
    breaker.onComplete(status, failure, latency);
  }

  /**
   * Runs {@code then} once, on the scheduler after {@code nanos}, or at once on the cancelling
   * thread when the call is (or gets) cancelled: the asynchronous form of {@link #await}, for a
   * fault delay. {@code then} checks {@link #isCanceled()}.
   */
  public void after(long nanos, Runnable then) {
    Later l = new Later(then);
    later = l;
    l.task = scheduler.schedule(l, Duration.ofNanos(Math.max(0, nanos)));
    if (canceled) l.run();
  }

  /** A task run once: by the scheduler, or by a cancel. */
  private static final class Later implements Runnable {
    private static final AtomicIntegerFieldUpdater<Later> RAN =
        AtomicIntegerFieldUpdater.newUpdater(Later.class, "ran");
    private final Runnable then;
    volatile Scheduler.Cancellable task;
    volatile int ran;

    Later(Runnable then) {
      this.then = then;
    }

    @Override
    public void run() {
      if (!RAN.compareAndSet(this, 0, 1)) return;
      Scheduler.Cancellable t = task;
      if (t != null) t.cancel();
      then.run();
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
    signal(); // a backoff's wake-up: the step checks the generation
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
