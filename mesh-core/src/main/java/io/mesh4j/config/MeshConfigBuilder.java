package io.mesh4j.config;

import io.mesh4j.config.ActionConfig.Forward;
import io.mesh4j.config.ActionConfig.Pass;
import io.mesh4j.config.ActionConfig.Split;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds a {@link MeshConfig} in code, with the same defaults and rules as a config file.
 * Obtain one from {@link MeshConfig#builder()}:
 *
 * <pre>{@code
 * MeshConfig config = MeshConfig.builder()
 *     .service("frontend")
 *     .cluster(c -> c.name("inventory")
 *         .endpoint("127.0.0.1:8081", 5)
 *         .endpoint("127.0.0.1:8082")
 *         .healthCheck(h -> h.path("/health").interval(Duration.ofSeconds(5))))
 *     .cluster(c -> c.name("inventory-v2").endpoint("127.0.0.1:8083"))
 *     .outbound(vh -> vh.name("inventory").domains("inventory")
 *         .route(r -> r.name("api").prefix("/api/").header("x-canary", "true").to("inventory-v2")))
 *     .build();
 * }</pre>
 *
 * <p>Nested parts are described by a {@link Consumer} of a nested builder, called at once.
 * Setters reject a value that is wrong on its own right away, in Armeria's format
 * ({@code IllegalArgumentException: weight: 0 (expected: 1-10000)}), a {@code null} argument with
 * a {@link NullPointerException}, and a second, conflicting choice (a second path condition, a
 * second action) with an {@link IllegalStateException}, as Caffeine does. {@link #build()} then
 * runs {@link ConfigValidator} for everything that spans fields (undefined clusters, duplicate
 * names and domains, missing names) and throws {@link ConfigException} listing every problem, with
 * the paths a config file would have ({@code clusters[1].name}).
 *
 * <p>A config built here equals, record for record, the one {@link ConfigLoader} reads from the
 * equivalent YAML. Not thread-safe; {@link #build()} may be called more than once.
 */
public final class MeshConfigBuilder {
  private String service;
  private final List<ClusterConfig> clusters = new ArrayList<>();
  private final List<VirtualHostConfig> outbound = new ArrayList<>();
  private final List<VirtualHostConfig> inbound = new ArrayList<>();
  private AuthzConfig authz;
  private final List<Cidr> trustedProxies = new ArrayList<>();
  private String healthPath;
  private InboundConfig.UnderscoreAction underscoreAction;
  private ConcurrencyLimitConfig concurrencyLimit;
  private final List<String> propagate = new ArrayList<>();
  private final List<String> deadlineHeaders = new ArrayList<>();
  private AdminConfig admin;
  private Locality locality;
  private PathNormalizationConfig pathNormalization;
  private final List<IdentitySourceConfig> identitySources = new ArrayList<>();
  private InboundTlsConfig inboundTls;

  private final List<ExtensionRef> policies = new ArrayList<>();
  private ExtensionCatalog extensions;

  MeshConfigBuilder() {}

  // ------------------------------------------------------------------ shared checks

  /** Throws {@code IllegalArgumentException("what: problem")} when {@code problem} is non-null. */
  static void require(String what, String problem) {
    if (problem != null) throw new IllegalArgumentException(what + ": " + problem);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  static Cidr cidr(String what, String cidr) {
    Objects.requireNonNull(cidr, what);
    try {
      return Cidr.parse(cidr);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + Checks.quote(cidr)
          + " (expected: an IP address or CIDR such as 10.0.0.0/8; " + Checks.printable(e.getMessage())
          + ")", e);
    }
  }

  static Duration positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    require(what, Checks.positive(d));
    return d;
  }

  static Duration nonNegative(String what, Duration d) {
    Objects.requireNonNull(d, what);
    require(what, Checks.nonNegative(d));
    return d;
  }

  static String validPath(String what, String path) {
    Objects.requireNonNull(path, what);
    require(what, Checks.path(path));
    return path;
  }

  static String validRegex(String what, String regex) {
    Objects.requireNonNull(regex, what);
    require(what, Checks.regex(regex));
    return regex;
  }

  static String headerName(String what, String name) {
    Objects.requireNonNull(name, what);
    require(what, Checks.headerName(name));
    return name;
  }

  static String headerValue(String what, String value) {
    Objects.requireNonNull(value, what);
    require(what, Checks.headerValue(value));
    return value;
  }

  // ------------------------------------------------------------------ the mesh

  /**
   * This application's own service name: letters, digits and {@code . _ - | :}.
   *
   * @throws IllegalArgumentException if the name has other characters
   */
  public MeshConfigBuilder service(String name) {
    Objects.requireNonNull(name, "service");
    require("service", Checks.name(name));
    this.service = name;
    return this;
  }

  /** Adds a cluster described by {@code spec}. */
  public MeshConfigBuilder cluster(Consumer<ClusterBuilder> spec) {
    ClusterBuilder b = new ClusterBuilder();
    Objects.requireNonNull(spec, "spec").accept(b);
    clusters.add(b.build());
    return this;
  }

  /** Adds an outbound virtual host (rules for the calls this service makes). */
  public MeshConfigBuilder outbound(Consumer<VirtualHostBuilder> spec) {
    VirtualHostBuilder b = new VirtualHostBuilder(false);
    Objects.requireNonNull(spec, "spec").accept(b);
    outbound.add(b.build());
    return this;
  }

  /** Adds an inbound virtual host (rules for the requests this service receives). */
  public MeshConfigBuilder inbound(Consumer<VirtualHostBuilder> spec) {
    VirtualHostBuilder b = new VirtualHostBuilder(true);
    Objects.requireNonNull(spec, "spec").accept(b);
    inbound.add(b.build());
    return this;
  }

  /**
   * Sets inbound authorization ({@code inbound.authz}).
   *
   * @throws IllegalStateException if already set
   */
  public MeshConfigBuilder authz(Consumer<AuthzBuilder> spec) {
    if (authz != null) throw new IllegalStateException("authz was already set");
    AuthzBuilder b = new AuthzBuilder();
    Objects.requireNonNull(spec, "spec").accept(b);
    authz = b.build();
    return this;
  }

  /**
   * Adds proxies whose {@code X-Forwarded-For} the servlet filter believes
   * ({@code inbound.trusted_proxies}).
   *
   * @throws IllegalArgumentException if one is not an IP address or CIDR
   */
  public MeshConfigBuilder trustedProxies(String... cidrs) {
    for (String c : cidrs) trustedProxies.add(cidr("trusted_proxies", c));
    return this;
  }

  /**
   * The path of this service's health endpoint ({@code inbound.health_path}; default
   * {@code /mesh/health}).
   */
  public MeshConfigBuilder healthPath(String path) {
    this.healthPath = validPath("health_path", path);
    return this;
  }

  /**
   * What the gateway does with a request header whose name contains {@code _} ({@code
   * inbound.headers_with_underscores_action}; default {@link
   * InboundConfig.UnderscoreAction#DROP_HEADER}).
   */
  public MeshConfigBuilder headersWithUnderscoresAction(InboundConfig.UnderscoreAction action) {
    this.underscoreAction = Objects.requireNonNull(action, "headers_with_underscores_action");
    return this;
  }

  /**
   * Limits the requests this service handles at once ({@code inbound.concurrency_limit}) to a
   * limit that {@code algorithm} adapts to their latencies, kept within {@code min..max}; above it
   * the servlet filter answers 503 with {@code x-mesh-overloaded: true}.
   *
   * @throws IllegalArgumentException naming the bad value ({@code concurrency_limit.max: 2
   *     (expected: >= min, 3)})
   */
  public MeshConfigBuilder concurrencyLimit(
      ConcurrencyLimitConfig.Algorithm algorithm, int min, int max) {
    Objects.requireNonNull(algorithm, "concurrency_limit.algorithm");
    reject("concurrency_limit.min", ConfigSchema.CONCURRENCY_LIMIT.field("min").check(min));
    reject("concurrency_limit.max", ConfigSchema.CONCURRENCY_LIMIT.field("max").check(max));
    if (max < min) {
      throw new IllegalArgumentException(
          "concurrency_limit.max: " + max + " (expected: >= min, " + min + ")");
    }
    this.concurrencyLimit = new ConcurrencyLimitConfig(algorithm, min, max);
    return this;
  }

  /** {@link #concurrencyLimit(ConcurrencyLimitConfig.Algorithm, int, int)} with the defaults. */
  public MeshConfigBuilder concurrencyLimit() {
    this.concurrencyLimit = ConcurrencyLimitConfig.DEFAULT;
    return this;
  }

  private static void reject(String key, String problem) {
    if (problem != null) throw new IllegalArgumentException(key + ": " + problem);
  }

  /** Adds headers to carry from the request being handled onto the calls made for it. */
  public MeshConfigBuilder propagate(String... headers) {
    for (String h : headers) propagate.add(lower(headerName("propagate.headers", h)));
    return this;
  }

  /**
   * Adds headers that carry the inbound request's deadline ({@code propagate.deadline_headers}),
   * in the order they are read: {@code grpc-timeout} (gRPC's format) or a header of whole
   * milliseconds such as {@code x-envoy-expected-rq-timeout-ms}.
   *
   * @throws IllegalArgumentException when a name is not a header name, or is given twice
   */
  public MeshConfigBuilder deadlineHeaders(String... headers) {
    for (String h : headers) {
      String name = lower(headerName("propagate.deadline_headers", h));
      if (deadlineHeaders.contains(name)) {
        throw new IllegalArgumentException(
            "propagate.deadline_headers: " + h + " (expected: each header once)");
      }
      deadlineHeaders.add(name);
    }
    return this;
  }

  /**
   * Where this service runs ({@code locality}); by default the {@code Mesh} asks its builder's
   * locality provider, then the {@value Locality#ENV} environment variable.
   *
   * @throws IllegalArgumentException if a part is empty or holds a space, control character or
   *     {@code /}
   */
  public MeshConfigBuilder locality(Locality locality) {
    this.locality = checkLocality("locality", Objects.requireNonNull(locality, "locality"));
    return this;
  }

  static Locality checkLocality(String what, Locality l) {
    for (String v : new String[] {l.region(), l.zone(), l.subZone()}) {
      if (v == null) continue;
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c <= ' ' || c == 0x7f || c == '/') {
          throw new IllegalArgumentException(what + ": " + Checks.quote(v)
              + " (expected: a name without spaces, control characters or '/')");
        }
      }
    }
    return l;
  }

  /**
   * Sets the admin endpoints ({@code admin}).
   *
   * @throws IllegalStateException if already set
   */
  public MeshConfigBuilder admin(Consumer<AdminBuilder> spec) {
    if (admin != null) throw new IllegalStateException("admin was already set");
    AdminBuilder b = new AdminBuilder();
    Objects.requireNonNull(spec, "spec").accept(b);
    admin = b.allowFrom == null
        ? ConfigSchema.ADMIN_RECORD.of("admin", "enabled", b.enabled,
            "allowed_hosts", b.allowedHosts)
        : ConfigSchema.ADMIN_RECORD.of("admin", "enabled", b.enabled,
            "allow_from", b.allowFrom, "allowed_hosts", b.allowedHosts);
    return this;
  }

  /**
   * Sets how request paths are made canonical ({@code path_normalization}); default {@link
   * PathNormalizationConfig#DEFAULT}. {@code normalizePath == false} is valid but reported by
   * {@link ConfigValidator#warnings}.
   *
   * @throws IllegalStateException if already set
   */
  public MeshConfigBuilder pathNormalization(PathNormalizationConfig pathNormalization) {
    if (this.pathNormalization != null) {
      throw new IllegalStateException("path_normalization was already set");
    }
    this.pathNormalization = Objects.requireNonNull(pathNormalization, "pathNormalization");
    return this;
  }

  /**
   * Adds a global request policy ({@code policies}), run first for every routed request on the
   * sides it declares, with no arguments.
   */
  public MeshConfigBuilder policy(String name) {
    return policy(name, Map.of());
  }

  /**
   * Adds a global request policy with {@code args} (copied; see {@link ExtensionArgs#of}).
   *
   * @throws IllegalArgumentException if an argument value is not a string, number, boolean, list
   *     or map
   */
  public MeshConfigBuilder policy(String name, Map<String, ?> args) {
    policies.add(ref(name, args));
    return this;
  }

  /**
   * The extensions {@link #build()} checks the config's extension names and arguments against,
   * e.g. {@code mesh.extensions()} or {@code Extensions.builder()...build()}. Default: those
   * {@link java.util.ServiceLoader} finds.
   */
  public MeshConfigBuilder extensions(ExtensionCatalog extensions) {
    this.extensions = Objects.requireNonNull(extensions, "extensions");
    return this;
  }

  static ExtensionRef ref(String name, Map<String, ?> args) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) throw new IllegalArgumentException("name: \"\" (expected: a registered name)");
    return new ExtensionRef(name, ExtensionArgs.of(Objects.requireNonNull(args, "args")));
  }

  /**
   * Adds an identity source of PEM files ({@code identity_sources: [{name, pem: {...}}]}), polled
   * every 5 seconds.
   */
  public MeshConfigBuilder identitySourcePem(String name, String certChain, String privateKey,
      String trustBundle) {
    return identitySourcePem(name, certChain, privateKey, trustBundle,
        IdentitySourceConfig.Pem.DEFAULT_REFRESH);
  }

  /** Adds an identity source of PEM files polled every {@code refresh}. */
  public MeshConfigBuilder identitySourcePem(String name, String certChain, String privateKey,
      String trustBundle, Duration refresh) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(certChain, "cert_chain");
    Objects.requireNonNull(privateKey, "private_key");
    Objects.requireNonNull(trustBundle, "trust_bundle");
    Objects.requireNonNull(refresh, "refresh");
    require("identity_sources.pem.refresh", Checks.positive(refresh));
    identitySources.add(new IdentitySourceConfig(name,
        new IdentitySourceConfig.Pem(certChain, privateKey, trustBundle, refresh), null));
    return this;
  }

  /**
   * Adds an identity source fed by the SPIFFE Workload API ({@code identity_sources: [{name,
   * workload_api: {}}]}): the socket from {@code SPIFFE_ENDPOINT_SOCKET}, the agent's first SVID,
   * the first one awaited up to 30 seconds. A mesh using it needs {@code io.mesh4j:mesh-spiffe} on
   * the class path.
   */
  public MeshConfigBuilder identitySourceWorkloadApi(String name) {
    return identitySourceWorkloadApi(name, null, null, null);
  }

  /**
   * Adds an identity source fed by the SPIFFE Workload API ({@code identity_sources: [{name,
   * workload_api: {socket, spiffe_id, initial_timeout}}]}).
   *
   * @param socket {@code unix:///absolute/path}, or {@code null} for {@code
   *     SPIFFE_ENDPOINT_SOCKET}
   * @param spiffeId the SVID to serve, or {@code null} for the agent's first (default) one
   * @param initialTimeout how long a build or reload waits for the first SVID; {@code null}: 30s
   * @throws IllegalArgumentException naming the key when a value is malformed
   */
  public MeshConfigBuilder identitySourceWorkloadApi(String name, String socket, String spiffeId,
      Duration initialTimeout) {
    Objects.requireNonNull(name, "name");
    if (socket != null) require("identity_sources.workload_api.socket", Checks.unixSocket(socket));
    if (spiffeId != null) {
      require("identity_sources.workload_api.spiffe_id", Checks.spiffeId(spiffeId));
    }
    if (initialTimeout != null) {
      require("identity_sources.workload_api.initial_timeout", Checks.positive(initialTimeout));
    }
    identitySources.add(new IdentitySourceConfig(name, null,
        new IdentitySourceConfig.WorkloadApi(socket, spiffeId, initialTimeout)));
    return this;
  }

  /**
   * Declares an identity source registered in code under {@code name} ({@code
   * identity_sources: [{name}]}); the mesh that uses this config must be built with {@code
   * Mesh.builder().identitySource(source)} of that name.
   */
  public MeshConfigBuilder identitySource(String name) {
    identitySources.add(new IdentitySourceConfig(Objects.requireNonNull(name, "name"), null, null));
    return this;
  }

  /** Sets {@code inbound.tls}: how callers are authenticated, with the identity source served. */
  public MeshConfigBuilder inboundTls(InboundTlsConfig.Mode mode, String source) {
    inboundTls = new InboundTlsConfig(Objects.requireNonNull(mode, "mode"),
        Objects.requireNonNull(source, "source"));
    return this;
  }

  /**
   * Builds and validates the config.
   *
   * @throws ConfigException listing every problem {@link ConfigValidator} finds
   */
  public MeshConfig build() {
    MeshConfig config = new MeshConfig(
        MeshConfig.CURRENT_VERSION,
        service,
        clusters,
        new OutboundConfig(outbound),
        new InboundConfig(inbound, authz, trustedProxies, healthPath, underscoreAction,
            inboundTls, concurrencyLimit),
        new PropagateConfig(propagate, deadlineHeaders),
        admin,
        policies,
        pathNormalization,
        locality,
        identitySources);
    if (extensions != null) {
      List<ConfigError> errors = ConfigValidator.validate(config, extensions);
      if (!errors.isEmpty()) throw new ConfigException(errors);
      return config;
    }
    return ConfigValidator.requireValid(config);
  }

  // ================================================================== clusters

  /** Describes one cluster. Not thread-safe. */
  public static final class ClusterBuilder extends BoundBuilder<ClusterConfig, ClusterBuilder> {
    private final List<EndpointConfig> endpoints = new ArrayList<>();

    ClusterBuilder() {
      super(ConfigSchema.CLUSTER_RECORD);
    }

    /**
     * Speaks TLS to the endpoints ({@code tls}) in {@code mode} with the certificate and bundle of
     * identity source {@code source}; {@code spec} sets the rest ({@code verify}, {@code sni},
     * {@code min_version}).
     */
    public ClusterBuilder tls(TlsConfig.Mode mode, String source, Consumer<TlsBuilder> spec) {
      TlsBuilder b = new TlsBuilder();
      spec.accept(b);
      return set("tls", b.set("mode", mode).set("source", source).toConfig());
    }

    /** Mutual TLS with {@code source}'s identity, accepting a server with one of these SPIFFE IDs. */
    public ClusterBuilder mutualTls(String source, String... spiffeIds) {
      return tls(TlsConfig.Mode.MUTUAL, source, t -> t.spiffeIds(spiffeIds));
    }

    /**
     * Balances by peak-EWMA latency ({@code lb: peak_ewma}) with this decay time (the default is
     * {@link PeakEwmaConfig#DEFAULT_DECAY_TIME}, which {@code lb(LbPolicy.PEAK_EWMA)} alone gives).
     *
     * @throws IllegalArgumentException if {@code decayTime} is not positive
     */
    public ClusterBuilder peakEwma(Duration decayTime) {
      Objects.requireNonNull(decayTime, "peak_ewma.decay_time");
      set("peak_ewma", ConfigSchema.PEAK_EWMA_RECORD.of("peak_ewma", "decay_time", decayTime));
      return set("lb", LbPolicy.PEAK_EWMA);
    }

    /**
     * Turns on locality-aware load balancing ({@code locality_lb}) in {@code mode} with Envoy's
     * defaults ({@code min_cluster_size} 6, overprovisioning factor 1.4).
     */
    public ClusterBuilder localityLb(LocalityLbConfig.Mode mode) {
      return localityLb(mode, LocalityLbConfig.DEFAULT_MIN_CLUSTER_SIZE,
          LocalityLbConfig.DEFAULT_OVERPROVISIONING_FACTOR);
    }

    /**
     * Turns on locality-aware load balancing ({@code locality_lb}).
     *
     * @throws IllegalArgumentException if {@code minClusterSize < 1} or the factor is outside
     *     1..100
     */
    public ClusterBuilder localityLb(
        LocalityLbConfig.Mode mode, int minClusterSize, double overprovisioningFactor) {
      if (!(overprovisioningFactor >= 1 && overprovisioningFactor <= 100)) {
        throw new IllegalArgumentException("locality_lb.overprovisioning_factor: "
            + overprovisioningFactor + " (expected: a number 1..100)");
      }
      return set("locality_lb", ConfigSchema.LOCALITY_LB_RECORD.of("locality_lb", "mode", mode,
          "min_cluster_size", minClusterSize, "overprovisioning_factor", overprovisioningFactor));
    }

    /**
     * Adds an endpoint of weight 1..10000 at {@code locality} and {@code priority} (0..127, 0
     * preferred), locality weight 1.
     *
     * @throws IllegalArgumentException if the address, weight, locality or priority is invalid
     */
    public ClusterBuilder endpoint(String address, int weight, Locality locality, int priority) {
      return endpoint(address, weight, locality, priority, 1);
    }

    /**
     * Adds an endpoint with every locality setting; {@code localityWeight} (1..10000) counts under
     * {@code locality_lb.mode: weighted}.
     *
     * @throws IllegalArgumentException if a value is invalid
     */
    public ClusterBuilder endpoint(
        String address, int weight, Locality locality, int priority, int localityWeight) {
      endpoint(address, weight, null);
      EndpointConfig e = endpoints.remove(endpoints.size() - 1);
      checkLocality("locality", Objects.requireNonNull(locality, "locality"));
      require("priority", ConfigSchema.ENDPOINT.field("priority").check(priority));
      require("locality_weight", ConfigSchema.ENDPOINT.field("locality_weight").check(localityWeight));
      endpoints.add(new EndpointConfig(e.host(), e.port(), weight, locality, priority, localityWeight));
      return this;
    }

    /**
     * A registered custom load-balancing policy ({@code lb: { custom: name, args }}) instead of a
     * built-in one.
     */
    public ClusterBuilder lbCustom(String name, Map<String, ?> args) {
      return set("lbCustom", ref(name, args));
    }

    /** The cluster's unique name: letters, digits and {@code . _ - | :}. */
    public ClusterBuilder name(String name) {
      Objects.requireNonNull(name, "name");
      require("name", Checks.name(name));
      return set("name", name);
    }

    /** The load-balancing policy (default weighted round robin). */
    public ClusterBuilder lb(LbPolicy lb) {
      return set("lb", lb);
    }

    /** Adds an endpoint {@code host:port} (IPv4, {@code [IPv6]} or DNS name) of weight 1. */
    public ClusterBuilder endpoint(String address) {
      return endpoint(address, 1, null);
    }

    /** Adds an endpoint of weight 1..10000. */
    public ClusterBuilder endpoint(String address, int weight) {
      return endpoint(address, weight, null);
    }

    /**
     * Adds an endpoint of weight 1..10000 in {@code zone} (may be {@code null}).
     *
     * @throws IllegalArgumentException if the address or weight is invalid
     */
    public ClusterBuilder endpoint(String address, int weight, String zone) {
      Objects.requireNonNull(address, "address");
      HostPort hp = HostPort.parse(address);
      if (!Checks.isEndpointHost(hp.host())) {
        throw new IllegalArgumentException("address: " + Checks.quote(address)
            + " (expected: host:port with an IPv4, [IPv6] or DNS host)");
      }
      if (Checks.port(hp.port()) != null) {
        throw new IllegalArgumentException(
            "address: " + Checks.quote(address) + " (expected: port 1-65535)");
      }
      require("weight", ConfigSchema.ENDPOINT.field("weight").check(weight));
      endpoints.add(new EndpointConfig(hp.host(), hp.port(), weight, zone));
      return this;
    }

    /** Turns on active health checking, with defaults for whatever {@code spec} leaves unset. */
    public ClusterBuilder healthCheck(Consumer<HealthCheckBuilder> spec) {
      HealthCheckBuilder b = new HealthCheckBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      return set("health_check", b.toConfig());
    }

    /** Turns on outlier detection, with defaults for whatever {@code spec} leaves unset. */
    public ClusterBuilder outlierDetection(Consumer<OutlierDetectionBuilder> spec) {
      OutlierDetectionBuilder b = new OutlierDetectionBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      return set("outlier_detection", b.toConfig());
    }

    /** Turns on the circuit breaker, with defaults for whatever {@code spec} leaves unset. */
    public ClusterBuilder circuitBreaker(Consumer<CircuitBreakerBuilder> spec) {
      CircuitBreakerBuilder b = new CircuitBreakerBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      return set("circuit_breaker", b.toConfig());
    }

    /** Sets the retry policy; what {@code spec} leaves unset keeps the default policy's value. */
    public ClusterBuilder retry(Consumer<RetryBuilder> spec) {
      RetryBuilder b = new RetryBuilder(false);
      Objects.requireNonNull(spec, "spec").accept(b);
      return set("retry", b.toConfig());
    }

    /** The whole request's deadline, all tries (default 15s). */
    public ClusterBuilder timeout(Duration timeout) {
      return set("timeout", timeout);
    }

    /** Percent of usable endpoints below which all are used (0..100, default 50; 0 disables). */
    public ClusterBuilder panicThreshold(int percent) {
      return set("panic_threshold", percent);
    }

    /** Ramps a new or recovered endpoint's weight up over this window (default 0: off). */
    public ClusterBuilder slowStart(Duration window) {
      return set("slow_start", window);
    }

    /** {@code ring_hash} hashes this request header. */
    public ClusterBuilder hashOnHeader(String header) {
      return set("hash_on", new HashOnConfig(HashOnConfig.Kind.HEADER,
          lower(headerName("hash_on.header", header))));
    }

    /** {@code ring_hash} hashes this cookie. */
    public ClusterBuilder hashOnCookie(String cookie) {
      Objects.requireNonNull(cookie, "hash_on.cookie");
      if (!Checks.isToken(cookie)) {
        throw new IllegalArgumentException("hash_on.cookie: " + Checks.quote(cookie)
            + " (expected: a cookie name: " + Checks.TOKEN_CHARS + ")");
      }
      return set("hash_on", new HashOnConfig(HashOnConfig.Kind.COOKIE, cookie));
    }

    /** {@code ring_hash} hashes the source IP address. */
    public ClusterBuilder hashOnSourceIp() {
      return set("hash_on", new HashOnConfig(HashOnConfig.Kind.SOURCE_IP, null));
    }

    ClusterConfig build() {
      return set("endpoints", endpoints).toConfig();
    }
  }

  /** Describes a cluster's {@code tls} beyond its mode and source. Not thread-safe. */
  public static final class TlsBuilder extends BoundBuilder<TlsConfig, TlsBuilder> {
    private List<String> spiffeIds = List.of();
    private List<String> subjectAltNames = List.of();

    TlsBuilder() {
      super(ConfigSchema.TLS_RECORD);
    }

    /** The server name sent in the handshake ({@code sni}). */
    public TlsBuilder sni(String host) {
      return set("sni", host);
    }

    /** Accept a server whose SPIFFE ID is one of these ({@code verify.spiffe_ids}). */
    public TlsBuilder spiffeIds(String... ids) {
      for (String id : ids) Objects.requireNonNull(id, "spiffe_ids");
      this.spiffeIds = List.of(ids);
      return set("verify", new TlsConfig.Verify(spiffeIds, subjectAltNames));
    }

    /** Accept a server with one of these SANs ({@code verify.subject_alt_names}). */
    public TlsBuilder subjectAltNames(String... names) {
      for (String n : names) Objects.requireNonNull(n, "subject_alt_names");
      this.subjectAltNames = List.of(names);
      return set("verify", new TlsConfig.Verify(spiffeIds, subjectAltNames));
    }

    /** The lowest TLS version offered: {@code 1.2} or {@code 1.3}. */
    public TlsBuilder minVersion(String version) {
      return set("min_version", version);
    }
  }

  /** Describes active health checking. Not thread-safe. */
  public static final class HealthCheckBuilder
      extends BoundBuilder<HealthCheckConfig, HealthCheckBuilder> {
    private final List<StatusRange> expectedStatuses = new ArrayList<>();

    HealthCheckBuilder() {
      super(ConfigSchema.HEALTH_CHECK_RECORD);
    }

    /** {@code http} (default) or {@code tcp}. */
    public HealthCheckBuilder probe(String probe) {
      Objects.requireNonNull(probe, "probe");
      if (!probe.equals("http") && !probe.equals("tcp")) {
        throw new IllegalArgumentException(
            "probe: " + Checks.quote(probe) + " (expected: http or tcp)");
      }
      return set("probe", probe);
    }

    /** The HTTP path probed (default {@code /health}). */
    public HealthCheckBuilder path(String path) {
      return set("path", validPath("path", path));
    }

    /** Time between checks of one endpoint (default 5s). */
    public HealthCheckBuilder interval(Duration interval) {
      return set("interval", interval);
    }

    /** One check's deadline (default 1s); at most the interval. */
    public HealthCheckBuilder timeout(Duration timeout) {
      return set("timeout", timeout);
    }

    /** Consecutive failures before a healthy endpoint goes unhealthy (default 3). */
    public HealthCheckBuilder unhealthyThreshold(int checks) {
      return set("unhealthy_threshold", checks);
    }

    /** Consecutive successes before an unhealthy endpoint comes back (default 2). */
    public HealthCheckBuilder healthyThreshold(int checks) {
      return set("healthy_threshold", checks);
    }

    /** Adds an inclusive range of statuses that count as healthy (default 200-299). */
    public HealthCheckBuilder expectedStatuses(int from, int to) {
      require("expected_statuses", Checks.range(from, 100, 599));
      require("expected_statuses", Checks.range(to, 100, 599));
      if (from > to) {
        throw new IllegalArgumentException("expected_statuses: " + from + "-" + to
            + " (expected: a range from low to high, e.g. 200-299)");
      }
      expectedStatuses.add(new StatusRange(from, to));
      return set("expected_statuses", expectedStatuses);
    }

    /** Adds one status that counts as healthy. */
    public HealthCheckBuilder expectedStatus(int status) {
      return expectedStatuses(status, status);
    }
  }

  /**
   * A builder of a section bound to its record ({@link RecordBinding}): each setter names its key,
   * whose declaration checks the value; unset keys take the section's defaults.
   */
  abstract static class BoundBuilder<R extends Record, B extends BoundBuilder<R, B>> {
    private final RecordBinding<R> binding;
    private final Object[] values;

    BoundBuilder(RecordBinding<R> binding) {
      this.binding = binding;
      this.values = new Object[binding.size()];
    }

    @SuppressWarnings("unchecked")
    final B set(String key, Object value) {
      Objects.requireNonNull(value, key);
      String problem = binding.problem(key, value);
      if (problem != null) throw new IllegalArgumentException(problem);
      values[binding.index(key)] = value;
      return (B) this;
    }

    /** Sets a value the caller has checked (a keyword's stand-in, outside the declared range). */
    @SuppressWarnings("unchecked")
    final B setUnchecked(String key, Object value) {
      values[binding.index(key)] = value;
      return (B) this;
    }

    final R toConfig() {
      return binding.with(values);
    }
  }

  /** Describes outlier detection. Not thread-safe. */
  public static final class OutlierDetectionBuilder
      extends BoundBuilder<OutlierDetectionConfig, OutlierDetectionBuilder> {
    OutlierDetectionBuilder() {
      super(ConfigSchema.OUTLIER_RECORD);
    }

    /** Consecutive 5xx before ejection (default 5; 0 disables). */
    public OutlierDetectionBuilder consecutive5xx(int count) {
      return set("consecutive_5xx", count);
    }

    /** Consecutive 502/503/504 or connect failures before ejection (default 5; 0 disables). */
    public OutlierDetectionBuilder consecutiveGatewayFailure(int count) {
      return set("consecutive_gateway_failure", count);
    }

    /** Ejection time per ejection so far (default 30s). */
    public OutlierDetectionBuilder baseEjectionTime(Duration time) {
      return set("base_ejection_time", time);
    }

    /** At most this percent of the cluster ejected, but at least one endpoint (default 10). */
    public OutlierDetectionBuilder maxEjectionPercent(int percent) {
      return set("max_ejection_percent", percent);
    }

    /** The cap on one ejection (default 300s); at least the base ejection time. */
    public OutlierDetectionBuilder maxEjectionTime(Duration time) {
      return set("max_ejection_time", time);
    }

    /** False makes detection a dry run: ejections are counted, never enforced (default true). */
    public OutlierDetectionBuilder enforcing(boolean enforcing) {
      return set("enforcing", enforcing);
    }
  }

  /** Describes a circuit breaker. Not thread-safe. */
  public static final class CircuitBreakerBuilder
      extends BoundBuilder<CircuitBreakerConfig, CircuitBreakerBuilder> {
    CircuitBreakerBuilder() {
      super(ConfigSchema.CIRCUIT_BREAKER_RECORD);
    }

    /** Percent of failed calls that opens the circuit (1..100, default 50). */
    public CircuitBreakerBuilder failureRateThreshold(int percent) {
      return set("failure_rate_threshold", percent);
    }

    /** Calls slower than this count as slow (default 2s). */
    public CircuitBreakerBuilder slowCallDuration(Duration duration) {
      return set("slow_call_duration", duration);
    }

    /** Percent of slow calls that opens the circuit (1..100, default 100). */
    public CircuitBreakerBuilder slowCallRateThreshold(int percent) {
      return set("slow_call_rate_threshold", percent);
    }

    /** Calls in the count-based window (1..100000, default 100). */
    public CircuitBreakerBuilder slidingWindow(int calls) {
      return set("sliding_window", calls);
    }

    /** Calls needed before rates are computed (default 20); at most the window. */
    public CircuitBreakerBuilder minimumCalls(int calls) {
      return set("minimum_calls", calls);
    }

    /** How long the circuit stays open before probing (default 10s). */
    public CircuitBreakerBuilder waitInOpen(Duration duration) {
      return set("wait_in_open", duration);
    }

    /** Concurrent requests allowed to the cluster (default 1024; {@code >= 1}). */
    public CircuitBreakerBuilder maxConcurrentRequests(int requests) {
      if (requests == CircuitBreakerConfig.ADAPTIVE_MAX_CONCURRENT_REQUESTS) {
        throw new IllegalArgumentException("max_concurrent_requests: " + requests
            + " (expected: >= 1; for an adaptive limit call maxConcurrentRequestsAdaptive())");
      }
      return set("max_concurrent_requests", requests);
    }

    /**
     * An adaptive limit on concurrent requests to the cluster ({@code max_concurrent_requests:
     * adaptive}): the {@code gradient2} algorithm, between 3 and 1000, follows the cluster's
     * latencies instead of a fixed cap.
     */
    public CircuitBreakerBuilder maxConcurrentRequestsAdaptive() {
      return setUnchecked("max_concurrent_requests",
          CircuitBreakerConfig.ADAPTIVE_MAX_CONCURRENT_REQUESTS);
    }
  }

  /**
   * Describes a retry policy: a cluster's (unset fields keep the default policy's values) or a
   * route's override (unset fields keep the cluster's). Not thread-safe.
   */
  public static final class RetryBuilder {
    private final boolean override;
    /** The keys set, with their checked values; {@code budget: off} is {@link RecordBinding#NONE}. */
    private final Map<String, Object> values = new LinkedHashMap<>();

    RetryBuilder(boolean override) {
      this.override = override;
    }

    /** Total tries, the first included (1..10, default 2). */
    public RetryBuilder attempts(int attempts) {
      String problem = ConfigSchema.RETRY_RECORD.problem("attempts", attempts);
      if (problem != null) throw new IllegalArgumentException(problem);
      values.put("attempts", attempts);
      return this;
    }

    /** The conditions that make a failed try retriable; replaces the default set. */
    public RetryBuilder retryOn(RetryOn... conditions) {
      Set<RetryOn> set = new LinkedHashSet<>();
      for (RetryOn r : conditions) set.add(Objects.requireNonNull(r, "retry_on"));
      values.put("retry_on", set);
      return this;
    }

    /** Statuses retried under {@link RetryOn#RETRIABLE_STATUS_CODES} (each 100..599). */
    public RetryBuilder retriableStatusCodes(int... statuses) {
      List<Integer> list = new ArrayList<>();
      for (int s : statuses) {
        require("retriable_status_codes", Checks.range(s, 100, 599));
        list.add(s);
      }
      values.put("retriable_status_codes", list);
      return this;
    }

    /** The deadline of one try (default none; the overall timeout still applies). */
    public RetryBuilder perTryTimeout(Duration timeout) {
      values.put("per_try_timeout", positive("per_try_timeout", timeout));
      return this;
    }

    /** Full-jitter exponential backoff from {@code base}, capped at 10 times it (as Envoy). */
    public RetryBuilder backoff(Duration base) {
      positive("backoff.base", base);
      Duration max = base.multipliedBy(10);
      return backoff(base, max.compareTo(DurationParser.MAX) > 0 ? DurationParser.MAX : max);
    }

    /** Full-jitter exponential backoff between tries, from {@code base} up to {@code max}. */
    public RetryBuilder backoff(Duration base, Duration max) {
      RetryConfig.Backoff b = ConfigSchema.BACKOFF_RECORD.of("backoff", "base", base, "max", max);
      if (max.compareTo(base) < 0) {
        throw new IllegalArgumentException("backoff.max: " + DurationParser.format(max)
            + " (expected: at least base, " + DurationParser.format(base) + ")");
      }
      values.put("backoff", b);
      return this;
    }

    /** Retries allowed: {@code percent} (0..100) of requests plus {@code minPerSecond}. */
    public RetryBuilder budget(double percent, int minPerSecond) {
      values.put("budget", ConfigSchema.BUDGET_RECORD.of(
          "budget", "percent", percent, "min_per_second", minPerSecond));
      return this;
    }

    /**
     * Turns the retry budget off ({@code budget: off}).
     *
     * @throws IllegalStateException in a route's override: only a cluster's policy can
     */
    public RetryBuilder budgetOff() {
      if (override) {
        throw new IllegalStateException(
            "budget: a retry budget can be turned off only in the cluster's retry policy");
      }
      values.put("budget", RecordBinding.NONE);
      return this;
    }

    /**
     * Whether POST/PATCH are retried only when the request never left (default true).
     */
    public RetryBuilder idempotentOnly(boolean idempotentOnly) {
      values.put("idempotent_only", idempotentOnly);
      return this;
    }

    RetryConfig toConfig() {
      return ConfigSchema.RETRY_RECORD.of("retry", values);
    }

    RetryOverride toOverride() {
      return ConfigSchema.RETRY_OVERRIDE_RECORD.of("retry", values);
    }

  }

  // ================================================================== virtual hosts and routes

  /** Describes a virtual host. Not thread-safe. */
  public static final class VirtualHostBuilder {
    private final boolean inbound;
    private String name;
    private List<String> domains;
    private final List<RouteConfig> routes = new ArrayList<>();
    private final List<ExtensionRef> policies = new ArrayList<>();

    VirtualHostBuilder(boolean inbound) {
      this.inbound = inbound;
    }

    /** Adds a request policy run for every route of this host, after the global ones. */
    public VirtualHostBuilder policy(String name, Map<String, ?> args) {
      policies.add(ref(name, args));
      return this;
    }

    /** Adds a request policy without arguments. */
    public VirtualHostBuilder policy(String name) {
      return policy(name, Map.of());
    }

    /** The virtual host's name, unique in its direction; also its domain by default. */
    public VirtualHostBuilder name(String name) {
      Objects.requireNonNull(name, "name");
      require("name", Checks.name(name));
      this.name = name;
      return this;
    }

    /**
     * Adds domains: exact hosts, {@code *.suffix}, {@code prefix.*} or {@code *}; compared
     * case-insensitively, without port. Default: the name.
     */
    public VirtualHostBuilder domains(String... domains) {
      if (this.domains == null) this.domains = new ArrayList<>();
      for (String d : domains) {
        String lower = lower(Objects.requireNonNull(d, "domains"));
        require("domains", Checks.domain(lower));
        this.domains.add(lower);
      }
      return this;
    }

    /** Adds a route; routes are tried in the order added. */
    public VirtualHostBuilder route(Consumer<RouteBuilder> spec) {
      RouteBuilder b = new RouteBuilder(inbound, routes.size());
      Objects.requireNonNull(spec, "spec").accept(b);
      routes.add(b.build());
      return this;
    }

    VirtualHostConfig build() {
      List<String> d = domains != null ? domains : name != null ? List.of(lower(name)) : List.of();
      return new VirtualHostConfig(name, d, routes, policies);
    }
  }

  /**
   * The conditions of a route or authorization rule; all must hold.
   *
   * @param <B> the concrete builder, returned by every setter
   */
  public abstract static class MatchBuilder<B extends MatchBuilder<B>> {
    private PathMatchKind pathKind;
    private String pathValue;
    private boolean caseSensitive = true;
    private final Set<String> methods = new LinkedHashSet<>();
    private final List<HeaderMatchConfig> headers = new ArrayList<>();
    private final List<QueryMatchConfig> query = new ArrayList<>();
    private final List<Cidr> source = new ArrayList<>();
    private final List<String> principals = new ArrayList<>();
    private ExtensionRef custom;

    /**
     * A registered custom condition ({@code custom: { name, args }}), checked after every other
     * one. Routes only: in an authz rule it is a validation error.
     */
    public B custom(String name, Map<String, ?> args) {
      this.custom = ref(name, args);
      return self();
    }

    MatchBuilder() {}

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    private B path(PathMatchKind kind, String key, String value) {
      if (pathKind != null) {
        throw new IllegalStateException(key + ": the path condition was already set to "
            + ConfigValidator.pathKeyOf(pathKind) + " " + Checks.quote(pathValue));
      }
      if (kind == PathMatchKind.REGEX) {
        validRegex(key, value);
      } else {
        validPath(key, value);
        if (kind == PathMatchKind.PATH_SEPARATED_PREFIX && value.length() > 1
            && value.endsWith("/")) {
          throw new IllegalArgumentException(key + ": " + Checks.quote(value)
              + " (expected: no trailing /)");
        }
      }
      pathKind = kind;
      pathValue = value;
      return self();
    }

    /** The path starts with {@code prefix} ({@code /foo} matches {@code /foobar}). */
    public B prefix(String prefix) {
      return path(PathMatchKind.PREFIX, "prefix", prefix);
    }

    /** The path is exactly {@code path}. */
    public B path(String path) {
      return path(PathMatchKind.PATH, "path", path);
    }

    /** The path is {@code prefix} or continues it after a {@code /}. */
    public B pathSeparatedPrefix(String prefix) {
      return path(PathMatchKind.PATH_SEPARATED_PREFIX, "path_separated_prefix", prefix);
    }

    /** The whole path matches {@code regex} (java.util.regex). */
    public B regex(String regex) {
      return path(PathMatchKind.REGEX, "regex", regex);
    }

    /** Whether the path condition is case-sensitive (default true). */
    public B caseSensitive(boolean caseSensitive) {
      this.caseSensitive = caseSensitive;
      return self();
    }

    /** Adds methods the request may have (any, when none is added). */
    public B methods(String... methods) {
      for (String m : methods) {
        String upper = Objects.requireNonNull(m, "methods").toUpperCase(Locale.ROOT);
        require("methods", Checks.method(upper));
        this.methods.add(upper);
      }
      return self();
    }

    /** The header has exactly this value. */
    public B header(String name, String exactValue) {
      return header(name, h -> h.exact(exactValue));
    }

    /** The header is present. */
    public B headerPresent(String name) {
      return header(name, h -> h.present(true));
    }

    /** The header is absent. */
    public B headerAbsent(String name) {
      return header(name, h -> h.present(false));
    }

    /**
     * Adds a header condition; {@code spec} sets exactly one comparison.
     *
     * @throws IllegalStateException if {@code spec} sets none
     */
    public B header(String name, Consumer<HeaderMatchBuilder> spec) {
      Objects.requireNonNull(name, "headers.name");
      require("headers.name", Checks.matchHeaderName(lower(name)));
      HeaderMatchBuilder b = new HeaderMatchBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      if (b.kind == null) {
        throw new IllegalStateException("headers: no condition for " + Checks.quote(name)
            + " (expected exactly one of: exact, prefix, suffix, contains, regex, present)");
      }
      headers.add(new HeaderMatchConfig(lower(name), b.kind, b.value, b.present, b.invert));
      return self();
    }

    /** The query parameter's first value is exactly {@code exactValue}. */
    public B query(String name, String exactValue) {
      return query(name, q -> q.exact(exactValue));
    }

    /** The query parameter is present. */
    public B queryPresent(String name) {
      return query(name, q -> q.present(true));
    }

    /**
     * Adds a query parameter condition; {@code spec} sets exactly one comparison.
     *
     * @throws IllegalStateException if {@code spec} sets none
     */
    public B query(String name, Consumer<QueryMatchBuilder> spec) {
      Objects.requireNonNull(name, "query.name");
      if (name.isEmpty()) throw new IllegalArgumentException("query.name: \"\" (expected: a"
          + " non-empty name)");
      QueryMatchBuilder b = new QueryMatchBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      if (b.kind == null) {
        throw new IllegalStateException("query: no condition for " + Checks.quote(name)
            + " (expected exactly one of: exact, regex, present)");
      }
      query.add(new QueryMatchConfig(name, b.kind, b.value, b.present));
      return self();
    }

    /** Adds CIDRs the request's source address may be in (any, when none is added). */
    public B source(String... cidrs) {
      for (String c : cidrs) source.add(cidr("source", c));
      return self();
    }

    /**
     * Adds peer identities the request may come from, exact or ending with {@code *} (inbound
     * only).
     */
    public B principals(String... principals) {
      for (String p : principals) {
        Objects.requireNonNull(p, "principals");
        require("principals", Checks.principal(p));
        this.principals.add(p);
      }
      return self();
    }

    MatchConfig match() {
      return new MatchConfig(pathKind, pathValue, caseSensitive, methods, headers, query, source,
          principals, custom);
    }
  }

  /** Sets the one comparison of a header condition. Not thread-safe. */
  public static final class HeaderMatchBuilder {
    private HeaderMatchConfig.Kind kind;
    private String value;
    private boolean present = true;
    private boolean invert;

    HeaderMatchBuilder() {}

    private HeaderMatchBuilder set(HeaderMatchConfig.Kind kind, String value) {
      String key = lower(kind.name());
      if (this.kind != null) {
        throw new IllegalStateException(key + ": the header condition was already set to "
            + lower(this.kind.name()));
      }
      if (value != null) {
        headerValue(key, value);
        if (kind == HeaderMatchConfig.Kind.REGEX) validRegex(key, value);
        if (value.isEmpty() && kind != HeaderMatchConfig.Kind.EXACT) {
          throw new IllegalArgumentException(key + ": \"\" (expected: a non-empty value)");
        }
      }
      this.kind = kind;
      this.value = value;
      return this;
    }

    /** The value is exactly {@code value}. */
    public HeaderMatchBuilder exact(String value) {
      return set(HeaderMatchConfig.Kind.EXACT, Objects.requireNonNull(value, "exact"));
    }

    /** The value starts with {@code value}. */
    public HeaderMatchBuilder prefix(String value) {
      return set(HeaderMatchConfig.Kind.PREFIX, Objects.requireNonNull(value, "prefix"));
    }

    /** The value ends with {@code value}. */
    public HeaderMatchBuilder suffix(String value) {
      return set(HeaderMatchConfig.Kind.SUFFIX, Objects.requireNonNull(value, "suffix"));
    }

    /** The value contains {@code value}. */
    public HeaderMatchBuilder contains(String value) {
      return set(HeaderMatchConfig.Kind.CONTAINS, Objects.requireNonNull(value, "contains"));
    }

    /** The whole value matches {@code regex}. */
    public HeaderMatchBuilder regex(String regex) {
      return set(HeaderMatchConfig.Kind.REGEX, Objects.requireNonNull(regex, "regex"));
    }

    /** The header is present ({@code true}) or absent ({@code false}). */
    public HeaderMatchBuilder present(boolean present) {
      set(HeaderMatchConfig.Kind.PRESENT, null);
      this.present = present;
      return this;
    }

    /** Negates the comparison for a present header (a missing header still fails). */
    public HeaderMatchBuilder invert() {
      this.invert = true;
      return this;
    }
  }

  /** Sets the one comparison of a query parameter condition. Not thread-safe. */
  public static final class QueryMatchBuilder {
    private QueryMatchConfig.Kind kind;
    private String value;
    private boolean present = true;

    QueryMatchBuilder() {}

    private QueryMatchBuilder set(QueryMatchConfig.Kind kind, String value) {
      if (this.kind != null) {
        throw new IllegalStateException(lower(kind.name())
            + ": the query condition was already set to " + lower(this.kind.name()));
      }
      this.kind = kind;
      this.value = value;
      return this;
    }

    /** The first value is exactly {@code value}. */
    public QueryMatchBuilder exact(String value) {
      return set(QueryMatchConfig.Kind.EXACT, Objects.requireNonNull(value, "exact"));
    }

    /** The first value matches {@code regex} as a whole. */
    public QueryMatchBuilder regex(String regex) {
      return set(QueryMatchConfig.Kind.REGEX, validRegex("regex", regex));
    }

    /** The parameter is present ({@code true}) or absent ({@code false}). */
    public QueryMatchBuilder present(boolean present) {
      set(QueryMatchConfig.Kind.PRESENT, null);
      this.present = present;
      return this;
    }
  }

  /**
   * Describes a route: its conditions (the {@link MatchBuilder} setters), exactly one action and
   * optional modifiers. Not thread-safe.
   */
  public static final class RouteBuilder extends MatchBuilder<RouteBuilder> {
    private final boolean inbound;
    private String name;
    private ActionConfig action;
    private List<WeightedCluster> split;
    private String rewritePrefix;
    private String rewriteRegex;
    private String rewriteSubstitution;
    private String rewriteHost;
    private Map<String, String> addHeaders;
    private List<String> removeHeaders;
    private Duration timeout;
    private RetryOverride retry;
    private MirrorConfig mirror;
    private HedgeConfig hedge;
    private TlsConfig.Verify verify;
    private FaultConfig.Delay faultDelay;
    private FaultConfig.Abort faultAbort;
    private RateLimitConfig rateLimit;
    private final List<ExtensionRef> policies = new ArrayList<>();

    /** Adds a request policy of this route, run after the global and the virtual host's ones. */
    public RouteBuilder policy(String name, Map<String, ?> args) {
      policies.add(ref(name, args));
      return this;
    }

    /** Adds a request policy of this route without arguments. */
    public RouteBuilder policy(String name) {
      return policy(name, Map.of());
    }

    RouteBuilder(boolean inbound, int index) {
      this.inbound = inbound;
      this.name = "routes[" + index + "]";
    }

    /** The route's name, unique in its virtual host (default {@code routes[i]}). */
    public RouteBuilder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || Checks.headerValue(name) != null) {
        throw new IllegalArgumentException("name: " + Checks.quote(name)
            + " (expected: a non-empty name without CR, LF or NUL)");
      }
      this.name = name;
      return this;
    }

    private void action(String key, ActionConfig next) {
      if (action != null || split != null) {
        String current = split != null ? "split" : ConfigValidator.actionKeyOf(action);
        throw new IllegalStateException(key + ": the route's action was already set to "
            + current);
      }
      action = next;
    }

    /** Forwards to one cluster (outbound, or inbound through {@code mesh-gateway}). */
    public RouteBuilder to(String cluster) {
      action("to", new Forward(Objects.requireNonNull(cluster, "to")));
      return this;
    }

    /**
     * Adds a cluster to the route's weighted split (outbound); call once per cluster.
     *
     * @throws IllegalArgumentException unless {@code weight} is 0..10000
     */
    public RouteBuilder split(String cluster, int weight) {
      Objects.requireNonNull(cluster, "split.cluster");
      require("split.weight", Checks.range(weight, 0, Checks.MAX_WEIGHT));
      if (split == null) {
        action("split", null);
        split = new ArrayList<>();
      }
      split.add(ConfigSchema.SPLIT_RECORD.of("split", "cluster", cluster, "weight", weight));
      return this;
    }

    /**
     * Adds the local application to the route's weighted split ({@code { local: true, weight }});
     * inbound only, at most once (the validator reports a misuse with its path).
     *
     * @throws IllegalArgumentException unless {@code weight} is 0..10000
     */
    public RouteBuilder splitLocal(int weight) {
      require("split.weight", Checks.range(weight, 0, Checks.MAX_WEIGHT));
      if (split == null) {
        action("split", null);
        split = new ArrayList<>();
      }
      split.add(ConfigSchema.SPLIT_RECORD.of("split", "weight", weight, "local", true));
      return this;
    }

    /** Answers with a redirect that {@code spec} describes. */
    public RouteBuilder redirect(Consumer<RedirectBuilder> spec) {
      RedirectBuilder b = new RedirectBuilder();
      Objects.requireNonNull(spec, "spec").accept(b);
      action("redirect", ConfigSchema.REDIRECT_RECORD.of("redirect", b.values));
      return this;
    }

    /** Answers directly with {@code status} (200..599) and an empty body. */
    public RouteBuilder respond(int status) {
      return respond(status, "", Map.of());
    }

    /** Answers directly with {@code status} (200..599) and {@code body}. */
    public RouteBuilder respond(int status, String body) {
      return respond(status, body, Map.of());
    }

    /** Answers directly with {@code status} (200..599), {@code body} and {@code headers}. */
    public RouteBuilder respond(int status, String body, Map<String, String> headers) {
      require("respond.status", Checks.range(status, 200, 599));
      Objects.requireNonNull(body, "respond.body");
      Map<String, String> copy = new LinkedHashMap<>();
      headers.forEach((k, v) -> {
        headerName("respond.headers", k);
        copy.put(k, headerValue("respond.headers." + k, v));
      });
      action("respond", ConfigSchema.RESPOND_RECORD.of(
          "respond", "status", status, "body", body, "headers", copy));
      return this;
    }

    /** Hands the request to the application (inbound; also the default inbound). */
    public RouteBuilder pass() {
      action("pass", Pass.INSTANCE);
      return this;
    }

    /** Replaces the part of the path the route's prefix matched. */
    public RouteBuilder rewritePrefix(String prefix) {
      if (rewriteRegex != null) {
        throw new IllegalStateException("rewrite.prefix: the rewrite already uses regex");
      }
      this.rewritePrefix = validPath("rewrite.prefix", prefix);
      return this;
    }

    /** Replaces every match of {@code regex} in the path ({@code \1} names a group). */
    public RouteBuilder rewriteRegex(String regex, String substitution) {
      if (rewritePrefix != null) {
        throw new IllegalStateException("rewrite.regex: the rewrite already uses prefix");
      }
      this.rewriteRegex = validRegex("rewrite.regex", regex);
      this.rewriteSubstitution = headerValue("rewrite.substitution", substitution);
      return this;
    }

    /** Replaces the authority sent upstream ({@code host} or {@code host:port}). */
    public RouteBuilder rewriteHost(String host) {
      Objects.requireNonNull(host, "rewrite.host");
      require("rewrite.host", Checks.authority(host));
      this.rewriteHost = host;
      return this;
    }

    /** Adds a request header value (after removals). */
    public RouteBuilder addHeader(String name, String value) {
      headerName("headers.add", name);
      headerValue("headers.add." + name, value);
      if (addHeaders == null) addHeaders = new LinkedHashMap<>();
      addHeaders.put(name, value);
      return this;
    }

    /** Removes a request header. */
    public RouteBuilder removeHeader(String name) {
      headerName("headers.remove", name);
      if (removeHeaders == null) removeHeaders = new ArrayList<>();
      removeHeaders.add(name);
      return this;
    }

    /** The whole request's deadline on this route, overriding the cluster's. */
    public RouteBuilder timeout(Duration timeout) {
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /** Overrides fields of the target cluster's retry policy. */
    public RouteBuilder retry(Consumer<RetryBuilder> spec) {
      RetryBuilder b = new RetryBuilder(true);
      Objects.requireNonNull(spec, "spec").accept(b);
      this.retry = b.toOverride();
      return this;
    }

    /** Hedges idempotent requests after a fixed {@code delay}, with up to {@code max} hedges (1..3). */
    public RouteBuilder hedge(Duration delay, int max) {
      this.hedge = ConfigSchema.HEDGE_RECORD.of("hedge", "delay", delay, "max", max);
      return this;
    }

    /**
     * Hedges idempotent requests after the cluster's recent latency at {@code percentile} ({@code
     * "p95"}), with up to {@code max} hedges (1..3).
     */
    public RouteBuilder hedge(String percentile, int max) {
      this.hedge = ConfigSchema.HEDGE_RECORD.of("hedge", "percentile", percentile, "max", max);
      return this;
    }

    /**
     * Accepts, for requests on this route, only servers whose SPIFFE ID is one of {@code ids}
     * (exact, or a prefix ending with {@code *}), on top of the clusters' {@code tls.verify}
     * ({@code verify.spiffe_ids}). Outbound routes whose clusters all speak TLS only.
     */
    public RouteBuilder verifySpiffeIds(String... ids) {
      for (String id : ids) Objects.requireNonNull(id, "spiffe_ids");
      this.verify = new TlsConfig.Verify(List.of(ids), List.of());
      return this;
    }

    /**
     * Accepts, for requests on this route, only servers with one of these DNS, URI or IP subject
     * alternative names, on top of the clusters' {@code tls.verify} ({@code
     * verify.subject_alt_names}). Outbound routes whose clusters all speak TLS only.
     */
    public RouteBuilder verifySubjectAltNames(String... names) {
      for (String n : names) Objects.requireNonNull(n, "subject_alt_names");
      this.verify = new TlsConfig.Verify(List.of(), List.of(names));
      return this;
    }

    /** Mirrors every request to {@code cluster}, fire-and-forget. */
    public RouteBuilder mirror(String cluster) {
      return mirror(cluster, 100);
    }

    /** Mirrors {@code percent} (0..100) of requests to {@code cluster}, fire-and-forget. */
    public RouteBuilder mirror(String cluster, double percent) {
      this.mirror = ConfigSchema.MIRROR_RECORD.of("mirror", "cluster", cluster, "percent", percent);
      return this;
    }

    /** Delays {@code percent} (0..100) of requests by {@code delay}. */
    public RouteBuilder faultDelay(Duration delay, double percent) {
      this.faultDelay = ConfigSchema.DELAY_RECORD.of(
          "fault.delay", "fixed", delay, "percent", percent);
      return this;
    }

    /** Answers {@code percent} (0..100) of requests with {@code status} (200..599). */
    public RouteBuilder faultAbort(int status, double percent) {
      this.faultAbort = ConfigSchema.ABORT_RECORD.of(
          "fault.abort", "status", status, "percent", percent);
      return this;
    }

    /** Limits the route to {@code requestsPerSecond}, with a burst of as many (rounded up). */
    public RouteBuilder rateLimit(double requestsPerSecond) {
      this.rateLimit = rateLimitOf(requestsPerSecond, null, null, RateLimitConfig.DEFAULT_MAX_KEYS);
      return this;
    }

    /** Limits the route to {@code requestsPerSecond}, holding at most {@code burst} tokens. */
    public RouteBuilder rateLimit(double requestsPerSecond, int burst) {
      this.rateLimit = rateLimitOf(requestsPerSecond, burst, null, RateLimitConfig.DEFAULT_MAX_KEYS);
      return this;
    }

    /**
     * Limits each client of the route, told apart by {@code key}, to {@code requestsPerSecond}
     * with at most {@code burst} tokens, keeping the buckets of at most {@value
     * RateLimitConfig#DEFAULT_MAX_KEYS} clients.
     */
    public RouteBuilder rateLimitPerClient(
        RateLimitConfig.Key key, double requestsPerSecond, int burst) {
      return rateLimitPerClient(key, requestsPerSecond, burst, RateLimitConfig.DEFAULT_MAX_KEYS);
    }

    /**
     * Limits each client of the route, told apart by {@code key}, to {@code requestsPerSecond}
     * with at most {@code burst} tokens, keeping the buckets of at most {@code maxKeys} clients.
     *
     * @throws IllegalArgumentException naming the bad value ({@code rate_limit.burst: 0
     *     (expected: >= 1)})
     */
    public RouteBuilder rateLimitPerClient(
        RateLimitConfig.Key key, double requestsPerSecond, int burst, int maxKeys) {
      Objects.requireNonNull(key, "rate_limit.key");
      if (key.kind() == RateLimitConfig.Key.Kind.HEADER) {
        headerName("rate_limit.key.header", key.header());
      }
      this.rateLimit = rateLimitOf(requestsPerSecond, burst, key, maxKeys);
      return this;
    }

    private static RateLimitConfig rateLimitOf(
        double rate, Integer burst, RateLimitConfig.Key key, int maxKeys) {
      List<Object> kv = new ArrayList<>(List.of("requests_per_second", rate));
      if (burst != null) kv.addAll(List.of("burst", burst));
      if (key != null) kv.addAll(List.of("key", key));
      kv.addAll(List.of("max_keys", maxKeys));
      return ConfigSchema.RATE_LIMIT_RECORD.of("rate_limit", kv.toArray());
    }

    RouteConfig build() {
      ActionConfig a = split != null ? new Split(split) : action;
      if (a == null && inbound) a = Pass.INSTANCE;
      RewriteConfig rewrite = rewritePrefix == null && rewriteRegex == null && rewriteHost == null
          ? null
          : new RewriteConfig(rewritePrefix, rewriteRegex, rewriteSubstitution, rewriteHost);
      HeadersConfig headers = addHeaders == null && removeHeaders == null
          ? null
          : new HeadersConfig(addHeaders, removeHeaders == null ? List.of() : removeHeaders);
      FaultConfig fault = faultDelay == null && faultAbort == null
          ? null
          : new FaultConfig(faultDelay, faultAbort);
      return new RouteConfig(name, match(), a, rewrite, headers, timeout, retry, mirror, fault,
          rateLimit, policies, hedge, verify);
    }
  }

  /** Describes a redirect; components left unset keep the request's. Not thread-safe. */
  public static final class RedirectBuilder {
    /** The keys set, in the order set, with their values. */
    private final Map<String, Object> values = new LinkedHashMap<>();

    RedirectBuilder() {}

    /** {@code http} or {@code https}. */
    public RedirectBuilder scheme(String scheme) {
      Objects.requireNonNull(scheme, "redirect.scheme");
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException(
            "redirect.scheme: " + Checks.quote(scheme) + " (expected: http or https)");
      }
      values.put("scheme", scheme);
      return this;
    }

    /** A host name, IPv4 or {@code [IPv6]} literal, without port. */
    public RedirectBuilder host(String host) {
      Objects.requireNonNull(host, "redirect.host");
      if (!Checks.isUrlHost(host)) {
        throw new IllegalArgumentException("redirect.host: " + Checks.quote(host)
            + " (expected: a host name, IPv4 or [IPv6] literal, without port)");
      }
      values.put("host", host);
      return this;
    }

    /** 1..65535. */
    public RedirectBuilder port(int port) {
      require("redirect.port", Checks.port(port));
      values.put("port", port);
      return this;
    }

    /** Replaces the whole path. */
    public RedirectBuilder path(String path) {
      if (values.containsKey("prefix_rewrite")) {
        throw new IllegalStateException("redirect.path: prefix_rewrite was already set");
      }
      values.put("path", validPath("redirect.path", path));
      return this;
    }

    /** Replaces the part of the path the route's prefix matched. */
    public RedirectBuilder prefixRewrite(String prefix) {
      if (values.containsKey("path")) {
        throw new IllegalStateException("redirect.prefix_rewrite: path was already set");
      }
      values.put("prefix_rewrite", validPath("redirect.prefix_rewrite", prefix));
      return this;
    }

    /** Drops the query string. */
    public RedirectBuilder stripQuery() {
      values.put("strip_query", true);
      return this;
    }

    /** 301 (default), 302, 303, 307 or 308. */
    public RedirectBuilder code(int code) {
      if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
        throw new IllegalArgumentException(
            "redirect.code: " + code + " (expected: 301, 302, 303, 307 or 308)");
      }
      values.put("code", code);
      return this;
    }

  }

  // ================================================================== inbound extras

  /** Describes inbound authorization. Not thread-safe. */
  public static final class AuthzBuilder {
    private AuthzConfig.Action defaultAction;
    private final List<AuthzConfig.Rule> rules = new ArrayList<>();

    AuthzBuilder() {}

    /** What happens when no rule matches (default allow). */
    public AuthzBuilder defaultAction(AuthzConfig.Action action) {
      this.defaultAction = Objects.requireNonNull(action, "default_action");
      return this;
    }

    /** Adds a rule; the first matching rule decides. */
    public AuthzBuilder rule(Consumer<RuleBuilder> spec) {
      RuleBuilder b = new RuleBuilder(rules.size());
      Objects.requireNonNull(spec, "spec").accept(b);
      rules.add(new AuthzConfig.Rule(b.name, b.action, b.match()));
      return this;
    }

    AuthzConfig build() {
      return new AuthzConfig(defaultAction, rules);
    }
  }

  /**
   * Describes an authorization rule: allow or deny, and its conditions (the {@link MatchBuilder}
   * setters). Not thread-safe.
   */
  public static final class RuleBuilder extends MatchBuilder<RuleBuilder> {
    private String name;
    private AuthzConfig.Action action;

    RuleBuilder(int index) {
      this.name = "rules[" + index + "]";
    }

    /** The rule's name, for metrics and logs (default {@code rules[i]}). */
    public RuleBuilder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || Checks.headerValue(name) != null) {
        throw new IllegalArgumentException("name: " + Checks.quote(name)
            + " (expected: a non-empty name without CR, LF or NUL)");
      }
      this.name = name;
      return this;
    }

    /** Matching requests are allowed. */
    public RuleBuilder allow() {
      this.action = AuthzConfig.Action.ALLOW;
      return this;
    }

    /** Matching requests are denied. */
    public RuleBuilder deny() {
      this.action = AuthzConfig.Action.DENY;
      return this;
    }
  }

  /** Describes the admin endpoints. Not thread-safe. */
  public static final class AdminBuilder {
    private boolean enabled;
    private List<Cidr> allowFrom;
    private final List<String> allowedHosts = new ArrayList<>();

    AdminBuilder() {}

    /**
     * Adds host names (no port) that mutations and the config/explain reads may be addressed to,
     * besides loopback literals and {@code localhost} (default none).
     */
    public AdminBuilder allowedHosts(String... hosts) {
      allowedHosts.addAll(List.of(hosts));
      return this;
    }

    /** Whether the {@code /mesh/*} endpoints are served (default false). */
    public AdminBuilder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** Adds CIDRs allowed to reach them (default loopback only). */
    public AdminBuilder allowFrom(String... cidrs) {
      if (allowFrom == null) allowFrom = new ArrayList<>();
      for (String c : cidrs) allowFrom.add(cidr("allow_from", c));
      return this;
    }
  }
}
