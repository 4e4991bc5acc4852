package io.mesh4j.health;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Actively checks the endpoints of one cluster with a {@link HealthProbe} and tracks their health.
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li>An endpoint starts <b>healthy</b> (healthy until proven otherwise), so a mesh serves at
 *       once on startup; passive outlier detection and retries cover an endpoint that is already
 *       down until its checks catch up.
 *   <li>Its first check runs after a random delay in {@code [0, interval)}, spreading checks of
 *       many endpoints over the interval. Each later check runs {@code interval ± 10%} (uniformly
 *       jittered) after the previous one <em>completed</em>, so checks of one endpoint never
 *       overlap.
 *   <li>A check fails when the probe's answer does not pass ({@link ProbeResult#passes}), when no
 *       answer arrives within {@code timeout} (a late answer is ignored), or when the probe throws
 *       or its stage fails; the last case also logs a warning, at most once per {@code interval}
 *       per cluster.
 *   <li>A healthy endpoint goes unhealthy after {@code unhealthy_threshold} failed checks in a
 *       row; an unhealthy one comes back after {@code healthy_threshold} passed checks in a row. A
 *       check of the other kind resets the streak.
 *   <li>{@link #update} applies a new policy: thresholds apply from the next result, a new probe
 *       from the next check, and a changed interval reschedules every endpoint not being checked
 *       right now.
 * </ul>
 *
 * <h2>Threading</h2>
 *
 * <p>All state is guarded by the owner's {@code lock} (the cluster's), which this class takes for
 * its own entry points (scheduled checks, probe completions, timeouts); the {@link Listener} is
 * called with it held. The probe itself is called without the lock. Thread-safe.
 */
public final class HealthChecker {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  /** Receives the checker's findings, with the owner's lock held. Must be fast. */
  public interface Listener {
    /**
     * One check of {@code endpoint} completed.
     *
     * @param passed whether it passed
     * @param probeError whether the probe threw or its stage failed (then {@code passed} is false)
     */
    void onCheck(Endpoint endpoint, boolean passed, boolean probeError);

    /** {@code endpoint} crossed a threshold and is now {@code healthy} or not. */
    void onHealthChanged(Endpoint endpoint, boolean healthy);
  }

  private final String cluster;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final ReentrantLock lock;
  private final Listener listener;
  private final Map<Endpoint, Target> targets = new HashMap<>();
  private HealthCheckConfig config;
  private HealthProbe probe;
  private String probeName;
  private boolean closed;
  private long lastWarnNanos;
  private boolean warnedOnce;
  private int suppressedWarnings;
  private int warningsLogged;

  /**
   * A checker that checks nothing until endpoints are {@linkplain #add added}.
   *
   * @param cluster the cluster name (for logs)
   * @param probeName the probe's registered name (for logs)
   * @param random source of jitter; must be thread-safe if shared with other checkers
   * @param lock the owner's lock, guarding this checker's state too
   * @param listener told about checks and health changes
   */
  public HealthChecker(
      String cluster,
      HealthCheckConfig config,
      String probeName,
      HealthProbe probe,
      Scheduler scheduler,
      Ticker ticker,
      RandomGenerator random,
      ReentrantLock lock,
      Listener listener) {
    this.cluster = cluster;
    this.config = config;
    this.probeName = probeName;
    this.probe = probe;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.random = random;
    this.lock = lock;
    this.listener = listener;
  }

  /** Starts checking {@code endpoint}, which counts as healthy until its checks say otherwise. */
  public void add(Endpoint endpoint) {
    lock.lock();
    try {
      if (closed || targets.containsKey(endpoint)) return;
      Target t = new Target(endpoint);
      targets.put(endpoint, t);
      scheduleNext(t, Duration.ofNanos((long) (config.interval().toNanos() * random.nextDouble())));
    } finally {
      lock.unlock();
    }
  }

