package io.mesh4j.cluster;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.EndpointSource;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.health.HealthChecker;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.config.Locality;
import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.lb.LocalityPicker;
import io.mesh4j.lb.LocalityShares;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.lb.Picker;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.outlier.OutlierDetector;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime of one configured cluster: its endpoints and everything known about them, the
 * active health checker, outlier detection, slow start, panic mode, and the published {@link
 * Picker}. Created and reconfigured by the mesh's cluster registry (engine internal).
 *
 * <h2>Hot path</h2>
 *
 * <p>{@link #pick} reads one volatile field and delegates to the picker: lock-free, no allocation.
 * {@link #onOutcome} updates counters lock-free; only an outcome that completes an outlier streak
 * takes the cluster's lock.
 *
 * <h2>Control path</h2>
 *
 * <p>Every change (endpoint lists from the {@link EndpointSource}, reloads, health changes,
 * ejections and returns, slow-start steps) happens under one lock and ends with a rebuild: the
 * usable set is recomputed, the {@link PickerFactory} builds a new picker over it, and the picker
 * is published with one volatile write. The hot path never takes that lock.
 *
 * <h2>Usable set, panic, slow start</h2>
 *
 * <ul>
 *   <li>An endpoint is usable when it is healthy (active checks) and not ejected (outlier
 *       detection, or a draining hint).
 *   <li>Panic: when {@code usable × 100 < panic_threshold × total}, the picker uses every
 *       endpoint; exactly at the threshold it does not. {@code panic_threshold: 0} disables it.
 *   <li>Slow start ({@code slow_start > 0}): an endpoint that joins after the cluster's first
 *       endpoint list, that turns healthy again, or that returns from an ejection ramps its weight
 *       linearly from 10% to 100% over the window. While any picked endpoint ramps, every weight
 *       handed to the factory is scaled by 10 (so a weight-1 endpoint can ramp in tenths):
 *       ramping endpoints get {@code max(w, floor(10·w·elapsed/window))}, the others {@code 10·w}.
 *       The picker is rebuilt at each tenth of the window; after the window, weights are the
 *       configured ones again.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class Cluster {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);

  static {
    // The outcome report and the draining ejection are the engine's (io.mesh4j.internal).
    ClusterInternals.install(new ClusterInternals.Access() {
      @Override
      public void onOutcome(Cluster c, Endpoint e, int status, Failure failure, long latencyNanos) {
        c.onOutcome(e, status, failure, latencyNanos);
      }

      @Override
      public void ejectNow(Cluster c, Endpoint e, EjectionReason reason) {
        c.ejectNow(e, reason);
      }

      @Override
      public Endpoint lastResort(Cluster c, PickContext context) {
        return c.lastResort(context);
      }

      @Override
      public Cluster create(ClusterConfig config, PickerFactory pickerFactory, HealthProbe probe,
          EndpointSource.Factory sources, Scheduler scheduler, Ticker ticker,
          RandomGenerator random, MeterRegistry meterRegistry, MeshEventListener events,
          Supplier<Locality> self) {
        return new Cluster(config, pickerFactory, probe, sources, scheduler, ticker, random,
            meterRegistry, events, self);
      }

      @Override
      public void start(Cluster c) {
        c.start();
      }

      @Override
      public void update(Cluster c, ClusterConfig config, PickerFactory factory, HealthProbe probe) {
        c.update(config, factory, probe);
      }

      @Override
      public void close(Cluster c) {
        c.close();
      }
    });
  }

  /** The ejection time of a draining endpoint when the cluster has no outlier detection. */
  static final Duration DEFAULT_DRAINING_EJECTION = OutlierDetectionConfig.DEFAULT_BASE_EJECTION_TIME;

  private static final Picker EMPTY_PICKER = context -> PickResult.NONE;
  private static final Endpoint[] NO_ENDPOINTS = new Endpoint[0];

  private final String name;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final MeshEventListener events;
  private final EndpointSource.Factory sources;
  private final Supplier<Locality> self;
  private final ClusterMeters meters;
  private final ReentrantLock lock = new ReentrantLock();
  /** Hot-path lookup of an endpoint's state; written under the lock. */
  private final Map<Endpoint, Member> members = new ConcurrentHashMap<>();
  /** Members by key, in the order of the last endpoint list. Guarded by the lock. */
  private final LinkedHashMap<String, Member> byKey = new LinkedHashMap<>();

  private volatile Published published;
  private volatile OutlierDetector outlier;
  private volatile boolean closed;

  // Guarded by the lock.
  private ClusterConfig config;
  private PickerFactory pickerFactory;
  private HealthChecker checker;
  private boolean firstListApplied;
  /** A reload changed policies and no rebuild has applied them yet. */
  private boolean policyChanged;
  private Scheduler.Cancellable slowStartTick;

  // Guarded by the registry's apply lock (the only caller of start/update/close).
  private EndpointSource source;
  private volatile int sourceGeneration;

  Cluster(
      ClusterConfig config,
      PickerFactory pickerFactory,
      HealthProbe probe,
      EndpointSource.Factory sources,
      Scheduler scheduler,
      Ticker ticker,
      RandomGenerator random,
      MeterRegistry meterRegistry,
      MeshEventListener events,
      Supplier<Locality> self) {
    this.name = config.name();
    this.self = self;
    this.config = config;
    this.pickerFactory = pickerFactory;
    this.sources = sources;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.random = random;
    this.events = new GuardedListener(events);
    this.published = new Published(EMPTY_PICKER, List.of(), 0, 0, 0, false, null, NO_ENDPOINTS);
    this.outlier = config.outlierDetection() == null ? null : new OutlierDetector(config.outlierDetection());
    if (config.healthCheck() != null) this.checker = newChecker(config.healthCheck(), probe);
    this.meters = new ClusterMeters(meterRegistry, this);
  }

  /** The cluster's name. */
  public String name() {
    return name;
  }

  /** The config in force (the last one applied). */
  public ClusterConfig config() {
    lock.lock();
    try {
      return config;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Picks an endpoint for one attempt. Lock-free and allocation-free: reads the published picker
   * and delegates to it.
   *
   * @return never {@code null}; {@link PickResult#NONE} when no endpoint can be used
   */
  public PickResult pick(PickContext context) {
    return published.picker.pick(context);
  }

  /**
   * Reports the outcome of one attempt on {@code endpoint}; adapters call this exactly once per
   * attempt (and {@link Endpoint#requestStarted()}/{@link Endpoint#requestFinished()} around it).
   * Feeds the endpoint's success/failure counters, the attempt timer, and outlier detection.
   *
   * <p>A response below 500 is a success; a 5xx or a transport failure is a failure; {@link
   * Failure#CANCELLED} is not counted at all. An endpoint that has left the cluster meanwhile is
   * only counted in the cluster's timer. Lock-free unless the outcome completes an outlier streak.
   *
   * @param status the HTTP status; 0 when {@code failure != NONE}
   * @param failure why no response arrived, or {@link Failure#NONE}
   * @param latencyNanos how long the attempt took
   * @throws NullPointerException when {@code endpoint} or {@code failure} is null
   */
  void onOutcome(Endpoint endpoint, int status, Failure failure, long latencyNanos) {
    if (failure == Failure.CANCELLED) return;
    if (failure == null) throw new NullPointerException("failure");
    boolean success = failure == Failure.NONE && status < 500;
    meters.attempt(success, latencyNanos);
    Member m = members.get(endpoint);
    if (m == null) return;
    (success ? m.successes : m.failures).increment();
    OutlierDetector d = outlier;
    if (d == null) return;
    EjectionReason reason = d.onOutcome(m.outlier, status, failure);
    if (reason != null) detected(m, d, reason);
  }

  /**
   * Ejects {@code endpoint} at once, because the server said so (the {@code x-mesh-draining: true}
   * response header; pass {@link EjectionReason#DRAINING}).
   *
   * <p>Unlike a detection, this ejection is always enforced: it ignores the thresholds, {@code
   * max_ejection_percent} and {@code enforcing: false} (the server's own statement is not a
   * statistical guess; panic mode still protects a cluster that drains as a whole). It lasts {@code
   * base_ejection_time} (30s without outlier detection) and does not grow the ejection multiplier.
   * A passing health check alone does not end it (the draining instance may pass a check that was
   * already in flight), but an active health check that fails after the ejection and then turns
   * the endpoint healthy again does: the instance was seen going away and one is back on that
   * address, as in a rolling restart on fixed ports. An already ejected endpoint has its ejection
   * extended to at least that long from now. Unknown endpoints are ignored.
   *
   * @throws NullPointerException when an argument is null
   */
  void ejectNow(Endpoint endpoint, EjectionReason reason) {
    if (reason == null) throw new NullPointerException("reason");
    if (endpoint == null) throw new NullPointerException("endpoint");
    lock.lock();
    try {
      Member m = members.get(endpoint);
      if (closed || m == null) return;
      OutlierDetector d = outlier;
      Duration time = d == null ? DEFAULT_DRAINING_EJECTION : d.config().baseEjectionTime();
      long now = ticker.read();
      if (m.ejected) {
        if (m.ejectionReason != reason) m.failedCheckSinceDrain = false;
        if (m.ejectedUntilNanos - (now + time.toNanos()) < 0) {
          m.ejectionReason = reason;
          scheduleReturn(m, now, time);
        }
        return;
      }
      meters.detected(reason);
      m.failedCheckSinceDrain = false;
      eject(m, reason, time, now);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The last resort for a request that every usable endpoint has failed without the request
   * leaving: an endpoint that is ejected (outlier detection or draining) but not unhealthy, that
   * {@code context} has not tried yet, least recently ejected first; {@code null} when there is
   * none (or the cluster is in panic, whose picker already uses every endpoint). Lock-free,
   * allocation-free: reads the list published with the picker.
   */
  Endpoint lastResort(PickContext context) {
    for (Endpoint e : published.lastResort) {
      if (!context.alreadyTried(e)) return e;
    }
    return null;
  }

  /** The endpoints of the cluster right now, in the order of the last endpoint list. Lock-free. */
  public List<Endpoint> endpoints() {
    return published.endpoints;
  }

  /** How many endpoints are usable (healthy and not ejected) right now. */
  public int usableCount() {
    return published.usable;
  }

  /**
   * How traffic is shared among priority levels and localities right now, or {@code null} when
   * the cluster has no {@code locality_lb}.
   */
  public LocalityShares localityShares() {
    return published.shares;
  }

  /** Whether the cluster is in panic mode (its picker uses every endpoint). */
  public boolean panic() {
    return published.panic;
  }

  /** The state of every endpoint, in endpoint order. */
  public List<EndpointStatus> statuses() {
    lock.lock();
    try {
      List<EndpointStatus> out = new ArrayList<>(byKey.size());
      long now = ticker.read();
      for (Member m : byKey.values()) out.add(status(m, now));
      return List.copyOf(out);
    } finally {
      lock.unlock();
    }
  }

  /** The state of {@code endpoint}, or {@code null} when it is not (any more) in this cluster. */
  public EndpointStatus status(Endpoint endpoint) {
    lock.lock();
    try {
      Member m = members.get(endpoint);
      return m == null ? null : status(m, ticker.read());
    } finally {
      lock.unlock();
    }
  }

  private EndpointStatus status(Member m, long now) {
    OutlierDetector d = outlier;
    boolean ejected = m.ejected;
    return new EndpointStatus(
        m.endpoint,
        m.healthy,
        ejected,
        ejected ? m.ejectionReason : null,
        ejected ? Duration.ofNanos(Math.max(0, m.ejectedUntilNanos - now)) : Duration.ZERO,
        d == null ? 0 : d.timesEjected(m.outlier, now),
        m.effectiveWeight,
        m.successes.sum(),
        m.failures.sum());
  }

  @Override
  public String toString() {
    Published p = published;
    return "Cluster{" + name + ", " + p.usable + "/" + p.endpoints.size() + " usable" + (p.panic ? ", panic" : "") + "}";
  }

  // ---------------------------------------------------------------- lifecycle (registry only)

  Published published() {
    return published;
  }

  /** Starts the endpoint source. Called once by the registry, without the lock. */
  void start() {
    EndpointSource s = sources.create(config());
    int generation = ++sourceGeneration;
    source = s;
    s.start(list -> applyEndpoints(list, generation));
  }

  /**
   * Applies a reloaded config: policies now, then the endpoint list through the source. Called by
   * the registry, without the lock.
   */
  void update(ClusterConfig newConfig, PickerFactory factory, HealthProbe probe) {
    lock.lock();
    try {
      if (closed) return;
      ClusterConfig old = config;
      config = newConfig;
      pickerFactory = factory;
      if (newConfig.lbCustom() == null && newConfig.lb() != LbPolicy.PEAK_EWMA) {
        // Latency is tracked only for peak_ewma (whose factory turns it on at each build).
        for (Member m : byKey.values()) EndpointInternals.latency(m.endpoint).decayNanos(0);
      }
      long now = ticker.read();
      OutlierDetectionConfig od = newConfig.outlierDetection();
      if (od == null) {
        if (outlier != null) {
          outlier = null;
          for (Member m : byKey.values()) {
            if (m.ejected && m.ejectionReason != EjectionReason.DRAINING) returnToService(m, now, false);
          }
        }
      } else if (outlier == null) {
        for (Member m : byKey.values()) OutlierDetector.resetStreaks(m.outlier);
        outlier = new OutlierDetector(od);
      } else if (!od.equals(old.outlierDetection())) {
        outlier = new OutlierDetector(od);
      }
      HealthCheckConfig hc = newConfig.healthCheck();
      if (hc == null) {
        if (checker != null) {
          checker.close();
          checker = null;
          for (Member m : byKey.values()) {
            if (!m.healthy) {
              m.healthy = true;
              events.endpointHealthChanged(m.endpoint, true);
            }
          }
        }
      } else if (checker == null) {
        checker = newChecker(hc, probe);
        for (Member m : byKey.values()) checker.add(m.endpoint);
      } else {
        checker.update(hc, hc.probe(), probe);
      }
      policyChanged = true;
    } finally {
      lock.unlock();
    }
    // The source usually pushes the new list synchronously, and that rebuild covers the new
    // policies too; rebuild here only when nothing did meanwhile.
    if (source == null || !source.update(newConfig)) {
      if (source != null) source.close();
      start();
    }
    lock.lock();
    try {
      if (policyChanged) rebuild();
    } finally {
      lock.unlock();
    }
  }

  /** Stops everything the cluster runs and drops its state. Idempotent. */
  void close() {
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      if (checker != null) checker.close();
      checker = null;
      if (slowStartTick != null) slowStartTick.cancel();
      slowStartTick = null;
      for (Member m : byKey.values()) {
        if (m.returnTask != null) m.returnTask.cancel();
        events.endpointRemoved(m.endpoint);
      }
      byKey.clear();
      members.clear();
      published = new Published(EMPTY_PICKER, List.of(), 0, 0, 0, false, null, NO_ENDPOINTS);
      meters.close();
    } finally {
      lock.unlock();
    }
    sourceGeneration++;
    if (source != null) source.close();
  }

  private HealthChecker newChecker(HealthCheckConfig hc, HealthProbe probe) {
    return new HealthChecker(
        name, hc, hc.probe(), probe, scheduler, ticker, random, lock, new HealthListener());
  }

  // ---------------------------------------------------------------- membership

  private void applyEndpoints(List<EndpointConfig> list, int generation) {
    lock.lock();
    try {
      if (closed || generation != sourceGeneration) return;
      long now = ticker.read();
      Map<String, EndpointConfig> wanted = new LinkedHashMap<>();
      for (EndpointConfig e : list) {
        wanted.putIfAbsent(name + "/" + e.address(), e);
      }
      boolean changed = !firstListApplied;
      List<Member> removed = new ArrayList<>();
      for (Member m : byKey.values()) {
        if (!wanted.containsKey(m.endpoint.key())) removed.add(m);
      }
      for (Member m : removed) {
        removeMember(m);
        changed = true;
      }
      List<Member> order = new ArrayList<>(wanted.size());
      List<Member> added = new ArrayList<>();
      for (Map.Entry<String, EndpointConfig> e : wanted.entrySet()) {
        EndpointConfig c = e.getValue();
        Member m = byKey.get(e.getKey());
        if (m == null) {
          m = new Member(new Endpoint(name, c.host(), c.port(), c.weight(), c.locality(),
              c.priority(), c.localityWeight()));
          if (firstListApplied) m.slowStartBeginNanos = now;
          added.add(m);
          changed = true;
        } else {
          if (m.endpoint.weight() != c.weight()) {
            EndpointInternals.weight(m.endpoint, c.weight());
            changed = true;
          }
          if (!m.endpoint.locality().equals(c.locality())
              || m.endpoint.priority() != c.priority()
              || m.endpoint.localityWeight() != c.localityWeight()) {
            EndpointInternals.locality(m.endpoint, c.locality(), c.priority(), c.localityWeight());
            changed = true;
          }
        }
        order.add(m);
      }
      List<String> oldOrder = new ArrayList<>(byKey.keySet());
      byKey.clear();
      for (Member m : order) byKey.put(m.endpoint.key(), m);
      if (!changed && !oldOrder.equals(new ArrayList<>(byKey.keySet()))) changed = true;
      for (Member m : added) {
        members.put(m.endpoint, m);
        meters.endpointAdded(m.endpoint, m.successes, m.failures);
        events.endpointAdded(m.endpoint);
        if (checker != null) checker.add(m.endpoint);
      }
      firstListApplied = true;
      if (changed || policyChanged) rebuild();
    } finally {
      lock.unlock();
    }
  }

  private void removeMember(Member m) {
    byKey.remove(m.endpoint.key());
    members.remove(m.endpoint);
    if (checker != null) checker.remove(m.endpoint);
    if (m.returnTask != null) m.returnTask.cancel();
    m.returnTask = null;
    meters.endpointRemoved(m.endpoint);
    events.endpointRemoved(m.endpoint);
  }

  // ---------------------------------------------------------------- outlier detection

  private void detected(Member m, OutlierDetector d, EjectionReason reason) {
    lock.lock();
    try {
      if (closed || members.get(m.endpoint) != m || m.ejected || outlier != d) return;
      long now = ticker.read();
      meters.detected(reason);
      int ejected = 0;
      for (Member x : byKey.values()) {
        if (x.ejected) ejected++;
      }
      if (!d.enforcing() || !d.mayEject(ejected, byKey.size())) {
        Duration wouldBe = d.nextEjectionTime(m.outlier, now);
        log.info(
            "{} detected as an outlier ({}) but not ejected: {}",
            m.endpoint,
            reason.tagValue(),
            d.enforcing() ? "max_ejection_percent reached (" + ejected + " of " + byKey.size() + " ejected)" : "dry run");
        events.endpointEjected(m.endpoint, reason, wouldBe, false);
        // Capped (not a dry run): start the streak over, as Envoy resets its counter after every
        // detection, so an endpoint that keeps failing is detected again after another
        // threshold's worth of failures, when the cap may allow it. Without this, an endpoint
        // that never succeeds (a lying instance) would never be ejected once its one detection
        // came while the cap was full.
        if (d.enforcing()) OutlierDetector.resetStreaks(m.outlier);
        return;
      }
      eject(m, reason, d.recordEjection(m.outlier, now), now);
    } finally {
      lock.unlock();
    }
  }

  private void eject(Member m, EjectionReason reason, Duration time, long now) {
    log.info("{} ejected for {} ({})", m.endpoint, time, reason.tagValue());
    m.ejected = true;
    m.ejectionReason = reason;
    m.ejectedAtNanos = now;
    scheduleReturn(m, now, time);
    meters.enforced(reason);
    events.endpointEjected(m.endpoint, reason, time, true);
    rebuild();
  }

  private void scheduleReturn(Member m, long now, Duration time) {
    if (m.returnTask != null) m.returnTask.cancel();
    m.ejectedUntilNanos = now + time.toNanos();
    m.returnTask = scheduler.schedule(() -> ejectionOver(m), time);
  }

  private void ejectionOver(Member m) {
    lock.lock();
    try {
      if (closed || members.get(m.endpoint) != m || !m.ejected) return;
      long now = ticker.read();
      if (m.ejectedUntilNanos - now > 0) return; // extended meanwhile; a later task returns it
      returnToService(m, now, true);
    } finally {
      lock.unlock();
    }
  }

  private void returnToService(Member m, long now, boolean rebuild) {
    if (m.returnTask != null) m.returnTask.cancel();
    m.returnTask = null;
    m.ejected = false;
    m.ejectionReason = null;
    m.ejectedUntilNanos = 0;
    OutlierDetector.recordReturn(m.outlier, now);
    beginSlowStart(m, now);
    events.endpointReturned(m.endpoint);
    if (rebuild) rebuild();
  }

  private void beginSlowStart(Member m, long now) {
    if (!config.slowStart().isZero() && !config.slowStart().isNegative()) m.slowStartBeginNanos = now;
  }

  /** Receives the health checker's findings, with the lock held. */
  private final class HealthListener implements HealthChecker.Listener {
    @Override
    public void onCheck(Endpoint endpoint, boolean passed, boolean probeError) {
      meters.check(passed, probeError);
      Member m = members.get(endpoint);
      if (m == null || !m.ejected) return;
      if (m.ejectionReason == EjectionReason.DRAINING) {
        if (!passed) m.failedCheckSinceDrain = true;
      } else if (passed) {
        returnToService(m, ticker.read(), true);
      }
    }

    @Override
    public void onHealthChanged(Endpoint endpoint, boolean healthy) {
      Member m = members.get(endpoint);
      if (m == null || m.healthy == healthy) return;
      m.healthy = healthy;
      log.info("{} is now {} (active health check)", endpoint, healthy ? "healthy" : "unhealthy");
      if (healthy && m.ejected && m.ejectionReason == EjectionReason.DRAINING && m.failedCheckSinceDrain) {
        returnToService(m, ticker.read(), false); // back after a restart; the rebuild below publishes it
      }
      if (healthy) beginSlowStart(m, ticker.read());
      events.endpointHealthChanged(endpoint, healthy);
      rebuild();
    }
  }

  // ---------------------------------------------------------------- rebuild

  private void slowStartStep() {
    lock.lock();
    try {
      slowStartTick = null;
      if (!closed) rebuild();
    } finally {
      lock.unlock();
    }
  }

  /** Recomputes the usable set and weights, builds and publishes a picker. Lock held. */
  private void rebuild() {
    if (closed) return;
    policyChanged = false;
    long now = ticker.read();
    int total = byKey.size();
    int usable = 0;
    int healthy = 0;
    int ejected = 0;
    for (Member m : byKey.values()) {
      if (m.healthy) healthy++;
      if (m.ejected) ejected++;
      if (m.usable()) usable++;
    }
    LocalityLbConfig localityLb = config.localityLb();
    if (localityLb != null) {
      rebuildByLocality(localityLb, now, total, usable, healthy, ejected);
      return;
    }
    int threshold = config.panicThreshold();
    boolean panic = threshold > 0 && total > 0 && usable * 100L < (long) threshold * total;
    long window = config.slowStart().isNegative() ? 0 : config.slowStart().toNanos();

    List<Member> chosen = new ArrayList<>(panic ? total : usable);
    boolean ramping = false;
    long nextStep = Long.MAX_VALUE;
    for (Member m : byKey.values()) {
      if (m.slowStartBeginNanos != Member.NOT_RAMPING
          && (window <= 0 || now - m.slowStartBeginNanos >= window)) {
        m.slowStartBeginNanos = Member.NOT_RAMPING;
      }
      m.effectiveWeight = 0;
      if (!panic && !m.usable()) continue;
      chosen.add(m);
      if (m.slowStartBeginNanos != Member.NOT_RAMPING) {
        ramping = true;
        long step = Math.max(1, window / 10);
        long elapsed = now - m.slowStartBeginNanos;
        long next = m.slowStartBeginNanos + Math.min(window, (elapsed / step + 1) * step);
        nextStep = Math.min(nextStep, next);
      }
    }
    List<Endpoint> endpoints = new ArrayList<>(chosen.size());
    int[] weights = new int[chosen.size()];
    for (int i = 0; i < weights.length; i++) {
      Member m = chosen.get(i);
      int w = m.endpoint.weight();
      if (!ramping) {
        weights[i] = w;
      } else if (m.slowStartBeginNanos == Member.NOT_RAMPING) {
        weights[i] = 10 * w;
      } else {
        weights[i] = (int) Math.max(w, rampedWeight(w, now - m.slowStartBeginNanos, window));
      }
      endpoints.add(m.endpoint);
    }
    Picker picker;
    try {
      picker = pickerFactory.build(List.copyOf(endpoints), weights);
    } catch (RuntimeException e) {
      log.error("cluster '{}': the picker factory failed; keeping the previous picker", name, e);
      picker = published.picker;
    }
    for (int i = 0; i < weights.length; i++) chosen.get(i).effectiveWeight = weights[i];
    List<Endpoint> all = new ArrayList<>(total);
    for (Member m : byKey.values()) all.add(m.endpoint);
    published = new Published(picker, List.copyOf(all), usable, healthy, ejected, panic, null,
        panic ? NO_ENDPOINTS : lastResorts());
    scheduleSlowStart(ramping, nextStep, now);
    events.pickerRebuilt(name, usable, total, panic);
  }

  private void scheduleSlowStart(boolean ramping, long nextStep, long now) {
    if (slowStartTick != null) slowStartTick.cancel();
    slowStartTick = ramping ? scheduler.schedule(this::slowStartStep, Duration.ofNanos(nextStep - now)) : null;
  }

  /**
   * {@link #rebuild} for a cluster with {@code locality_lb}: groups the members by priority and
   * locality, computes the {@link LocalityShares}, and builds one picker per share (over the
   * share's usable members, or all of them when its level is in panic) under a {@link
   * LocalityPicker}. Lock held.
   */
  private void rebuildByLocality(
      LocalityLbConfig localityLb, long now, int total, int usable, int healthy, int ejected) {
    Locality own = self == null ? Locality.UNKNOWN : self.get();
    if (own == null) own = Locality.UNKNOWN;
    Map<String, int[]> counts = new LinkedHashMap<>();
    Map<String, Member> firstOf = new LinkedHashMap<>();
    for (Member m : byKey.values()) {
      String key = m.endpoint.priority() + " " + m.endpoint.locality();
      int[] c = counts.computeIfAbsent(key, k -> new int[2]);
      c[0]++;
      if (m.usable()) c[1]++;
      firstOf.putIfAbsent(key, m);
    }
    List<LocalityShares.Group> groups = new ArrayList<>(counts.size());
    for (Map.Entry<String, int[]> e : counts.entrySet()) {
      Endpoint first = firstOf.get(e.getKey()).endpoint;
      groups.add(new LocalityShares.Group(first.priority(), first.locality(), e.getValue()[0],
          e.getValue()[1], Math.max(1, first.localityWeight())));
    }
    LocalityShares shares =
        LocalityShares.compute(localityLb, config.panicThreshold(), own, groups, null);
    long window = config.slowStart().isNegative() ? 0 : config.slowStart().toNanos();
    boolean ramping = false;
    long nextStep = Long.MAX_VALUE;
    for (Member m : byKey.values()) {
      m.effectiveWeight = 0;
      if (m.slowStartBeginNanos != Member.NOT_RAMPING
          && (window <= 0 || now - m.slowStartBeginNanos >= window)) {
        m.slowStartBeginNanos = Member.NOT_RAMPING;
      }
      if (m.slowStartBeginNanos != Member.NOT_RAMPING) {
        ramping = true;
        long step = Math.max(1, window / 10);
        long elapsed = now - m.slowStartBeginNanos;
        nextStep = Math.min(nextStep, m.slowStartBeginNanos + Math.min(window, (elapsed / step + 1) * step));
      }
    }
    List<LocalityShares.Share> list = shares.shares();
    List<LocalityPicker.Slot> slots = new ArrayList<>(list.size());
    for (LocalityShares.Share share : list) {
      List<Endpoint> endpoints = new ArrayList<>();
      List<Member> chosen = new ArrayList<>();
      for (Member m : byKey.values()) {
        Endpoint e = m.endpoint;
        if (shares.levelOf(e.priority(), e.locality(), own) != share.level()) continue;
        if (share.locality() != null && !share.locality().equals(e.locality())) continue;
        if (!share.panic() && !m.usable()) continue;
        endpoints.add(e);
        chosen.add(m);
      }
      int[] weights = new int[chosen.size()];
      for (int i = 0; i < weights.length; i++) {
        Member m = chosen.get(i);
        int w = m.endpoint.weight();
        if (!ramping) weights[i] = w;
        else if (m.slowStartBeginNanos == Member.NOT_RAMPING) weights[i] = 10 * w;
        else weights[i] = (int) Math.max(w, rampedWeight(w, now - m.slowStartBeginNanos, window));
        m.effectiveWeight = weights[i];
      }
      slots.add(new LocalityPicker.Slot(endpoints, weights));
    }
    Picker picker;
    try {
      picker = LocalityPicker.build(shares, slots, pickerFactory, random.nextLong());
    } catch (RuntimeException e) {
      log.error("cluster '{}': the picker factory failed; keeping the previous picker", name, e);
      picker = published.picker;
    }
    List<Endpoint> all = new ArrayList<>(total);
    for (Member m : byKey.values()) all.add(m.endpoint);
    boolean panic = shares.totalPanic();
    published = new Published(picker, List.copyOf(all), usable, healthy, ejected, panic, shares,
        panic ? NO_ENDPOINTS : lastResorts());
    scheduleSlowStart(ramping, nextStep, now);
    events.pickerRebuilt(name, usable, total, panic);
  }

  /** The ejected but healthy endpoints, least recently ejected first. Lock held. */
  private Endpoint[] lastResorts() {
    List<Member> ejected = new ArrayList<>();
    for (Member m : byKey.values()) {
      if (m.ejected && m.healthy) ejected.add(m);
    }
    if (ejected.isEmpty()) return NO_ENDPOINTS;
    ejected.sort((a, b) -> Long.compare(a.ejectedAtNanos - b.ejectedAtNanos, 0));
    Endpoint[] out = new Endpoint[ejected.size()];
    for (int i = 0; i < out.length; i++) out[i] = ejected.get(i).endpoint;
    return out;
  }

  /** {@code floor(10·w·elapsed/window)}, exact for any window. */
  static long rampedWeight(int w, long elapsed, long window) {
    long scaled = 10L * w;
    if (elapsed <= 0) return 0;
    if (elapsed <= Long.MAX_VALUE / scaled) return scaled * elapsed / window;
    return java.math.BigInteger.valueOf(scaled)
        .multiply(java.math.BigInteger.valueOf(elapsed))
        .divide(java.math.BigInteger.valueOf(window))
        .longValue();
  }

  /**
   * What the hot path and the gauges read: replaced as a whole, with one volatile write. {@code
   * lastResort} is never modified after publication.
   */
  record Published(
      Picker picker, List<Endpoint> endpoints, int usable, int healthy, int ejected, boolean panic,
      LocalityShares shares, Endpoint[] lastResort) {}
}
