package io.mesh4j;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.internal.cluster.ClusterRegistry;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ConfigValidator;
import io.mesh4j.config.ExtensionRef;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.endpoint.DnsResolver;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.extension.Extensions;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.health.HealthProbeProvider;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.lb.PickerProvider;
import io.mesh4j.lb.Pickers;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.route.RouteExtensions;
import io.mesh4j.route.RouteMatcher;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.SystemScheduler;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh runtime: holds the current compiled {@link MeshSnapshot} and the long-lived cluster
 * state (endpoints, health, ejections) that both adapters use.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.fromFile(Path.of("mesh.yaml"));    // loads, validates, watches the file
 * OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
 * ...
 * mesh.close();                                       // stops health checks and the watcher
 * }</pre>
 *
 * <p><b>Reloads.</b> {@link #reload(MeshConfig)} compiles the new config completely (route tables,
 * cluster changes) and only then swaps it in with one volatile write; an invalid config throws
 * {@link ConfigException} with every error and the old snapshot keeps serving. Endpoint state
 * survives reloads. Reloads are serialized; {@link #current()} is one volatile read.
 *
 * <p><b>Extensions.</b> Custom matchers, pickers, health probes and request policies are named
 * from the config and registered on the {@link Builder} ({@link Builder#matcher}, {@link
 * Builder#picker}, {@link Builder#healthProbe}, {@link Builder#policy}) or found by {@link
 * ServiceLoader}; {@link #extensions()} holds them. Every config the mesh loads or installs is
 * checked against them, and they are compiled into each snapshot once (see {@code
 * docs/extensions.md}).
 *
 * <p><b>Isolation.</b> Everything a mesh uses (scheduler, meter registry, probes, listeners) is
 * handed in through the {@link Builder}; there is no static mutable state, so two meshes in one
 * JVM never see each other.
 *
 * <p>Thread-safe.
 */
public final class Mesh implements AutoCloseable {
  static {
    // The engine-facing accessors live in io.mesh4j.internal, off the public API.
    MeshInternals.install(new MeshInternals.Access() {
      @Override
      public Ticker ticker(Mesh mesh) {
        return mesh.ticker;
      }

      @Override
      public Scheduler scheduler(Mesh mesh) {
        return mesh.scheduler;
      }

      @Override
      public RandomGenerator random(Mesh mesh) {
        return mesh.random;
      }

      @Override
      public MeshRuntime runtime(Mesh mesh) {
        return mesh.runtime;
      }

      @Override
      public io.mesh4j.internal.tls.MeshTls tls(Mesh mesh) {
        return mesh.tls;
      }
    });
  }

  private static final Logger log = LoggerFactory.getLogger(Mesh.class);

  private final ClusterRegistry registry;
  private final SystemScheduler ownedScheduler;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final Clock clock;
  private final HealthProbes probes;
  private final MeterRegistry meterRegistry;
  private final MeshEventListener listener;
  private final MeshTracer tracer;
  private final RandomGenerator random;
  /** The service's locality when the config does not name it: provider, else environment. */
  private final java.util.function.Supplier<io.mesh4j.config.Locality> localityFallback;
  /** The {@code locality} of the config being installed or in force; {@code null} when absent. */
  private volatile io.mesh4j.config.Locality configLocality;
  private final Counter reloadSuccess;
  private final Counter reloadFailure;
  private final Object reloadLock = new Object();
  private final ConfigFileWatcher watcher;
  private final Extensions extensions;
  private final MeshRuntime runtime;
  private final io.mesh4j.internal.tls.MeshTls tls;
  private volatile MeshSnapshot snapshot;
  private volatile ReloadError lastReloadError;
  private final Map<String, ConfigSourceStatus> configSources = new ConcurrentHashMap<>();
  private volatile boolean draining;
  private volatile boolean closed;
  /** Checks every later reload must pass ({@link #addReloadCheck}); copy-on-write. */
  private final java.util.concurrent.CopyOnWriteArrayList<
      java.util.function.Function<MeshConfig, List<ConfigError>>> reloadChecks =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private Mesh(Builder b, MeshConfig initial, String source, byte[] sourceBytes) {
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownedScheduler = null;
    } else {
      this.ownedScheduler = new SystemScheduler("mesh");
      this.scheduler = ownedScheduler;
    }
    this.meterRegistry = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
    this.listener = b.listener != null ? b.listener : MeshEventListener.NONE;
    this.tracer = b.tracer != null ? b.tracer : MeshTracer.noop();
    this.random = b.random != null ? b.random : new Random();
    this.localityFallback = b.locality != null ? b.locality : environmentLocality();
    this.probes = probes(b);
    this.extensions = b.extensions != null ? b.extensions : b.extensions();
    this.runtime = new MeshRuntime(ticker, scheduler, meterRegistry);
    this.tls = new io.mesh4j.internal.tls.MeshTls(b.identitySources,
        () -> ServiceLoader.load(io.mesh4j.identity.IdentitySourceProvider.class,
            Mesh.class.getClassLoader()),
        scheduler, clock, meterRegistry, initial.service());
    this.reloadSuccess =
        Counter.builder(MeshMetricNames.CONFIG_RELOADS)
            .description("Config reloads by result")
            .tag(MeshMetricNames.TAG_RESULT, MeshMetricNames.SUCCESS)
            .register(meterRegistry);
    this.reloadFailure =
        Counter.builder(MeshMetricNames.CONFIG_RELOADS)
            .description("Config reloads by result")
            .tag(MeshMetricNames.TAG_RESULT, MeshMetricNames.FAILURE)
            .register(meterRegistry);
    ClusterRegistry.Builder rb =
        ClusterRegistry.builder()
            .scheduler(scheduler)
            .ticker(ticker)
            .pickerFactories(this::pickerFactory)
            .healthProbes(probes)
            .clusterTls(name -> {
              io.mesh4j.internal.tls.ClusterTls t = tls.client(name);
              return t == null ? null : t.probeTls();
            })
            .meterRegistry(meterRegistry)
            .eventListener(listener)
            .random(random)
            .locality(this::locality);
    b.endpointSources.forEach(rb::endpointSource);
    if (b.dnsResolver != null) rb.dnsResolver(b.dnsResolver);
    this.registry = rb.build();
    try {
      install(initial, source, sourceBytes);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
    if (b.configFile != null && b.watchInterval != null && !b.watchInterval.isZero()) {
      this.watcher =
          new ConfigFileWatcher(
              b.configFile, sourceBytes, b.watchInterval, scheduler,
              bytes -> reloadFromWatcher(b.configFile, bytes),
              e -> reloadFailed(b.configFile.toString(),
                  new ConfigException(List.of(new ConfigError(b.configFile.toString(),
                      "cannot read: " + e)))));
      watcher.start();
    } else {
      this.watcher = null;
    }
  }

  /**
   * Where this service runs: the config's {@code locality} when it names one, else the builder's
   * {@link Builder#locality locality provider}, else the {@value
   * io.mesh4j.config.Locality#ENV} environment variable; {@link io.mesh4j.config.Locality#UNKNOWN}
   * when none says.
   */
  public io.mesh4j.config.Locality locality() {
    io.mesh4j.config.Locality configured = configLocality;
    if (configured != null) return configured;
    io.mesh4j.config.Locality l = localityFallback.get();
    return l == null ? io.mesh4j.config.Locality.UNKNOWN : l;
  }

  private static java.util.function.Supplier<io.mesh4j.config.Locality> environmentLocality() {
    String value = System.getenv(io.mesh4j.config.Locality.ENV);
    if (value == null || value.isEmpty()) return () -> io.mesh4j.config.Locality.UNKNOWN;
    io.mesh4j.config.Locality parsed;
    try {
      parsed = io.mesh4j.config.Locality.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(List.of(new ConfigError(
          "$" + io.mesh4j.config.Locality.ENV, e.getMessage())));
    }
    return () -> parsed;
  }

  private PickerFactory pickerFactory(ClusterConfig cluster) {
    ExtensionRef custom = cluster.lbCustom();
    if (custom == null) return Pickers.factory(cluster, random, ticker);
    PickerProvider provider = extensions.picker(custom.name());
    if (provider == null) {
      throw new IllegalArgumentException("cluster " + cluster.name() + ": unknown picker " + custom.name());
    }
    PickerFactory f;
    try {
      f = provider.create(custom.args(), cluster, random);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cluster " + cluster.name() + ": picker " + custom.name() + " cannot be made: " + e, e);
    }
    if (f == null) {
      throw new IllegalArgumentException(
          "cluster " + cluster.name() + ": picker " + custom.name() + " made null");
    }
    return f;
  }

  private static HealthProbes probes(Builder b) {
    HealthProbes.Builder pb = HealthProbes.builder();
    Set<String> explicit = b.probes.keySet();
    for (HealthProbeProvider p : ServiceLoader.load(HealthProbeProvider.class, Mesh.class.getClassLoader())) {
      if (!explicit.contains(p.name())) pb.add(p.name(), p.create());
    }
    b.probes.forEach(pb::add);
    return pb.build();
  }

  /** Loads, validates and watches {@code file} (polled every 2 s; see {@link Builder#watch}). */
  public static Mesh fromFile(Path file) {
    return builder().configFile(file).build();
  }

  /** A mesh serving {@code config}, with default settings. */
  public static Mesh of(MeshConfig config) {
    return builder().config(config).build();
  }

  /** A builder for a mesh with injected time, metrics, listeners and probes. */
  public static Builder builder() {
    return new Builder();
  }

  /** The current snapshot: one volatile read. Never {@code null}. */
  public MeshSnapshot current() {
    return snapshot;
  }

  /** This application's own service name ({@code service:}). */
  public String serviceName() {
    return snapshot.config().service();
  }

  /**
   * Validates, compiles and installs {@code config}.
   *
   * @throws ConfigException when it cannot be applied; the current snapshot keeps serving
   * @throws IllegalStateException after {@link #close()}
   */
  public MeshSnapshot reload(MeshConfig config) {
    Objects.requireNonNull(config, "config");
    return reloadAndCount(config, "code", null);
  }

  /**
   * Loads {@code file} (YAML or JSON), validates, compiles and installs it.
   *
   * @throws ConfigException with every error; the current snapshot keeps serving
   */
  public MeshSnapshot reload(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      ConfigException ce =
          new ConfigException(List.of(new ConfigError(file.toString(), "cannot read: " + e)));
      reloadFailed(file.toString(), ce);
      throw ce;
    }
    MeshConfig config;
    try {
      config = ConfigLoader.load(new String(bytes, StandardCharsets.UTF_8), extensions);
    } catch (ConfigException e) {
      reloadFailed(file.toString(), e);
      throw e;
    }
    return reloadAndCount(config, file.toString(), bytes);
  }

  /**
   * Validates, compiles and installs {@code config}, recording {@code source} as where it came from
   * ({@link MeshSnapshot#source()}, reload events, {@link #lastReloadError()}); for config sources
   * such as an xDS client ({@code "xds"}).
   *
   * @throws ConfigException when it cannot be applied; the current snapshot keeps serving
   * @throws IllegalStateException after {@link #close()}
   */
  public MeshSnapshot reload(MeshConfig config, String source) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(source, "source");
    return reloadAndCount(config, source, null);
  }

  /**
   * Registers the status of an external config source under {@code name} (e.g. {@code "xds"}),
   * shown by the admin's {@code /mesh/config}.
   *
   * @throws IllegalStateException when another source is registered under that name
   */
  public void registerConfigSource(String name, ConfigSourceStatus status) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    if (configSources.putIfAbsent(name, status) != null) {
      throw new IllegalStateException("a config source named " + name + " is already registered");
    }
  }

  /** Removes the source registered under {@code name} if it is {@code status}; idempotent. */
  public void unregisterConfigSource(String name, ConfigSourceStatus status) {
    configSources.remove(name, status);
  }

  /** The registered external config sources by name, sorted by name; an immutable copy. */
  public Map<String, ConfigSourceStatus> configSources() {
    return Collections.unmodifiableMap(new TreeMap<>(configSources));
  }

  private void reloadFromWatcher(Path file, byte[] bytes) {
    try {
      MeshConfig config = ConfigLoader.load(new String(bytes, StandardCharsets.UTF_8), extensions);
      reloadAndCount(config, file.toString(), bytes);
    } catch (ConfigException e) {
      if (lastReloadError == null || lastReloadError.exception() != e) {
        reloadFailed(file.toString(), e);
      }
    } catch (RuntimeException e) {
      log.warn("mesh4j: reload of {} failed unexpectedly; the current config keeps serving", file, e);
    }
  }

  private MeshSnapshot reloadAndCount(MeshConfig config, String source, byte[] bytes) {
    try {
      MeshSnapshot s = install(config, source, bytes);
      reloadSuccess.increment();
      lastReloadError = null;
      try {
        listener.configReloaded(s.generation(), s.configHash(), source);
      } catch (RuntimeException e) {
        log.warn("mesh4j: event listener threw from configReloaded", e);
      }
      log.info("mesh4j: config {} (generation {}, hash {}) is now serving",
          source, s.generation(), s.configHash());
      return s;
    } catch (ConfigException e) {
      reloadFailed(source, e);
      throw e;
    }
  }

  private void reloadFailed(String source, ConfigException e) {
    reloadFailure.increment();
    lastReloadError = new ReloadError(source, clock.instant(), e);
    log.warn("mesh4j: config {} rejected, the previous config keeps serving:\n{}", source, e.getMessage());
    try {
      listener.configReloadFailed(source, e.errors());
    } catch (RuntimeException le) {
      log.warn("mesh4j: event listener threw from configReloadFailed", le);
    }
  }

  private MeshSnapshot install(MeshConfig config, String source, byte[] bytes) {
    synchronized (reloadLock) {
      if (closed) throw new IllegalStateException("mesh is closed");
      Set<String> names =
          config.clusters().stream().map(c -> c.name()).collect(Collectors.toUnmodifiableSet());
      if (snapshot != null) {
        List<ConfigError> refused = new java.util.ArrayList<>();
        for (java.util.function.Function<MeshConfig, List<ConfigError>> check : reloadChecks) {
          refused.addAll(check.apply(config));
        }
        if (!refused.isEmpty()) throw new ConfigException(refused);
      }
      // Compile everything first: nothing changes until all of it succeeded.
      List<ConfigError> extensionErrors = ConfigValidator.validateExtensions(config, extensions);
      if (!extensionErrors.isEmpty()) throw new ConfigException(extensionErrors);
      RouteTable outbound;
      RouteTable inbound;
      try {
        RouteExtensions rx = extensions.routeExtensions(meterRegistry, ticker, clock);
        outbound = RouteTable.outbound(config.outbound(), names, random, config.policies(), rx);
        inbound = RouteTable.inbound(config.inbound(), random, config.policies(), rx);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(List.of(new ConfigError("routes", e.getMessage())));
      }
      io.mesh4j.internal.tls.MeshTls.Prepared identities = tls.prepare(config);
      io.mesh4j.config.Locality previousLocality = configLocality;
      configLocality = config.locality();
      try {
        registry.apply(config.clusters());
      } catch (IllegalArgumentException e) {
        configLocality = previousLocality;
        tls.discard(identities);
        throw new ConfigException(List.of(new ConfigError("clusters", e.getMessage())));
      }
      tls.commit(identities);
      Map<String, Cluster> clusters = new HashMap<>();
      for (String name : names) clusters.put(name, registry.cluster(name));
      MeshSnapshot previous = snapshot;
      long generation = previous == null ? 1 : previous.generation() + 1;
      MeshSnapshot next =
          new MeshSnapshot(
              config, outbound, inbound, clusters, generation, clock.instant(),
              hash(bytes != null ? bytes : fingerprint(config)), source);
      snapshot = next;
      return next;
    }
  }

  private static byte[] fingerprint(MeshConfig c) {
    // Records print every component deterministically; MeshConfig's own toString is a summary.
    String s = c.version() + "|" + c.service() + "|" + c.clusters() + "|" + c.outbound() + "|"
        + c.inbound() + "|" + c.propagate() + "|" + c.admin() + "|" + c.policies()
        + "|" + c.pathNormalization() + "|" + c.identitySources();
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hash(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Adds a check that every later reload must pass: a config for which {@code check} returns
   * errors is rejected like an invalid one ({@link ConfigException} with those errors, counted as
   * a failed reload, the current snapshot keeps serving). For what a user of the mesh cannot
   * serve, e.g. the servlet filter without a forwarder for inbound {@code to} routes. The check
   * runs under the reload lock and must be fast and must not call back into the mesh.
   *
   * @return closing it removes the check
   */
  public AutoCloseable addReloadCheck(
      java.util.function.Function<MeshConfig, List<ConfigError>> check) {
    Objects.requireNonNull(check, "check");
    reloadChecks.add(check);
    return () -> reloadChecks.remove(check);
  }

  /** The cluster of that name in the current snapshot, or {@code null}. */
  public Cluster cluster(String name) {
    return snapshot.cluster(name);
  }

  /** The last rejected reload since the last successful one, or {@code null}. */
  public ReloadError lastReloadError() {
    return lastReloadError;
  }

  /**
   * Starts draining: the server side's health endpoint answers 503 and every response carries
   * {@code x-mesh-draining: true}, so peers stop sending here while in-flight requests finish.
   * Idempotent; there is no undrain short of {@link #undrain()}.
   */
  public void drain() {
    if (!draining) {
      draining = true;
      log.info("mesh4j: draining; peers are told to stop sending to this instance");
    }
  }

  /** Stops draining (for tests and operator mistakes). */
  public void undrain() {
    draining = false;
  }

  /** Whether {@link #drain()} was called. */
  public boolean isDraining() {
    return draining;
  }

  /** The registry the mesh's meters are in. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** The mesh's event listener (never {@code null}). */
  public MeshEventListener eventListener() {
    return listener;
  }

  /** The tracer the mesh's adapters make spans with ({@link MeshTracer#noop()} when none was given). */
  public MeshTracer tracer() {
    return tracer;
  }

  /** The mesh's wall clock (for timestamps shown to people). */
  public Clock clock() {
    return clock;
  }

  /**
   * The extensions this mesh's configs may name: those {@link ServiceLoader} found plus those
   * registered on the builder (pass them to {@code ConfigLoader.load(path, extensions)} to check a
   * file against them).
   */
  public Extensions extensions() {
    return extensions;
  }

  /** The registered health probes by name. */
  public HealthProbes healthProbes() {
    return probes;
  }

  /**
   * The identity source called {@code name} in force ({@code identity_sources}), or {@code null}.
   * Its {@link io.mesh4j.identity.IdentitySource#current()} is the certificate mesh4j presents.
   */
  public io.mesh4j.identity.IdentitySource identitySource(String name) {
    return tls.source(name);
  }

  /**
   * The server TLS context for this service's container, over {@code inbound.tls}: it serves the
   * certificate of the identity source {@code inbound.tls.source} names, verifies client
   * certificates against that source's trust bundle, and requires one in {@code strict} mode
   * (requests one in {@code permissive} mode). Rotations and later reloads of {@code inbound.tls}
   * apply to the next connection without restarting the connector. Hand it to Jetty's {@code
   * SslContextFactory.Server.setSslContext} or Tomcat (see {@code docs/security.md}). The same
   * instance on every call.
   *
   * @throws IllegalStateException when the config has no {@code inbound.tls}
   */
  public javax.net.ssl.SSLContext serverTls() {
    return tls.serverContext();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the file watcher, every health check and timer, and the mesh's own scheduler thread (a
   * scheduler handed in through the builder is left running). Idempotent.
   */
  @Override
  public void close() {
    synchronized (reloadLock) {
      if (closed) return;
      closed = true;
    }
    closeQuietly();
  }

  private void closeQuietly() {
    if (watcher != null) watcher.close();
    if (tls != null) tls.close();
    try {
      registry.close();
    } catch (RuntimeException e) {
      log.warn("mesh4j: closing clusters failed", e);
    }
    probes.close();
    if (ownedScheduler != null) ownedScheduler.close();
  }

  /** A rejected reload: where it came from, when, and every error. */
  public record ReloadError(String source, Instant at, ConfigException exception) {}

  /** Builds a {@link Mesh}. Not thread-safe; {@link #build()} may be called once per config. */
  public static final class Builder {
    private MeshConfig config;
    private Path configFile;
    private Duration watchInterval = Duration.ofSeconds(2);
    private Ticker ticker;
    private MeshTracer tracer;
    private Clock clock;
    private Scheduler scheduler;
    private MeterRegistry meterRegistry;
    private MeshEventListener listener;
    private RandomGenerator random;
    private DnsResolver dnsResolver;
    private java.util.function.Supplier<io.mesh4j.config.Locality> locality;
    private final Map<String, io.mesh4j.endpoint.EndpointSource.Factory> endpointSources =
        new LinkedHashMap<>();
    private final Map<String, HealthProbe> probes = new LinkedHashMap<>();
    private final Map<String, RouteMatcher.Factory> matchers = new LinkedHashMap<>();
    private final Map<String, PickerProvider> pickers = new LinkedHashMap<>();
    private final Map<String, RequestPolicy.Factory> policies = new LinkedHashMap<>();
    private final Map<String, io.mesh4j.identity.IdentitySource> identitySources =
        new LinkedHashMap<>();
    private Extensions extensions;

    /**
     * Registers an identity source made in code (the SPIFFE Workload API, SDS, a vault client)
     * under its {@link io.mesh4j.identity.IdentitySource#name() name}; the config declares it as
     * {@code identity_sources: [{name: <name>}]} (no {@code pem}, no {@code workload_api}). The
     * mesh never closes it.
     *
     * @throws IllegalArgumentException when a source of that name is registered already
     */
    public Builder identitySource(io.mesh4j.identity.IdentitySource source) {
      Objects.requireNonNull(source, "source");
      if (identitySources.putIfAbsent(source.name(), source) != null) {
        throw new IllegalArgumentException("identity source " + source.name()
            + ": registered twice");
      }
      return this;
    }

    private Builder() {}

    /**
     * Registers a custom route matcher under {@code name} ({@code match.custom.name}).
     *
     * @throws IllegalStateException if a matcher of that name was registered on this builder;
     *     {@link #build()} throws it when {@link ServiceLoader} found one of that name too
     */
    public Builder matcher(String name, RouteMatcher.Factory factory) {
      return register(matchers, "matcher", name, factory);
    }

    /** Registers {@code factory} under its own {@link RouteMatcher.Factory#name()}. */
    public Builder matcher(RouteMatcher.Factory factory) {
      return matcher(Objects.requireNonNull(factory, "factory").name(), factory);
    }

    /**
     * Registers a custom load-balancing policy under {@code name} ({@code lb.custom}).
     *
     * @throws IllegalStateException as {@link #matcher(String, RouteMatcher.Factory)}
     */
    public Builder picker(String name, PickerProvider provider) {
      return register(pickers, "picker", name, provider);
    }

    /** Registers {@code provider} under its own {@link PickerProvider#name()}. */
    public Builder picker(PickerProvider provider) {
      return picker(Objects.requireNonNull(provider, "provider").name(), provider);
    }

    /**
     * Registers a request policy under {@code name} ({@code policies[i].name}).
     *
     * @throws IllegalStateException as {@link #matcher(String, RouteMatcher.Factory)}
     */
    public Builder policy(String name, RequestPolicy.Factory factory) {
      return register(policies, "policy", name, factory);
    }

    /** Registers {@code factory} under its own {@link RequestPolicy.Factory#name()}. */
    public Builder policy(RequestPolicy.Factory factory) {
      return policy(Objects.requireNonNull(factory, "factory").name(), factory);
    }

    private <T> Builder register(Map<String, T> map, String kind, String name, T factory) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(factory, "factory");
      if (map.putIfAbsent(name, factory) != null) {
        throw new IllegalStateException(kind + " \"" + name + "\" is registered twice: by "
            + source(kind, map.get(name)) + " and by " + source(kind, factory)
            + " (expected: each name once)");
      }
      return this;
    }

    private static String source(String kind, Object factory) {
      return "Mesh.Builder." + kind + "(" + factory.getClass().getName() + ")";
    }

    /**
     * The extensions the mesh will know: those {@link ServiceLoader} finds with this library's
     * class loader plus those registered on this builder so far. Hand them to {@code
     * MeshConfigBuilder.extensions} or {@code ConfigLoader.load(path, extensions)} to validate a
     * config naming builder-registered extensions before building the mesh.
     *
     * @throws IllegalStateException when a name is registered twice (naming both sources) or a
     *     provider cannot be loaded
     */
    public Extensions extensions() {
      Extensions.Builder eb = Extensions.builder().discover(Mesh.class.getClassLoader());
      probes.keySet().forEach(n -> eb.healthProbe(n, "Mesh.Builder.healthProbe"));
      matchers.forEach((n, f) -> eb.matcher(n, f, source("matcher", f)));
      pickers.forEach((n, p) -> eb.picker(n, p, source("picker", p)));
      policies.forEach((n, f) -> eb.policy(n, f, source("policy", f)));
      return eb.build();
    }

    /** Serve this config (built in code or loaded by {@link ConfigLoader}). */
    public Builder config(MeshConfig config) {
      if (configFile != null) throw new IllegalStateException("configFile was already set");
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Load this YAML/JSON file and watch it for changes (see {@link #watch(Duration)}). */
    public Builder configFile(Path file) {
      if (config != null) throw new IllegalStateException("config was already set");
      this.configFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * How often the config file is polled for changes (default 2 s); a change is applied once the
     * content was stable for one interval. {@link Duration#ZERO} turns watching off.
     */
    public Builder watch(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative()) throw new IllegalArgumentException("interval: " + interval + " (expected: >= 0)");
      this.watchInterval = interval;
      return this;
    }

    /** Monotonic time for every timer and window (default {@link Ticker#system()}). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Wall-clock time for timestamps shown to people (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The scheduler for health checks, ejection returns and file polling (default: a daemon thread owned by the mesh). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Where the mesh's meters go (default: a private {@link SimpleMeterRegistry}). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Receives endpoint, picker and reload events (default {@link MeshEventListener#NONE}). */
    public Builder eventListener(MeshEventListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The tracer of server, call and attempt spans (default {@link
     * MeshTracer#noop()}: no spans, nothing allocated for them). Module {@code
     * mesh-opentelemetry} provides one over the OpenTelemetry API.
     */
    public Builder tracer(MeshTracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
      return this;
    }

    /** The random source for picker offsets, splits, jitter (seed it for reproducible tests). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Where this service runs, when the config has no {@code locality} (default: the {@value
     * io.mesh4j.config.Locality#ENV} environment variable, {@code region/zone/sub_zone}). The
     * supplier is read whenever a cluster with {@code locality_lb} rebuilds its picker, so it must
     * be fast and thread-safe; {@code mesh-kubernetes}' {@code KubernetesLocality} is one.
     */
    public Builder locality(java.util.function.Supplier<io.mesh4j.config.Locality> provider) {
      this.locality = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Takes the endpoints of the cluster named {@code cluster} from {@code factory}'s sources
     * (for example {@code mesh-kubernetes}' {@code EndpointSliceSource}) instead of its configured
     * {@code endpoints}, resolved by DNS. The cluster keeps every other setting of its config.
     *
     * @throws IllegalStateException if a source was already registered for {@code cluster}
     */
    public Builder endpointSource(
        String cluster, io.mesh4j.endpoint.EndpointSource.Factory factory) {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(factory, "factory");
      if (endpointSources.putIfAbsent(cluster, factory) != null) {
        throw new IllegalStateException("endpoint source for cluster " + cluster + " was already registered");
      }
      return this;
    }

    /** Resolves DNS endpoint names (default: the JVM resolver). */
    public Builder dnsResolver(DnsResolver resolver) {
      this.dnsResolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Registers a health probe under {@code name} ({@code health_check.probe}); replaces a probe of
     * that name found through {@link ServiceLoader} ({@link HealthProbeProvider}).
     */
    public Builder healthProbe(String name, HealthProbe probe) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(probe, "probe");
      if (probes.putIfAbsent(name, probe) != null) {
        throw new IllegalStateException("health probe " + name + " was already registered");
      }
      return this;
    }

    /**
     * Builds the mesh: loads and validates the config, starts health checks and the file watcher.
     *
     * @throws ConfigException when the config is invalid (nothing is left running), including
     *     an extension name it uses that is registered neither here nor by {@link ServiceLoader},
     *     or arguments the extension rejects
     * @throws IllegalStateException when an extension name is registered twice (here and by
     *     {@link ServiceLoader}); the message names both sources
     * @throws IllegalStateException when neither {@link #config} nor {@link #configFile} was set
     */
    public Mesh build() {
      extensions = extensions();
      if (configFile != null) {
        byte[] bytes;
        try {
          bytes = Files.readAllBytes(configFile);
        } catch (IOException e) {
          throw new ConfigException(
              List.of(new ConfigError(configFile.toString(), "cannot read: " + e)));
        }
        MeshConfig loaded = ConfigLoader.load(new String(bytes, StandardCharsets.UTF_8), extensions);
        return new Mesh(this, loaded, configFile.toString(), bytes);
      }
      if (config == null) throw new IllegalStateException("set config(...) or configFile(...)");
      return new Mesh(this, config, "code", null);
    }
  }
}