  /** Stops checking {@code endpoint} and forgets its state; a check in flight is ignored. */
  public void remove(Endpoint endpoint) {
    lock.lock();
    try {
      Target t = targets.remove(endpoint);
      if (t != null) t.stop();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code endpoint} is healthy; {@code true} for an endpoint this checker does not know. */
  public boolean healthy(Endpoint endpoint) {
    lock.lock();
    try {
      Target t = targets.get(endpoint);
      return t == null || t.healthy;
    } finally {
      lock.unlock();
    }
  }

  /** Applies a new policy and probe (see the class doc for when each part takes effect). */
  public void update(HealthCheckConfig config, String probeName, HealthProbe probe) {
    lock.lock();
    try {
      boolean intervalChanged = !config.interval().equals(this.config.interval());
      this.config = config;
      this.probeName = probeName;
      this.probe = probe;
      if (intervalChanged && !closed) {
        for (Target t : targets.values()) {
          if (!t.inFlight) scheduleNext(t, jittered(config.interval()));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** The policy in force. */
  public HealthCheckConfig config() {
    lock.lock();
    try {
      return config;
    } finally {
      lock.unlock();
    }
  }

  /** Stops every check; results still in flight are ignored. Idempotent. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      for (Target t : targets.values()) t.stop();
      targets.clear();
    } finally {
      lock.unlock();
    }
  }

  /** How many probe-error warnings were logged (the rest were suppressed); for tests. */
  int warningsLogged() {
    lock.lock();
    try {
      return warningsLogged;
    } finally {
      lock.unlock();
    }
  }

  private Duration jittered(Duration interval) {
    double factor = 0.9 + 0.2 * random.nextDouble();
    return Duration.ofNanos((long) (interval.toNanos() * factor));
  }

  private void scheduleNext(Target t, Duration delay) {
    if (t.next != null) t.next.cancel();
    t.next = scheduler.schedule(() -> runCheck(t), delay);
  }

  private void runCheck(Target t) {
    HealthProbe p;
    HealthCheckConfig c;
    long attempt;
    lock.lock();
    try {
      if (closed || t.removed || t.inFlight) return;
      t.next = null;
      t.inFlight = true;
      attempt = ++t.attempt;
      p = probe;
      c = config;
      t.timeout =
          scheduler.schedule(
              () -> complete(t, attempt, ProbeResult.unhealthy("no answer within " + c.timeout()), null),
              c.timeout());
    } finally {
      lock.unlock();
    }
    CompletionStage<ProbeResult> stage;
    try {
      stage = p.probe(t.endpoint, c);
    } catch (RuntimeException | Error e) {
      complete(t, attempt, null, e);
      return;
    }
    if (stage == null) {
      complete(t, attempt, null, new NullPointerException("probe returned null"));
      return;
    }
    stage.whenComplete((r, e) -> complete(t, attempt, r, e));
  }

  private void complete(Target t, long attempt, ProbeResult result, Throwable error) {
    lock.lock();
    try {
      if (closed || t.removed || !t.inFlight || t.attempt != attempt) return;
      t.inFlight = false;
      if (t.timeout != null) {
        t.timeout.cancel();
        t.timeout = null;
      }
      boolean probeError = error != null || result == null;
      if (probeError) {
        warnProbeError(t, error == null ? new NullPointerException("probe completed with null") : error);
      }
      boolean passed = !probeError && result.passes(config);
      record(t, passed, probeError);
      if (!closed && !t.removed) scheduleNext(t, jittered(config.interval()));
    } finally {
      lock.unlock();
    }
  }

  private void record(Target t, boolean passed, boolean probeError) {
    listener.onCheck(t.endpoint, passed, probeError);
    if (passed) {
      t.failures = 0;
      if (!t.healthy && ++t.successes >= config.healthyThreshold()) {
        t.healthy = true;
        t.successes = 0;
        listener.onHealthChanged(t.endpoint, true);
      }
    } else {
      t.successes = 0;
      if (t.healthy && ++t.failures >= config.unhealthyThreshold()) {
        t.healthy = false;
        t.failures = 0;
        listener.onHealthChanged(t.endpoint, false);
      }
    }
  }

  private void warnProbeError(Target t, Throwable error) {
    long now = ticker.read();
    if (warnedOnce && now - lastWarnNanos < config.interval().toNanos()) {
      suppressedWarnings++;
      return;
    }
    int suppressed = suppressedWarnings;
    warnedOnce = true;
    lastWarnNanos = now;
    suppressedWarnings = 0;
    warningsLogged++;
    log.warn(
        "health probe '{}' failed checking {} (counted as a failed check; {} more such failures in cluster '{}' since the last warning)",
        probeName,
        t.endpoint,
        suppressed,
        cluster,
        error);
  }

  private static final class Target {
    final Endpoint endpoint;
    boolean healthy = true;
    int successes;
    int failures;
    long attempt;
    boolean inFlight;
    boolean removed;
    Scheduler.Cancellable next;
    Scheduler.Cancellable timeout;

    Target(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    void stop() {
      removed = true;
      if (next != null) next.cancel();
      if (timeout != null) timeout.cancel();
      next = null;
      timeout = null;
    }
  }
}
