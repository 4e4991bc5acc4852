package io.mesh4j.internal.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ConcurrencyLimitConfig;
import io.mesh4j.internal.concurrency.AdaptiveLimiter;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's circuit breaker: a Resilience4j failure-rate breaker plus a concurrency limit
 * ({@code max_concurrent_requests}, Envoy's {@code max_requests} threshold). One per cluster.
 *
 * <h2>Using it (the permission API, as Armeria's Resilience4j client handler)</h2>
 *
 * <pre>{@code
 * Admission a = breaker.tryAcquire();
 * if (!a.admitted()) throw new IOException("rejected: " + a.reason()); // nothing to close
 * long start = ticker.read();
 * // ... the attempt; then exactly ONE of:
 * breaker.onComplete(status, failure, ticker.read() - start);      // classifies for you
 * breaker.release();                                               // it never happened
 * }</pre>
 *
 * Every admitted call must be closed by exactly one of {@link #onComplete}, {@link #onSuccess},
 * {@link #onFailure} or {@link #release()}; forgetting leaks a concurrency slot (and, when
 * half-open, a probe), closing twice frees a slot that another call holds.
 *
 * <h2>What counts as a failure</h2>
 *
 * Envoy has no failure-rate breaker (its "circuit breakers" are the concurrency thresholds), so
 * this is ours: a 5xx status and the transport failures {@link Failure#CONNECT_FAILURE}, {@link
 * Failure#REFUSED_STREAM}, {@link Failure#RESET} and {@link Failure#TIMEOUT} are failures; any
 * other status (1xx-4xx: the client's problem, not the cluster's) is a success; {@link
 * Failure#CANCELLED} and {@link Failure#OTHER} (a local error) say nothing about the cluster and
 * release the permission without recording. A success or failure slower than {@code
 * slow_call_duration} is also a slow call.
 *
 * <h2>The breaker</h2>
 *
 * Resilience4j, count-based window of {@code sliding_window} calls; opens when, with at least
 * {@code minimum_calls} recorded, the failure rate reaches {@code failure_rate_threshold} percent
 * or the slow-call rate reaches {@code slow_call_rate_threshold} percent. While open, calls are
 * rejected for {@code wait_in_open}; then it turns half-open and lets {@value #HALF_OPEN_PROBES}
 * probe calls through (Resilience4j's default). Once {@code min(minimum_calls, 10)} probes have
 * completed, their failure and slow-call rates, against the same thresholds, decide between
 * closed (a fresh window) and open (another full {@code wait_in_open}).
 *
 * <p>Time comes from the injected {@link Ticker} (Resilience4j is given a clock reading it). The
 * OPEN → HALF_OPEN transition happens at the first {@link #tryAcquire()} after {@code
 * wait_in_open}, or when a task on the injected {@link Scheduler} fires just after {@code
 * wait_in_open}, whichever comes first, so {@link #state()} turns half-open without traffic.
 * Resilience4j's own automatic transition is not used: it runs a thread on the wall clock.
 *
 * <h2>The concurrency limit</h2>
 *
 * A fixed cap ({@code max_concurrent_requests}, a CAS on the count of calls in flight), or, with
 * {@code max_concurrent_requests: adaptive}, an {@link AdaptiveLimiter} running {@code gradient2}
 * between 3 and 1000 (Netflix concurrency-limits' client limiter): a response of any status is a
 * latency sample, a {@link Failure#TIMEOUT} or an upstream's overload answer ({@link
 * #onOverloaded}) a drop that lowers the limit, and a connection failure, a cancellation or a
 * local error frees the slot without a sample. A call over the limit is refused the same way in
 * both cases ({@link Admission#REJECTED_CONCURRENCY_LIMIT}). The limit lives as long as this
 * breaker, so a reload that keeps the {@code circuit_breaker} settings keeps what it learnt.
 *
 * <p>When the cluster has no {@code circuit_breaker} section (config {@code null}), only the
 * concurrency limit of {@value CircuitBreakerConfig#DEFAULT_MAX_CONCURRENT_REQUESTS} applies and
 * the state is always {@link BreakerState#CLOSED}.
 *
 * <h2>Threads, allocation, events</h2>
 *
 * Thread-safe and lock-free on our side (a CAS loop for the concurrency count; Resilience4j's
 * count-based window synchronizes internally). No Resilience4j event consumer is registered,
 * because any consumer makes it allocate an event per call; instead this class compares the state
 * after each call and reports changes to the {@link StateListener}. A listener therefore sees a
 * chain of (from, to) pairs in which a state that began and ended between two observations may be
 * skipped; callbacks run on the thread that observed the change and may run concurrently.
 */
public final class ClusterCircuitBreaker {
  private static final Logger log = LoggerFactory.getLogger(ClusterCircuitBreaker.class);

  /** Resilience4j's default number of probe calls in the half-open state. */
  public static final int HALF_OPEN_PROBES = 10;

  /** Receives state transitions. Must be fast, must not block; exceptions are logged and ignored. */
  @FunctionalInterface
  public interface StateListener {
    /** Ignores every transition. */
    StateListener NONE = (cluster, from, to) -> {};

    /** The breaker of {@code cluster} was observed to move from {@code from} to {@code to}. */
    void onTransition(String cluster, BreakerState from, BreakerState to);
  }

  private final String cluster;
  private final int maxConcurrent;
  private final AtomicInteger active = new AtomicInteger();
  /** The limit of {@code max_concurrent_requests: adaptive} (then {@link #active} is unused), or null. */
  private final AdaptiveLimiter adaptive;
  private final CircuitBreaker breaker; // null: concurrency limit only
  private final CircuitBreakerConfig config;
  private final Scheduler scheduler;
  private final StateListener listener;
  private final Duration probeDelay;
  private final AtomicReference<BreakerState> observed = new AtomicReference<>(BreakerState.CLOSED);
  private final AtomicLong openEpoch = new AtomicLong();

  private ClusterCircuitBreaker(
      String cluster,
      CircuitBreakerConfig config,
      Ticker ticker,
      Scheduler scheduler,
      StateListener listener) {
    this.cluster = cluster;
    this.config = config;
    this.scheduler = scheduler;
    this.listener = listener;
    if (config == null) {
      this.maxConcurrent = CircuitBreakerConfig.DEFAULT_MAX_CONCURRENT_REQUESTS;
      this.adaptive = null;
      this.breaker = null;
      this.probeDelay = null;
      return;
    }
    if (config.adaptiveConcurrency()) {
      this.maxConcurrent = CircuitBreakerConfig.ADAPTIVE_MAX_CONCURRENT_REQUESTS;
      this.adaptive = AdaptiveLimiter.create(ConcurrencyLimitConfig.DEFAULT);
    } else {
      this.maxConcurrent = positive("max_concurrent_requests", config.maxConcurrentRequests());
      this.adaptive = null;
    }
    percent("failure_rate_threshold", config.failureRateThreshold());
    percent("slow_call_rate_threshold", config.slowCallRateThreshold());
    positive("sliding_window", config.slidingWindow());
    positive("minimum_calls", config.minimumCalls());
    Objects.requireNonNull(config.slowCallDuration(), "slow_call_duration");
    Objects.requireNonNull(config.waitInOpen(), "wait_in_open");
    if (config.slowCallDuration().toNanos() < 1) {
      throw new IllegalArgumentException(
          "slow_call_duration: " + config.slowCallDuration() + " (expected: > 0)");
    }
    long waitMillis = config.waitInOpen().toMillis();
    if (waitMillis < 1) {
      throw new IllegalArgumentException(
          "wait_in_open: " + config.waitInOpen() + " (expected: >= 1ms)");
    }
    // Resilience4j keeps the open period in whole milliseconds and turns half-open strictly after
    // it; the scheduled probe fires one nanosecond later so it never arrives early.
    this.probeDelay = Duration.ofMillis(waitMillis).plusNanos(1);
    io.github.resilience4j.circuitbreaker.CircuitBreakerConfig r4j =
        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
            .slidingWindow(
                config.slidingWindow(),
                Math.min(config.minimumCalls(), config.slidingWindow()),
                SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(config.failureRateThreshold())
            .slowCallRateThreshold(config.slowCallRateThreshold())
            .slowCallDurationThreshold(config.slowCallDuration())
            .waitDurationInOpenState(Duration.ofMillis(waitMillis))
            .permittedNumberOfCallsInHalfOpenState(HALF_OPEN_PROBES)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .recordException(t -> true)
            .clock(new TickerClock(ticker))
            .currentTimestampFunction(clock -> ticker.read(), TimeUnit.NANOSECONDS)
            .build();
    this.breaker = CircuitBreaker.of(cluster, r4j);
  }

  private static int positive(String name, int value) {
    if (value < 1) throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1)");
    return value;
  }

  private static void percent(String name, int value) {
    if (value < 1 || value > 100) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: 1-100)");
    }
  }

  /**
   * A breaker for {@code cluster}, with no listener.
   *
   * @see #create(String, CircuitBreakerConfig, Ticker, Scheduler, StateListener)
   */
  public static ClusterCircuitBreaker create(
      String cluster, CircuitBreakerConfig config, Ticker ticker, Scheduler scheduler) {
    return create(cluster, config, ticker, scheduler, StateListener.NONE);
  }

  /**
   * A breaker for {@code cluster}.
   *
   * @param config the cluster's {@code circuit_breaker}, or {@code null} for the concurrency limit
   *     alone
   * @throws IllegalArgumentException when a setting is out of range (the message names it)
   * @throws NullPointerException when any argument but {@code config} is null
   */
  public static ClusterCircuitBreaker create(
      String cluster,
      CircuitBreakerConfig config,
      Ticker ticker,
      Scheduler scheduler,
      StateListener listener) {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(listener, "listener");
    return new ClusterCircuitBreaker(cluster, config, ticker, scheduler, listener);
  }

  /**
   * Asks to make one call to the cluster. Checks the concurrency limit first, then the breaker (in
   * half-open, an admitted call is one of the probes). Allocates nothing.
   */
  public Admission tryAcquire() {
    if (adaptive != null) {
      if (!adaptive.tryAcquire()) return Admission.REJECTED_CONCURRENCY_LIMIT;
    } else {
      while (true) {
        int n = active.get();
        if (n >= maxConcurrent) return Admission.REJECTED_CONCURRENCY_LIMIT;
        if (active.compareAndSet(n, n + 1)) break;
      }
    }
    if (breaker == null) return Admission.ADMITTED;
    boolean permitted = breaker.tryAcquirePermission();
    observe();
    if (!permitted) {
      freeSlot();
      return Admission.REJECTED_CIRCUIT_OPEN;
    }
    return Admission.ADMITTED;
  }

  /** Gives back a concurrency slot without a latency sample. */
  private void freeSlot() {
    if (adaptive != null) adaptive.release();
    else active.decrementAndGet();
  }

  /**
   * Closes an admitted call that the upstream shed unprocessed (a 503 with {@code
   * x-mesh-overloaded}): not a failure or success of the breaker (its permission is released),
   * but, under {@code max_concurrent_requests: adaptive}, a congestion signal that lowers the
   * limit.
   */
  public void onOverloaded(long durationNanos) {
    if (adaptive != null) adaptive.onDropped(Math.max(0, durationNanos));
    else active.decrementAndGet();
    if (breaker == null) return;
    breaker.releasePermission();
    observe();
  }

  /**
   * Closes an admitted call by its outcome, classified as the class documentation says: a
   * failure, a success, or (cancelled, local error) a {@link #release()}.
   *
   * @param status the HTTP status when {@code failure} is {@link Failure#NONE}
   * @param failure why no response arrived, or {@link Failure#NONE}
   * @param durationNanos how long the attempt took (for the slow-call rate)
   */
  public void onComplete(int status, Failure failure, long durationNanos) {
    switch (failure) {
      case NONE:
        if (status >= 500 && status <= 599) {
          recordFailure(durationNanos, UpstreamFailure.STATUS_5XX);
        } else {
          onSuccess(durationNanos);
        }
        return;
      case CONNECT_FAILURE:
        recordFailure(durationNanos, UpstreamFailure.CONNECT_FAILURE);
        return;
      case REFUSED_STREAM:
        recordFailure(durationNanos, UpstreamFailure.REFUSED_STREAM);
        return;
      case RESET:
        recordFailure(durationNanos, UpstreamFailure.RESET);
        return;
      case TIMEOUT:
        recordFailure(durationNanos, UpstreamFailure.TIMEOUT);
        return;
      case CANCELLED:
      case OTHER:
      default:
        release();
    }
  }

  /** Whether {@link #onComplete} records this outcome as a failure of the cluster. */
  public static boolean countsAsFailure(int status, Failure failure) {
    switch (failure) {
      case NONE:
        return status >= 500 && status <= 599;
      case CONNECT_FAILURE:
      case REFUSED_STREAM:
      case RESET:
      case TIMEOUT:
        return true;
      default:
        return false;
    }
  }

  /** Closes an admitted call as a success that took {@code durationNanos}. */
  public void onSuccess(long durationNanos) {
    if (adaptive != null) adaptive.onSuccess(Math.max(0, durationNanos));
    else active.decrementAndGet();
    if (breaker == null) return;
    breaker.onSuccess(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
    observe();
  }

  /** Closes an admitted call as a failure that took {@code durationNanos}. */
  public void onFailure(long durationNanos) {
    recordFailure(durationNanos, UpstreamFailure.GENERIC);
  }

  private void recordFailure(long durationNanos, UpstreamFailure cause) {
    if (adaptive == null) {
      active.decrementAndGet();
    } else if (cause == UpstreamFailure.STATUS_5XX) {
      adaptive.onSuccess(Math.max(0, durationNanos)); // an answer: its latency is a sample
    } else if (cause == UpstreamFailure.TIMEOUT) {
      adaptive.onDropped(Math.max(0, durationNanos));
    } else {
      adaptive.release(); // a connection failure says nothing about the cluster's queue
    }
    if (breaker == null) return;
    breaker.onError(Math.max(0, durationNanos), TimeUnit.NANOSECONDS, cause);
    observe();
  }

  /** Closes an admitted call that never happened (or whose outcome says nothing about the cluster). */
  public void release() {
    freeSlot();
    if (breaker == null) return;
    breaker.releasePermission();
    observe();
  }

  /** The breaker's current state; always {@link BreakerState#CLOSED} without a breaker. */
  public BreakerState state() {
    return breaker == null ? BreakerState.CLOSED : map(breaker.getState());
  }

  /** Calls admitted and not yet closed. */
  public int activeRequests() {
    return adaptive != null ? adaptive.inflight() : active.get();
  }

  /** The concurrency limit: the fixed cap, or the adaptive limit's current value. */
  public int maxConcurrentRequests() {
    return adaptive != null ? adaptive.limit() : maxConcurrent;
  }

  /** Whether the concurrency limit is {@code adaptive}. */
  public boolean isAdaptive() {
    return adaptive != null;
  }

  /** Whether a failure-rate breaker is configured (else only the concurrency limit applies). */
  public boolean hasFailureRateBreaker() {
    return breaker != null;
  }

  /** The failure rate (percent) of the current window, or -1 below {@code minimum_calls}. */
  public float failureRate() {
    return breaker == null ? -1 : breaker.getMetrics().getFailureRate();
  }

  /** The slow-call rate (percent) of the current window, or -1 below {@code minimum_calls}. */
  public float slowCallRate() {
    return breaker == null ? -1 : breaker.getMetrics().getSlowCallRate();
  }

  /** The cluster name. */
  public String cluster() {
    return cluster;
  }

  /** The config, or null when only the concurrency limit applies. */
  public CircuitBreakerConfig config() {
    return config;
  }

  private static BreakerState map(CircuitBreaker.State s) {
    switch (s) {
      case OPEN:
      case FORCED_OPEN:
        return BreakerState.OPEN;
      case HALF_OPEN:
        return BreakerState.HALF_OPEN;
      default:
        return BreakerState.CLOSED;
    }
  }

  /** Reports a state change seen since the last observation; schedules the half-open probe. */
  private void observe() {
    BreakerState now = map(breaker.getState());
    BreakerState prev = observed.get();
    if (now == prev || !observed.compareAndSet(prev, now)) return;
    if (now == BreakerState.OPEN) scheduleProbe(openEpoch.incrementAndGet());
    try {
      listener.onTransition(cluster, prev, now);
    } catch (RuntimeException e) {
      log.warn("mesh4j circuit breaker listener failed for cluster {}", cluster, e);
    }
  }

  private void scheduleProbe(long epoch) {
    scheduler.schedule(() -> probe(epoch), probeDelay);
  }

  /**
   * Moves an open breaker whose wait has passed to half-open through Resilience4j's own lazy
   * transition (take a probe permission, give it back at once), so the transition is exactly the
   * one a request would make and cannot race with it.
   */
  private void probe(long epoch) {
    if (openEpoch.get() != epoch) return; // a later open period has its own task
    if (breaker.getState() == CircuitBreaker.State.OPEN) {
      if (breaker.tryAcquirePermission()) breaker.releasePermission();
    }
    observe();
    // Still open: this was an open period we did not see begin; look again one wait later.
    if (openEpoch.get() == epoch && breaker.getState() == CircuitBreaker.State.OPEN) {
      scheduleProbe(epoch);
    }
  }

  @Override
  public String toString() {
    return "ClusterCircuitBreaker{" + cluster + ", " + state() + ", active=" + activeRequests()
        + "/" + (adaptive != null ? "adaptive " : "") + maxConcurrentRequests() + "}";
  }

  /** Preallocated causes handed to Resilience4j: no stack trace, no suppression, immutable. */
  static final class UpstreamFailure extends Exception {
    static final UpstreamFailure STATUS_5XX = new UpstreamFailure("5xx");
    static final UpstreamFailure CONNECT_FAILURE = new UpstreamFailure("connect-failure");
    static final UpstreamFailure REFUSED_STREAM = new UpstreamFailure("refused-stream");
    static final UpstreamFailure RESET = new UpstreamFailure("reset");
    static final UpstreamFailure TIMEOUT = new UpstreamFailure("timeout");
    static final UpstreamFailure GENERIC = new UpstreamFailure("failure");

    private UpstreamFailure(String message) {
      super(message, null, false, false);
    }
  }
}
