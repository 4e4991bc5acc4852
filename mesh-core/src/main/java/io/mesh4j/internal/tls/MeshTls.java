package io.mesh4j.internal.tls;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.TlsConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.IdentitySourceProvider;
import io.mesh4j.identity.PeerObserver;
import io.mesh4j.identity.PeerVerification;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.Scheduler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mesh's TLS state: its identity sources (PEM sources made from {@code identity_sources},
 * sources an {@link IdentitySourceProvider} makes for their kind of entry ({@code workload_api}),
 * sources registered in code), each cluster's client TLS ({@link ClusterTls}), and the server
 * context over {@code inbound.tls}. Reconciled with each config in two steps: {@link #prepare}
 * makes every new source (failing the reload, with the entry's path, when one cannot be read)
 * without changing anything, {@link #commit} then swaps and closes what is gone. A source whose
 * entry did not change is kept, so its rotation history, its listeners and the connections made
 * with it survive a reload.
 *
 * <p>Publishes {@code mesh.identity.expiry.seconds{source}} and logs a warning once per
 * certificate when less than a third of its validity remains (renewal is due at two thirds, so by
 * then it has failed), an error once it expired. Thread-safe; {@link #prepare}/{@link #commit} are
 * called under the mesh's reload lock.
 *
 * <p>Engine internal: public only for the adapters and the admin page.
 */
public final class MeshTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshTls.class);
  static final Duration EXPIRY_CHECK = Duration.ofMinutes(1);

  private final Map<String, IdentitySource> registered;
  private final Supplier<? extends Iterable<IdentitySourceProvider>> providerLookup;
  /** The providers by kind, looked up when a config first needs one; guarded by {@code this}. */
  private Map<String, List<IdentitySourceProvider>> providers;
  private final Scheduler scheduler;
  private final Clock clock;
  private final MeterRegistry meters;
  private final String service;
  private volatile State state = new State(Map.of(), Map.of(), Map.of(), null);
  private final Map<String, Long> warnedGeneration = new ConcurrentHashMap<>();
  private final AtomicLong serverRefused = new AtomicLong();
  private final ConcurrentHashMap<String, Long> serverVerified = new ConcurrentHashMap<>();
  private volatile String serverLastRefusal;
  private volatile SSLContext serverContext;
  private volatile boolean closed;
  private volatile Scheduler.Cancellable expiryTask;

  /** One config's sources and contexts. */
  private record State(Map<String, Source> sources, Map<String, ClusterTls> clusters,
      Map<String, IdentitySourceConfig> configs, InboundTlsConfig inbound) {}

  /**
   * A source and the listener the mesh attached to it. Its meters belong to its name, not to it
   * ({@link #attach}): a changed entry's new source takes them over.
   */
  private record Source(IdentitySource source, boolean owned, AutoCloseable listener) {}

  /**
   * @param registered sources registered in code, by name
   * @param providers the identity source providers (a {@link java.util.ServiceLoader}), iterated
   *     once, when a config first has an entry that needs one
   * @param service the service name (metric tag)
   */
  public MeshTls(Map<String, IdentitySource> registered,
      Supplier<? extends Iterable<IdentitySourceProvider>> providers, Scheduler scheduler,
      Clock clock, MeterRegistry meters, String service) {
    this.registered = Map.copyOf(registered);
    this.providerLookup = Objects.requireNonNull(providers, "providers");
    this.scheduler = scheduler;
    this.clock = clock;
    this.meters = meters;
    this.service = service;
  }

  /** The {@link PeerVerification} of a cluster's {@code verify}. */
  public static PeerVerification verification(TlsConfig.Verify v) {
    if (!v.spiffeIds().isEmpty()) return PeerVerification.spiffeIds(v.spiffeIds());
    if (!v.subjectAltNames().isEmpty()) return PeerVerification.subjectAltNames(v.subjectAltNames());
    return PeerVerification.anyTrusted();
  }

  /** What {@link #prepare} made, to {@link #commit} or {@link #discard}. */
  public static final class Prepared {
    private final MeshConfig config;
    private final Map<String, Source> sources;
    private final List<Source> made;

    private Prepared(MeshConfig config, Map<String, Source> sources, List<Source> made) {
      this.config = config;
      this.sources = sources;
      this.made = made;
    }
  }

  /**
   * Makes the sources {@code config} needs and does not have yet, changing nothing in force.
   *
   * @throws ConfigException naming each {@code identity_sources} entry that cannot be used
   */
  public Prepared prepare(MeshConfig config) {
    State s = state;
    Map<String, Source> sources = new LinkedHashMap<>();
    List<Source> made = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    for (int i = 0; i < config.identitySources().size(); i++) {
      IdentitySourceConfig c = config.identitySources().get(i);
      String p = "identity_sources[" + i + "]";
      Source old = s.sources.get(c.name());
      if (old != null && Objects.equals(s.configs.get(c.name()), c)) {
        sources.put(c.name(), old);
        continue;
      }
      if (c.workloadApi() != null) {
        Source src = provided(c, IdentitySourceProvider.WORKLOAD_API, p + ".workload_api", errors);
        if (src != null) {
          sources.put(c.name(), src);
          made.add(src);
        }
        continue;
      }
      if (c.pem() == null) {
        IdentitySource r = registered.get(c.name());
        if (r == null) {
          errors.add(new ConfigError(p, "no pem, no workload_api, and no identity source \""
              + c.name() + "\" registered with Mesh.builder().identitySource(...) (registered: "
              + (registered.isEmpty() ? "none" : String.join(", ", new TreeMap<>(registered).keySet()))
              + ")"));
          continue;
        }
        if (r.current() == null) {
          // A source fed later (xDS SDS before its first secrets) cannot serve a handshake yet.
          errors.add(new ConfigError(p, "identity source \"" + c.name() + "\" has no identity yet"
              + (r.lastError() == null ? "" : " (" + r.lastError() + ")")));
          continue;
        }
        Source src = attach(r, false);
        sources.put(c.name(), src);
        made.add(src);
        continue;
      }
      try {
        PemFileIdentitySource pem = PemFileIdentitySource.builder(c.name())
            .certChain(Path.of(c.pem().certChain())).privateKey(Path.of(c.pem().privateKey()))
            .trustBundle(Path.of(c.pem().trustBundle())).refresh(c.pem().refresh())
            .scheduler(scheduler).build();
        Source src = attach(pem, true);
        sources.put(c.name(), src);
        made.add(src);
      } catch (IllegalArgumentException e) { // also InvalidPathException
        errors.add(new ConfigError(p + ".pem", e.getMessage()));
      }
    }
    Prepared prepared = new Prepared(config, sources, made);
    if (!errors.isEmpty()) {
      discard(prepared);
      throw new ConfigException(errors);
    }
    return prepared;
  }

  /**
   * The source the provider of {@code kind} makes for {@code c}, attached and owned; {@code null}
   * with the reason added to {@code errors} (at {@code path}) when there is no such provider or it
   * fails.
   */
  private Source provided(IdentitySourceConfig c, String kind, String path,
      List<ConfigError> errors) {
    List<IdentitySourceProvider> found;
    try {
      found = providers().getOrDefault(kind, List.of());
    } catch (java.util.ServiceConfigurationError e) {
      errors.add(new ConfigError(path, "identity source providers cannot be loaded: "
          + e.getMessage()));
      return null;
    }
    if (found.isEmpty()) {
      errors.add(new ConfigError(path, "no identity source provider of kind " + kind
          + " on the class path (expected: io.mesh4j:mesh-spiffe on the class path, which"
          + " provides it)"));
      return null;
    }
    if (found.size() > 1) {
      List<String> names = new ArrayList<>();
      for (IdentitySourceProvider f : found) names.add(f.getClass().getName());
      errors.add(new ConfigError(path, "identity source providers of kind " + kind
          + " are registered twice: " + String.join(" and ", names) + " (expected: one)"));
      return null;
    }
    IdentitySource source;
    try {
      source = found.get(0).create(c);
    } catch (IllegalArgumentException | IllegalStateException e) {
      errors.add(new ConfigError(path, String.valueOf(e.getMessage())));
      return null;
    } catch (RuntimeException e) {
      log.warn("mesh4j: identity source provider {} failed", found.get(0).getClass().getName(), e);
      errors.add(new ConfigError(path, "identity source " + c.name() + " cannot be made: " + e));
      return null;
    }
    String wrong = source == null ? "made no source"
        : !c.name().equals(source.name()) ? "made a source named \"" + source.name() + "\""
        : source.current() == null ? "made a source without an identity" : null;
    if (wrong != null) {
      if (source != null) source.close();
      errors.add(new ConfigError(path, "identity source provider "
          + found.get(0).getClass().getName() + " " + wrong + " (expected: a source named \""
          + c.name() + "\" with an identity)"));
      return null;
    }
    return attach(source, true);
  }

  private synchronized Map<String, List<IdentitySourceProvider>> providers() {
    if (providers == null) {
      Map<String, List<IdentitySourceProvider>> byKind = new HashMap<>();
      for (IdentitySourceProvider p : providerLookup.get()) {
        byKind.computeIfAbsent(p.kind(), k -> new ArrayList<>()).add(p);
      }
      providers = byKind;
    }
    return providers;
  }

  /** Undoes a {@link #prepare} whose config was not installed. */
  public void discard(Prepared p) {
    for (Source m : p.made) {
      detach(m);
      if (!state.sources.containsKey(m.source.name())) removeMeters(m.source.name());
    }
  }

  /** Puts {@code p}'s sources and cluster contexts in force and releases what is gone. */
  public void commit(Prepared p) {
    State old = state;
    Map<String, IdentitySourceConfig> configs = new HashMap<>();
    for (IdentitySourceConfig c : p.config.identitySources()) configs.put(c.name(), c);
    Map<String, ClusterTls> clusters = new HashMap<>();
    for (ClusterConfig c : p.config.clusters()) {
      TlsConfig t = c.tls();
      if (!t.enabled()) continue;
      Source src = p.sources.get(t.source());
      ClusterTls prev = old.clusters.get(c.name());
      if (prev != null && prev.config().equals(t) && prev.source() == src.source()) {
        clusters.put(c.name(), prev);
      } else {
        Counter refused = Counter.builder(MeshMetricNames.TLS_PEER_REFUSED)
            .description("Server certificates the client refused during the handshake")
            .tag(MeshMetricNames.TAG_CLUSTER, c.name())
            .register(meters);
        clusters.put(c.name(), new ClusterTls(c.name(), t, src.source(), clock, refused));
      }
    }
    state = new State(Map.copyOf(p.sources), Map.copyOf(clusters), Map.copyOf(configs),
        p.config.inbound().tls());
    for (Map.Entry<String, Source> e : old.sources.entrySet()) {
      if (p.sources.get(e.getKey()) != e.getValue()) detach(e.getValue());
      if (!p.sources.containsKey(e.getKey())) removeMeters(e.getKey());
    }
    if (expiryTask == null && !p.sources.isEmpty() && !closed) {
      checkExpiry();
    }
  }

  /**
   * Listens to {@code source}'s rotations. The meters are its name's: registered once per name
   * (a second registration returns the first), the gauge reading whichever source holds the name
   * in force, so a changed entry's new source takes them over; {@link #removeMeters} drops them
   * when the name leaves the config.
   */
  private Source attach(IdentitySource source, boolean owned) {
    String name = source.name();
    Gauge.builder(MeshMetricNames.IDENTITY_EXPIRY, this, t -> t.expirySeconds(name))
        .description("Seconds until the identity source's certificate expires")
        .tag(MeshMetricNames.TAG_SOURCE, name)
        .register(meters);
    Counter rotations = Counter.builder(MeshMetricNames.IDENTITY_ROTATIONS)
        .description("New identities taken from the source")
        .tag(MeshMetricNames.TAG_SOURCE, name)
        .register(meters);
    Consumer<WorkloadIdentity> onChange = id -> rotations.increment();
    AutoCloseable listener = source.onChange(onChange);
    return new Source(source, owned, listener);
  }

  /** Seconds until the certificate of the source in force under {@code name} expires; NaN if none. */
  private double expirySeconds(String name) {
    Source s = state.sources.get(name);
    WorkloadIdentity id = s == null ? null : s.source.current();
    return id == null ? Double.NaN
        : Duration.between(clock.instant(), id.notAfter()).toMillis() / 1000.0;
  }

  private void detach(Source s) {
    try {
      s.listener.close();
    } catch (Exception e) {
      log.warn("mesh4j: removing an identity listener failed", e);
    }
    if (s.owned) s.source.close();
  }

  private void removeMeters(String name) {
    for (String meter : List.of(MeshMetricNames.IDENTITY_EXPIRY, MeshMetricNames.IDENTITY_ROTATIONS)) {
      for (Meter m : meters.find(meter).tag(MeshMetricNames.TAG_SOURCE, name).meters()) {
        meters.remove(m);
      }
    }
  }

  private void checkExpiry() {
    if (closed) return;
    Instant now = clock.instant();
    for (Source s : state.sources.values()) {
      WorkloadIdentity id = s.source.current();
      Duration left = Duration.between(now, id.notAfter());
      Duration life = Duration.between(id.notBefore(), id.notAfter());
      Long warned = warnedGeneration.get(s.source.name());
      long key = id.generation() * 2 + (left.isNegative() ? 1 : 0);
      if (warned != null && warned == key) continue;
      if (left.isNegative()) {
        log.error("mesh4j: the certificate of identity source {} expired at {}: peers refuse it;"
            + " the source has not rotated it ({})", s.source.name(), id.notAfter(),
            s.source.lastError() == null ? "no read error" : s.source.lastError());
        warnedGeneration.put(s.source.name(), key);
      } else if (left.multipliedBy(3).compareTo(life) < 0) {
        log.warn("mesh4j: the certificate of identity source {} expires in {}s (at {}) and has not"
            + " been rotated; renewal is due at two thirds of its validity ({})", s.source.name(),
            left.toSeconds(), id.notAfter(),
            s.source.lastError() == null ? "no read error" : s.source.lastError());
        warnedGeneration.put(s.source.name(), key);
      }
    }
    expiryTask = scheduler.schedule(this::checkExpiry, EXPIRY_CHECK);
  }

  /** The client TLS of {@code cluster}, or {@code null} when it speaks plaintext. */
  public ClusterTls client(String cluster) {
    return state.clusters.get(cluster);
  }

  /** Every cluster's client TLS, by name. */
  public Map<String, ClusterTls> clients() {
    return new TreeMap<>(state.clusters);
  }

  /** The identity source of that name in force, or {@code null}. */
  public IdentitySource source(String name) {
    Source s = state.sources.get(name);
    return s == null ? null : s.source;
  }

  /** The identity sources in force, by name. */
  public Map<String, IdentitySource> sources() {
    Map<String, IdentitySource> out = new TreeMap<>();
    state.sources.forEach((k, v) -> out.put(k, v.source));
    return out;
  }

  /** {@code inbound.tls}, or {@code null}. */
  public InboundTlsConfig inbound() {
    return state.inbound;
  }

  /**
   * The server context over {@code inbound.tls}: serves the named source's current certificate
   * (following a config that names another source), requires client certificates in {@code
   * strict} mode and requests them in {@code permissive} mode, read per connection. Made once.
   *
   * @throws IllegalStateException when the config has no {@code inbound.tls}
   */
  public SSLContext serverContext() {
    SSLContext c = serverContext;
    if (c != null) return c;
    synchronized (this) {
      if (serverContext != null) return serverContext;
      if (state.inbound == null) {
        throw new IllegalStateException("the config has no inbound.tls: set inbound.tls.source to"
            + " an identity_sources entry");
      }
      Counter refused = Counter.builder(MeshMetricNames.SERVER_TLS_REFUSED)
          .description("Client certificates the server refused during the handshake")
          .tag(MeshMetricNames.TAG_SOURCE, "inbound")
          .register(meters);
      PeerObserver observer = new PeerObserver() {
        @Override
        public void verified(String identity) {
          if (identity == null) return;
          if (serverVerified.size() >= 64 && !serverVerified.containsKey(identity)) {
            serverVerified.clear();
          }
          serverVerified.put(identity, clock.millis());
        }

        @Override
        public void refused(String identity, String reason) {
          serverRefused.incrementAndGet();
          refused.increment();
          serverLastRefusal = reason;
        }
      };
      serverContext = TlsContexts.server(new InboundSource(), () -> {
        InboundTlsConfig in = state.inbound;
        return in == null || in.mode() == InboundTlsConfig.Mode.STRICT;
      }, PeerVerification.anyTrusted(), observer, clock, TlsConfig.DEFAULT_MIN_VERSION);
      return serverContext;
    }
  }

  /** Client identities the server context verified (the last 64 distinct), with when. */
  public Map<String, Instant> serverVerifiedPeers() {
    Map<String, Instant> out = new TreeMap<>();
    serverVerified.forEach((k, v) -> out.put(k, Instant.ofEpochMilli(v)));
    return out;
  }

  /** Client handshakes the server context refused. */
  public long serverRefusedCount() {
    return serverRefused.get();
  }

  /** Why the last client was refused, or {@code null}. */
  public String serverLastRefusal() {
    return serverLastRefusal;
  }

  /** The source {@code inbound.tls.source} names right now, followed across reloads. */
  private final class InboundSource implements IdentitySource {
    private final List<Consumer<WorkloadIdentity>> listeners =
        new java.util.concurrent.CopyOnWriteArrayList<>();

    private IdentitySource target() {
      State s = state;
      if (s.inbound == null) throw new IllegalStateException("inbound.tls was removed");
      return s.sources.get(s.inbound.source()).source;
    }

    @Override
    public String name() {
      return "inbound";
    }

    @Override
    public WorkloadIdentity current() {
      return target().current();
    }

    @Override
    public AutoCloseable onChange(Consumer<WorkloadIdentity> listener) {
      // Sessions are cleared on the rotations of every source the inbound side may name.
      List<AutoCloseable> all = new ArrayList<>();
      for (Source s : state.sources.values()) all.add(s.source.onChange(listener));
      listeners.add(listener);
      return () -> {
        listeners.remove(listener);
        for (AutoCloseable a : all) a.close();
      };
    }

    @Override
    public void close() {}
  }

  @Override
  public void close() {
    closed = true;
    Scheduler.Cancellable t = expiryTask;
    if (t != null) t.cancel();
    for (Map.Entry<String, Source> e : state.sources.entrySet()) {
      detach(e.getValue());
      removeMeters(e.getKey());
    }
  }
}
