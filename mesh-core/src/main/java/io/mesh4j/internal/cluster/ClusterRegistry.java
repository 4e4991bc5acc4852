package io.mesh4j.internal.cluster;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.endpoint.DnsEndpointSource;
import io.mesh4j.endpoint.DnsResolver;
import io.mesh4j.endpoint.EndpointSource;
import io.mesh4j.endpoint.EndpointSources;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.health.ProbeTls;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * All clusters of one mesh, kept across config reloads.
 *
 * <p>{@link #apply} takes the whole new list of clusters and reconciles:
 *
 * <ul>
 *   <li>a new cluster is created and started (its endpoint source, health checks);
 *   <li>a removed cluster is closed: its health checks, timers and endpoint source stop, its
 *       meters are removed, and its picker returns {@link io.mesh4j.lb.PickResult#NONE};
 *   <li>a kept cluster keeps its {@link Cluster} object; its new policies (health check interval
 *       and thresholds, outlier thresholds, panic threshold, slow start, load-balancing policy)
 *       apply at once, and its endpoint list goes through its endpoint source: an endpoint that
 *       stays keeps its {@link io.mesh4j.endpoint.Endpoint} object and all its state (health,
 *       ejection, counters), a weight change rebuilds the picker without touching health, a
 *       removed endpoint's state is dropped and its checks stop, a new endpoint starts healthy.
 * </ul>
 *
 * <p>A list that cannot be applied (duplicate names, an unknown health probe, a picker factory
 * that rejects a cluster) is rejected as a whole with an {@link IllegalArgumentException} before
 * anything changes. Reloads are serialized; {@link #cluster} and {@link #clusters} are lock-free.
 *
 * <pre>{@code
 * ClusterRegistry registry = ClusterRegistry.builder()
 *     .scheduler(scheduler).ticker(Ticker.system())
 *     .pickerFactories(cluster -> Pickers.factory(cluster, random))
 *     .healthProbes(probes).meterRegistry(meters).eventListener(listener)
 *     .build();
 * registry.apply(config.clusters());
 * PickResult r = registry.cluster("inventory").pick(context);
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops every cluster; it does not close the scheduler, the
 * probes or the meter registry it was given.
 *
 * <p>Engine internal: each {@link io.mesh4j.Mesh} owns one (users reach its clusters through
 * {@code MeshSnapshot.cluster(name)}); public only so that {@code Mesh}, in another package, can
 * build it. Not an API; it changes without notice.
 */
public final class ClusterRegistry implements AutoCloseable {
  private static final AtomicInteger DNS_POOLS = new AtomicInteger();

  private final Scheduler scheduler;
  private final Ticker ticker;
  private final Function<ClusterConfig, PickerFactory> pickerFactories;
  private final HealthProbes probes;
  private final Function<String, ProbeTls> clusterTls;
  private final MeterRegistry meterRegistry;
  private final MeshEventListener events;
  private final EndpointSource.Factory sources;
  private final Map<String, EndpointSource.Factory> clusterSources;
  private final RandomGenerator random;
  private final java.util.function.Supplier<io.mesh4j.config.Locality> locality;
  private final ThreadPoolExecutor ownedLookupExecutor;
  private final Object applyLock = new Object();
  private volatile Map<String, Cluster> clusters = Map.of();
  private boolean closed;

  private ClusterRegistry(Builder b) {
    this.scheduler = b.scheduler;
    this.ticker = b.ticker;
    this.pickerFactories = b.pickerFactories;
    this.probes = b.probes;
    this.clusterTls = b.clusterTls;
    this.meterRegistry = b.meterRegistry != null ? b.meterRegistry : new SimpleMeterRegistry();
    this.events = b.events;
    this.random = b.random != null ? b.random : new Random();
    this.locality = b.locality != null ? b.locality : () -> io.mesh4j.config.Locality.UNKNOWN;
    this.clusterSources = Map.copyOf(b.clusterSources);
    if (b.sources != null) {
      this.sources = b.sources;
      this.ownedLookupExecutor = null;
    } else {
      String threadName = "mesh4j-dns-" + DNS_POOLS.incrementAndGet();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              2,
              2,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      this.ownedLookupExecutor = pool;
      this.sources = EndpointSources.standard(b.dnsResolver, b.dnsRefresh, scheduler, pool);
    }
  }

  /** A builder; {@link Builder#scheduler}, {@link Builder#ticker} and {@link Builder#pickerFactories} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reconciles the registry with {@code configs}, the complete new list of clusters (see the class
   * doc).
   *
   * @throws IllegalArgumentException when the list cannot be applied; nothing changed then. The
   *     message names every problem.
   * @throws IllegalStateException after {@link #close()}
   */
  public void apply(List<ClusterConfig> configs) {
    synchronized (applyLock) {
      if (closed) throw new IllegalStateException("cluster registry is closed");
      List<String> problems = new ArrayList<>();
      Map<String, ClusterConfig> byName = new LinkedHashMap<>();
      Map<String, PickerFactory> factories = new HashMap<>();
      Map<String, HealthProbe> healthProbes = new HashMap<>();
      for (ClusterConfig c : configs) {
        if (byName.putIfAbsent(c.name(), c) != null) {
          problems.add("clusters[" + c.name() + "]: duplicate cluster name");
          continue;
        }
        if (c.healthCheck() != null) {
          String probe = c.healthCheck().probe();
          HealthProbe p = probes == null ? null : probes.get(probe);
          if (p == null) {
            problems.add(
                "clusters["
                    + c.name()
                    + "].health_check.probe: unknown probe '"
                    + probe
                    + "' (registered: "
                    + (probes == null ? "none" : String.join(", ", probes.names()))
                    + ")");
          } else {
            healthProbes.put(c.name(), c.tls().enabled() ? overTls(c.name(), p) : p);
          }
        }
        try {
          PickerFactory f = pickerFactories.apply(c);
          if (f == null) throw new IllegalArgumentException("no picker factory");
          factories.put(c.name(), f);
        } catch (RuntimeException e) {
          problems.add("clusters[" + c.name() + "].lb: " + e.getMessage());
        }
      }
      if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("; ", problems));

      Map<String, Cluster> old = clusters;
      Map<String, Cluster> next = new LinkedHashMap<>();
      for (Map.Entry<String, Cluster> e : old.entrySet()) {
        if (!byName.containsKey(e.getKey())) ClusterInternals.close(e.getValue());
      }
      List<Cluster> fresh = new ArrayList<>();
      for (ClusterConfig c : byName.values()) {
        Cluster existing = old.get(c.name());
        if (existing != null) {
          ClusterInternals.update(existing, c, factories.get(c.name()), healthProbes.get(c.name()));
          next.put(c.name(), existing);
        } else {
          Cluster created =
              ClusterInternals.create(
                  c,
                  factories.get(c.name()),
                  healthProbes.get(c.name()),
                  clusterSources.getOrDefault(c.name(), sources),
                  scheduler,
                  ticker,
                  random,
                  meterRegistry,
                  events,
                  locality);
          next.put(c.name(), created);
          fresh.add(created);
        }
      }
      clusters = Collections.unmodifiableMap(next);
      for (Cluster c : fresh) ClusterInternals.start(c);
    }
  }

  /** The cluster named {@code name}, or {@code null}. Lock-free. */
  public Cluster cluster(String name) {
    return clusters.get(name);
  }

  /** Every cluster by name, in config order; an immutable snapshot. Lock-free. */
  public Map<String, Cluster> clusters() {
    return clusters;
  }

  /** The meter registry the clusters publish to. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /**
   * Closes every cluster (health checks, timers and endpoint sources stop; meters are removed) and
   * the DNS lookup threads the registry started. Idempotent.
   */
  @Override
  public void close() {
    synchronized (applyLock) {
      if (closed) return;
      closed = true;
      for (Cluster c : clusters.values()) ClusterInternals.close(c);
      clusters = Map.of();
    }
    if (ownedLookupExecutor != null) {
      ownedLookupExecutor.shutdownNow();
      try {
        ownedLookupExecutor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * {@code probe} speaking the TLS of cluster {@code name} (Envoy's health checks use the
   * cluster's transport socket too), looked up at each check so a rotation or reload of the
   * cluster's {@code tls} is used from the next check on. A check that finds none (a reload turning
   * {@code tls} on is applied here a moment before its TLS is put in force) fails rather than
   * probing in plaintext.
   */
  private HealthProbe overTls(String name, HealthProbe probe) {
    Function<String, ProbeTls> lookup = clusterTls;
    return (endpoint, config) -> {
      ProbeTls tls = lookup.apply(name);
      return tls != null
          ? probe.probe(endpoint, config, tls)
          : CompletableFuture.completedFuture(
              ProbeResult.unhealthy("cluster " + name + ": its TLS is not in force yet"));
    };
  }

  /** Configures a {@link ClusterRegistry}. Not thread-safe. */
  public static final class Builder {
    private Scheduler scheduler;
    private Ticker ticker;
    private Function<ClusterConfig, PickerFactory> pickerFactories;
    private java.util.function.Supplier<io.mesh4j.config.Locality> locality;
    private HealthProbes probes;
    private Function<String, ProbeTls> clusterTls = name -> null;
    private MeterRegistry meterRegistry;
    private MeshEventListener events = MeshEventListener.NONE;
    private EndpointSource.Factory sources;
    private final Map<String, EndpointSource.Factory> clusterSources = new java.util.HashMap<>();
    private DnsResolver dnsResolver = DnsResolver.SYSTEM;
    private Duration dnsRefresh = DnsEndpointSource.DEFAULT_REFRESH;
    private RandomGenerator random;

    private Builder() {}

    /** Runs health checks, ejection returns, slow-start steps and DNS refreshes. Required. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The clock of ejections, slow start and warnings. Required. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * The picker factory of each cluster, called on every apply (the mesh passes {@code cluster
     * -> Pickers.factory(cluster, random)}). It may throw {@link IllegalArgumentException} to
     * reject a cluster. Required.
     */
    public Builder pickerFactories(Function<ClusterConfig, PickerFactory> pickerFactories) {
      this.pickerFactories = requireNonNull(pickerFactories, "pickerFactories");
      return this;
    }

    /**
     * The TLS of each cluster with {@code tls}, by name ({@code null} while none is in force), for
     * its health checks; default: none, and such a cluster's checks fail.
     */
    public Builder clusterTls(Function<String, ProbeTls> clusterTls) {
      this.clusterTls = requireNonNull(clusterTls, "clusterTls");
      return this;
    }

    /** The probes {@code health_check.probe} names. Without it, a health check is an error. */
    public Builder healthProbes(HealthProbes probes) {
      this.probes = requireNonNull(probes, "probes");
      return this;
    }

    /** Where meters go; default: a private {@link SimpleMeterRegistry}. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** Receives endpoint events; default {@link MeshEventListener#NONE}. */
    public Builder eventListener(MeshEventListener listener) {
      this.events = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Where the endpoints of the cluster named {@code cluster} come from (a Kubernetes
     * EndpointSlice watch, say), instead of {@link #endpointSources}; the cluster's configured
     * {@code endpoints} are then only what that factory makes of them.
     *
     * @throws IllegalStateException if a source was already set for {@code cluster}
     */
    public Builder endpointSource(String cluster, EndpointSource.Factory factory) {
      requireNonNull(cluster, "cluster");
      requireNonNull(factory, "factory");
      if (clusterSources.putIfAbsent(cluster, factory) != null) {
        throw new IllegalStateException("endpoint source for cluster " + cluster + " was already set");
      }
      return this;
    }

    /**
     * Where each cluster's endpoints come from; default {@link EndpointSources#standard}, with the
     * {@link #dnsResolver} and {@link #dnsRefresh} given here and lookup threads owned by the
     * registry.
     */
    public Builder endpointSources(EndpointSource.Factory sources) {
      this.sources = requireNonNull(sources, "sources");
      return this;
    }

    /** The resolver of the default endpoint sources; default {@link DnsResolver#SYSTEM}. */
    public Builder dnsResolver(DnsResolver resolver) {
      this.dnsResolver = requireNonNull(resolver, "resolver");
      return this;
    }

    /** How often the default endpoint sources re-resolve DNS names; default 5s. */
    public Builder dnsRefresh(Duration refresh) {
      requireNonNull(refresh, "refresh");
      if (refresh.isZero() || refresh.isNegative()) {
        throw new IllegalArgumentException("dnsRefresh: " + refresh + " (expected: > 0)");
      }
      this.dnsRefresh = refresh;
      return this;
    }

    /**
     * Where this service runs, read whenever a cluster with {@code locality_lb} rebuilds its
     * picker (default: unknown). Must be fast and thread-safe; a change takes effect at the next
     * rebuild (a reload rebuilds every cluster).
     */
    public Builder locality(java.util.function.Supplier<io.mesh4j.config.Locality> locality) {
      this.locality = requireNonNull(locality, "locality");
      return this;
    }

    /**
     * Source of health-check jitter, shared by all clusters, so it must be thread-safe; default a
     * new {@link Random}. Pass a seeded {@code Random} for reproducible schedules.
     */
    public Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * The registry.
     *
     * @throws IllegalStateException when a required setting is missing
     */
    public ClusterRegistry build() {
      if (scheduler == null) throw new IllegalStateException("scheduler: missing (expected: a Scheduler)");
      if (ticker == null) throw new IllegalStateException("ticker: missing (expected: a Ticker)");
      if (pickerFactories == null) {
        throw new IllegalStateException("pickerFactories: missing (expected: ClusterConfig -> PickerFactory)");
      }
      return new ClusterRegistry(this);
    }

    private static <T> T requireNonNull(T value, String name) {
      if (value == null) throw new NullPointerException(name);
      return value;
    }
  }
}
