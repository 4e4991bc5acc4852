package io.mesh4j.config;

import io.mesh4j.config.ActionConfig.Forward;
import io.mesh4j.config.ActionConfig.Pass;
import io.mesh4j.config.ActionConfig.Redirect;
import io.mesh4j.config.ActionConfig.Respond;
import io.mesh4j.config.ActionConfig.Split;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import io.mesh4j.extension.Extensions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The semantic rules of the config format: ranges, syntax, uniqueness and cross-references.
 *
 * <p>{@link ConfigLoader} and {@link MeshConfigBuilder#build()} both run it, so a config from a
 * file and one built in code obey the same rules and report the same errors, with paths in the
 * config file's own terms ({@code clusters[1].endpoints[0].weight}) and list indices. It is also
 * usable on a {@link MeshConfig} assembled directly from its records. Every problem is reported,
 * not only the first.
 *
 * <p>Stateless and thread-safe. Never throws for a non-null config, whatever its records hold.
 */
public final class ConfigValidator {
  private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

  private ConfigValidator() {}

  /**
   * Returns every problem in {@code config}, in config order; empty when it is valid.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static List<ConfigError> validate(MeshConfig config) {
    return validate(config, Extensions.discovered());
  }

  /**
   * Returns every problem in {@code config}, checking the extensions it names (custom matchers,
   * custom {@code lb}, health probes, policies) against {@code extensions}: an unknown name is an
   * error at its path, and each known one checks its own arguments in the same pass. {@link
   * #validate(MeshConfig)} uses the extensions {@link java.util.ServiceLoader} finds; a mesh uses
   * its own (those plus the ones registered on its builder).
   *
   * @throws NullPointerException if an argument is null
   */
  public static List<ConfigError> validate(MeshConfig config, ExtensionCatalog extensions) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(extensions, "extensions");
    Walk walk = new Walk(config);
    walk.catalog = extensions;
    for (String problem : extensions.problems()) walk.extensionError("", problem);
    walk.mesh();
    return List.copyOf(walk.errors);
  }

  /**
   * Returns only the problems of the extension references in {@code config} (unknown names, bad
   * arguments, custom matchers in authz rules) against {@code extensions}: what a mesh re-checks
   * for a config that was validated against other extensions.
   *
   * @throws NullPointerException if an argument is null
   */
  public static List<ConfigError> validateExtensions(MeshConfig config, ExtensionCatalog extensions) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(extensions, "extensions");
    Walk walk = new Walk(config);
    walk.catalog = extensions;
    for (String problem : extensions.problems()) walk.extensionError("", problem);
    walk.mesh();
    return List.copyOf(walk.extensionErrors);
  }

  /**
   * Returns {@code config} if it is valid.
   *
   * @throws ConfigException listing every problem otherwise
   * @throws NullPointerException if {@code config} is null
   */
  public static MeshConfig requireValid(MeshConfig config) {
    List<ConfigError> errors = validate(config);
    if (!errors.isEmpty()) throw new ConfigException(errors);
    return config;
  }

  /**
   * Returns the settings in {@code config} that are valid but have no effect, e.g. a
   * {@code hash_on} on a cluster whose {@code lb} is not {@code ring_hash}; empty when there are
   * none. {@link ConfigLoader} logs these at WARN.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static List<ConfigError> warnings(MeshConfig config) {
    Objects.requireNonNull(config, "config");
    Walk walk = new Walk(config); // without a catalog: extensions are checked by validate
    walk.mesh();
    return List.copyOf(walk.warnings);
  }

  /** Which side a virtual host list belongs to. */
  private enum Direction {
    OUTBOUND("outbound", "to, split, redirect, respond"),
    INBOUND("inbound", "to, split, redirect, respond, pass");

    final String key;
    final String actions;

    Direction(String key, String actions) {
      this.key = key;
      this.actions = actions;
    }
  }

  /** One validation run. */
  private static final class Walk {
    final MeshConfig config;
    final List<ConfigError> errors = new ArrayList<>();
    final List<ConfigError> warnings = new ArrayList<>();
    final Set<String> clusterNames = new LinkedHashSet<>();
    /** The extensions names are checked against; {@code null} skips those checks. */
    ExtensionCatalog catalog;
    /** The subset of {@link #errors} about extension references. */
    final List<ConfigError> extensionErrors = new ArrayList<>();

    Walk(MeshConfig config) {
      this.config = config;
      for (ClusterConfig c : config.clusters()) {
        if (c.name() != null) clusterNames.add(c.name());
      }
    }

    void error(String path, String message) {
      errors.add(new ConfigError(path, message));
    }

    void extensionError(String path, String message) {
      ConfigError e = new ConfigError(path, message);
      errors.add(e);
      extensionErrors.add(e);
    }

    /** Records {@code message} at {@code path} when it is non-null. */
    void check(String path, String message) {
      if (message != null) error(path, message);
    }

    boolean present(String path, Object value, String expected) {
      if (value != null) return true;
      error(path, "missing (expected: " + expected + ")");
      return false;
    }

    void positive(String path, Duration d) {
      if (present(path, d, "a duration > 0")) check(path, Checks.positive(d));
    }

    void mesh() {
      if (config.version() != MeshConfig.CURRENT_VERSION) {
        error("version", config.version() + " (expected: " + MeshConfig.CURRENT_VERSION + ")");
      }
      if (present("service", config.service(), "this service's name: " + Checks.NAME_CHARS)) {
        check("service", Checks.name(config.service()));
      }
      if (config.locality() != null) locality("locality", config.locality());
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < config.clusters().size(); i++) {
        ClusterConfig c = config.clusters().get(i);
        String p = "clusters[" + i + "]";
        cluster(p, c);
        if (c.name() != null) {
          Integer first = seen.putIfAbsent(c.name(), i);
          if (first != null) {
            error(p + ".name",
                Checks.quote(c.name()) + " (expected: a unique cluster name; clusters[" + first
                    + "] has it already)");
          }
        }
      }
      identitySources();
      virtualHosts(Direction.OUTBOUND, config.outbound().virtualHosts());
      inbound(config.inbound());
      policies("policies", config.policies());
      if (!config.pathNormalization().normalizePath()) {
        warnings.add(new ConfigError("path_normalization.normalize_path",
            "false: paths with dot segments or escaped unreserved characters are refused (400)"
                + " instead of normalized; mesh4j never passes them unresolved"));
      }
      if (!config.pathNormalization().mergeSlashes()) {
        warnings.add(new ConfigError("path_normalization.merge_slashes",
            "false: //admin is not under /admin for path conditions; an upstream (gateway,"
                + " client) that merges slashes would serve a path the rules did not decide on"));
      }
      List<String> propagate = config.propagate().headers();
      Set<String> seenHeaders = new HashSet<>();
      for (int i = 0; i < propagate.size(); i++) {
        String p = "propagate.headers[" + i + "]";
        String h = propagate.get(i);
        check(p, Checks.headerName(h));
        if (!seenHeaders.add(h.toLowerCase(Locale.ROOT))) {
          error(p, Checks.quote(h) + " (expected: each header once)");
        }
      }
      List<String> deadlineHeaders = config.propagate().deadlineHeaders();
      Set<String> seenDeadline = new HashSet<>();
      for (int i = 0; i < deadlineHeaders.size(); i++) {
        String p = "propagate.deadline_headers[" + i + "]";
        String h = deadlineHeaders.get(i);
        String bad = Checks.headerName(h);
        check(p, bad);
        if (bad != null) continue;
        String lower = h.toLowerCase(Locale.ROOT);
        if (!seenDeadline.add(lower)) {
          error(p, Checks.quote(h) + " (expected: each header once)");
        } else if (seenHeaders.contains(lower)) {
          error(p, Checks.quote(h) + " is also in propagate.headers (expected: one or the other; a"
              + " deadline header is sent on with the time left, not copied)");
        }
      }
    }

    // ------------------------------------------------------------------ clusters

    void cluster(String p, ClusterConfig c) {
      if (present(p + ".name", c.name(), Checks.NAME_CHARS)) check(p + ".name", Checks.name(c.name()));
      endpoints(p, c.endpoints());
      if (c.healthCheck() != null) healthCheck(p + ".health_check", c.healthCheck());
      if (c.outlierDetection() != null) outlier(p + ".outlier_detection", c.outlierDetection());
      if (c.circuitBreaker() != null) circuitBreaker(p + ".circuit_breaker", c.circuitBreaker());
      retry(p + ".retry", c.retry());
      ConfigSchema.CLUSTER_RECORD.check(c, p, this::error);
      localityLb(p, c);
      if (c.hashOn() != null) hashOn(p + ".hash_on", c.hashOn(), c.lb());
      if (c.peakEwma() != null) peakEwma(p + ".peak_ewma", c);
      if (c.lbCustom() != null) extension(p + ".lb", "custom", ExtensionKind.PICKER, c.lbCustom());
      tls(p + ".tls", c.tls());
    }

    void tls(String p, TlsConfig t) {
      TlsConfig.Verify v = t.verify();
      if (!t.enabled()) {
        if (!v.equals(TlsConfig.Verify.ANY)) {
          error(p + ".verify", "set with mode disabled (expected: mode mutual or simple, or no"
              + " verify)");
        }
        if (t.sni() != null) error(p + ".sni", "set with mode disabled (expected: mode mutual"
            + " or simple, or no sni)");
        if (t.source() != null) identitySourceRef(p + ".source", t.source());
        return;
      }
      if (present(p + ".source", t.source(), "an identity_sources name")) {
        identitySourceRef(p + ".source", t.source());
      }
      verifyLists(p + ".verify", v);
      if (t.sni() != null && (t.sni().isEmpty() || !Checks.isEndpointHost(t.sni())
          || Checks.isIpv6(t.sni()) || t.sni().indexOf(':') >= 0)) {
        error(p + ".sni", Checks.quote(t.sni()) + " (expected: a DNS host name)");
      }
    }

    /** The lists of a {@code verify} map at {@code p} (a cluster's {@code tls} or a route's). */
    void verifyLists(String p, TlsConfig.Verify v) {
      if (!v.spiffeIds().isEmpty() && !v.subjectAltNames().isEmpty()) {
        error(p, "both spiffe_ids and subject_alt_names (expected: one of them)");
      }
      for (int i = 0; i < v.spiffeIds().size(); i++) {
        String id = v.spiffeIds().get(i);
        String rest = id.regionMatches(true, 0, "spiffe://", 0, 9) ? id.substring(9) : null;
        if (rest == null || rest.isEmpty() || rest.startsWith("/") || rest.indexOf('*') >= 0
            && rest.indexOf('*') != rest.length() - 1 || Checks.headerValue(id) != null
            || id.indexOf(' ') >= 0) {
          error(p + ".spiffe_ids[" + i + "]", Checks.quote(id) + " (expected:"
              + " spiffe://trust-domain/path, or a prefix of one ending with *)");
        }
      }
      for (int i = 0; i < v.subjectAltNames().size(); i++) {
        String san = v.subjectAltNames().get(i);
        if (san.isEmpty() || san.indexOf(' ') >= 0 || Checks.headerValue(san) != null) {
          error(p + ".subject_alt_names[" + i + "]", Checks.quote(san)
              + " (expected: a DNS name, URI or IP address without spaces)");
        }
      }
    }

    /**
     * A route's {@code verify}: outbound forwarding routes only, every cluster it sends to (its
     * mirror included) speaking TLS, and exactly one non-empty list.
     */
    void routeVerify(String p, RouteConfig r, Direction dir, String notForwarding) {
      if (dir == Direction.INBOUND) {
        error(p, "not allowed on inbound routes (expected: only on outbound routes; a client's"
            + " identity is checked with match.principals and authz rules)");
        return;
      }
      if (notForwarding != null) {
        error(p, notForwarding);
        return;
      }
      TlsConfig.Verify v = r.verify();
      if (v.spiffeIds().isEmpty() && v.subjectAltNames().isEmpty()) {
        error(p, "no spiffe_ids and no subject_alt_names (expected: one of them, non-empty)");
      }
      verifyLists(p, v);
      List<String> targets = new ArrayList<>();
      if (r.action() instanceof Forward f && f.cluster() != null) targets.add(f.cluster());
      if (r.action() instanceof Split sp) {
        for (WeightedCluster w : sp.clusters()) {
          if (w.cluster() != null && !w.local()) targets.add(w.cluster());
        }
      }
      if (r.mirror() != null && r.mirror().cluster() != null) targets.add(r.mirror().cluster());
      for (String name : new LinkedHashSet<>(targets)) {
        for (int i = 0; i < config.clusters().size(); i++) {
          ClusterConfig c = config.clusters().get(i);
          if (name.equals(c.name()) && (c.tls() == null || !c.tls().enabled())) {
            error(p, "cluster " + Checks.quote(name) + " (clusters[" + i + "]) speaks plaintext"
                + " (expected: every cluster the route sends to, its mirror included, with tls"
                + " mode mutual or simple; a server identity is only known over TLS)");
          }
        }
      }
    }

    void identitySourceRef(String p, String name) {
      if (config.identitySource(name) == null) {
        Set<String> names = new LinkedHashSet<>();
        for (IdentitySourceConfig s : config.identitySources()) {
          // Only valid names: an invalid one has its own error, and may hold a line break.
          if (s.name() != null && Checks.name(s.name()) == null) names.add(s.name());
        }
        error(p, Checks.quote(name) + (names.isEmpty()
            ? " (expected: the name of an identity_sources entry; there is none)"
            : " (expected one of the identity_sources: " + String.join(", ", names) + ")"));
      }
    }

    void identitySources() {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < config.identitySources().size(); i++) {
        IdentitySourceConfig s = config.identitySources().get(i);
        String p = "identity_sources[" + i + "]";
        if (present(p + ".name", s.name(), Checks.NAME_CHARS)) {
          check(p + ".name", Checks.name(s.name()));
          Integer first = seen.putIfAbsent(s.name(), i);
          if (first != null) {
            error(p + ".name", Checks.quote(s.name()) + " (expected: a unique name;"
                + " identity_sources[" + first + "] has it already)");
          }
        }
        IdentitySourceConfig.Pem pem = s.pem();
        if (pem != null) {
          present(p + ".pem.cert_chain", pem.certChain(), "a file path");
          present(p + ".pem.private_key", pem.privateKey(), "a file path");
          present(p + ".pem.trust_bundle", pem.trustBundle(), "a file path");
          for (String[] f : new String[][] {{"cert_chain", pem.certChain()},
              {"private_key", pem.privateKey()}, {"trust_bundle", pem.trustBundle()}}) {
            if (f[1] != null && (f[1].isEmpty() || f[1].indexOf('\0') >= 0)) {
              error(p + ".pem." + f[0], Checks.quote(f[1]) + " (expected: a file path)");
            }
          }
          positive(p + ".pem.refresh", pem.refresh());
        }
        IdentitySourceConfig.WorkloadApi api = s.workloadApi();
        if (api != null) {
          if (pem != null) {
            error(p + ".workload_api", "set with pem (expected: one of pem, workload_api)");
          }
          if (api.socket() != null) check(p + ".workload_api.socket", Checks.unixSocket(api.socket()));
          if (api.spiffeId() != null) {
            check(p + ".workload_api.spiffe_id", Checks.spiffeId(api.spiffeId()));
          }
          positive(p + ".workload_api.initial_timeout", api.initialTimeout());
        }
      }
    }

    void endpoints(String p, List<EndpointConfig> endpoints) {
      Map<String, Integer> seen = new HashMap<>();
      for (int j = 0; j < endpoints.size(); j++) {
        EndpointConfig e = endpoints.get(j);
        String ep = p + ".endpoints[" + j + "]";
        if (present(ep + ".address", e.host(), "host:port")) {
          boolean ok = true;
          if (!Checks.isEndpointHost(e.host())) {
            error(ep + ".address",
                Checks.quote(e.address()) + " (expected: host:port with an IPv4, [IPv6] or DNS host)");
            ok = false;
          } else if (Checks.port(e.port()) != null) {
            error(ep + ".address", Checks.quote(e.address()) + " (expected: port 1-65535)");
            ok = false;
          }
          if (ok) {
            Integer first = seen.putIfAbsent(endpointKey(e), j);
            if (first != null) {
              error(ep + ".address",
                  Checks.quote(e.address()) + " (expected: each endpoint once; endpoints["
                      + first + "] has it already)");
            }
          }
        }
        ConfigSchema.ENDPOINT_RECORD.check(e, ep, this::error);
        locality(e.locality().region() == null && e.locality().subZone() == null
            ? ep : ep + ".locality", e.locality());
      }
    }

    /** Each part of a locality: non-empty, no spaces, control characters or {@code /}. */
    void locality(String p, Locality l) {
      String[][] parts = {{"region", l.region()}, {"zone", l.zone()}, {"sub_zone", l.subZone()}};
      for (String[] part : parts) {
        String v = part[1];
        if (v == null) continue;
        boolean ok = !v.isEmpty();
        for (int i = 0; ok && i < v.length(); i++) {
          char c = v.charAt(i);
          if (c <= ' ' || c == 0x7f || c == '/') ok = false;
        }
        if (!ok) {
          error(p + "." + part[0], Checks.quote(v)
              + " (expected: a non-empty name without spaces, control characters or '/')");
        }
      }
    }

    /** {@code locality_lb} and what it needs of the endpoints. */
    void localityLb(String p, ClusterConfig c) {
      LocalityLbConfig l = c.localityLb();
      if (l == null) {
        for (int j = 0; j < c.endpoints().size(); j++) {
          EndpointConfig e = c.endpoints().get(j);
          if (e.priority() != 0) {
            error(p + ".endpoints[" + j + "].priority", e.priority()
                + " (expected: 0 unless the cluster has locality_lb; priorities need it)");
          }
        }
        return;
      }
      ConfigSchema.LOCALITY_LB_RECORD.check(l, p + ".locality_lb", this::error);
      double f = l.overprovisioningFactor();
      if (!(f >= 1 && f <= 100)) {
        error(p + ".locality_lb.overprovisioning_factor", f + " (expected: a number 1..100)");
      }
      Map<String, Integer> weights = new HashMap<>();
      Map<String, Integer> firstIndex = new HashMap<>();
      for (int j = 0; j < c.endpoints().size(); j++) {
        EndpointConfig e = c.endpoints().get(j);
        String key = e.priority() + " " + e.locality();
        Integer w = weights.putIfAbsent(key, e.localityWeight());
        if (w != null && w != e.localityWeight()) {
          error(p + ".endpoints[" + j + "].locality_weight", e.localityWeight()
              + " (expected: " + w + ", as endpoints[" + firstIndex.get(key)
              + "] of the same locality and priority)");
        }
        firstIndex.putIfAbsent(key, j);
      }
    }

    static String endpointKey(EndpointConfig e) {
      if (Checks.isIpv6(e.host())) {
        return Arrays.toString(Cidr.parseAddress(e.host())) + ":" + e.port();
      }
      return e.host().toLowerCase(Locale.ROOT) + ":" + e.port();
    }

    void healthCheck(String p, HealthCheckConfig h) {
      Set<String> probes = new java.util.TreeSet<>(Set.of("http", "tcp"));
      if (catalog != null) probes.addAll(catalog.names(ExtensionKind.HEALTH_PROBE));
      if (!probes.contains(h.probe())) {
        extensionError(p + ".probe", Checks.quote(h.probe()) + (probes.size() == 2
            ? " (expected: http or tcp)"
            : " (expected one of the registered health probes: " + String.join(", ", probes) + ")"));
      }
      check(p + ".path", Checks.path(h.path()));
      ConfigSchema.HEALTH_CHECK_RECORD.check(h, p, this::error);
      if (Checks.positive(h.interval()) == null && Checks.positive(h.timeout()) == null
          && h.timeout().compareTo(h.interval()) > 0) {
        error(p + ".timeout",
            DurationParser.format(h.timeout()) + " (expected: at most interval, "
                + DurationParser.format(h.interval()) + ")");
      }
      for (int i = 0; i < h.expectedStatuses().size(); i++) {
        StatusRange r = h.expectedStatuses().get(i);
        String sp = p + ".expected_statuses[" + i + "]";
        if (r.from() < 100 || r.from() > 599 || r.to() < 100 || r.to() > 599) {
          error(sp, r + " (expected: statuses 100-599)");
        } else if (r.from() > r.to()) {
          error(sp, r + " (expected: a range from low to high, e.g. 200-299)");
        }
      }
    }

    void outlier(String p, OutlierDetectionConfig o) {
      ConfigSchema.OUTLIER_RECORD.check(o, p, this::error);
      if (o.baseEjectionTime() != null && o.maxEjectionTime() != null
          && Checks.positive(o.maxEjectionTime()) == null
          && o.maxEjectionTime().compareTo(o.baseEjectionTime()) < 0) {
        error(p + ".max_ejection_time",
            DurationParser.format(o.maxEjectionTime()) + " (expected: at least base_ejection_time, "
                + DurationParser.format(o.baseEjectionTime()) + ")");
      }
    }

    void circuitBreaker(String p, CircuitBreakerConfig c) {
      check(p + ".failure_rate_threshold", ConfigSchema.CIRCUIT_BREAKER.field("failure_rate_threshold").check(c.failureRateThreshold()));
      positive(p + ".slow_call_duration", c.slowCallDuration());
      check(p + ".slow_call_rate_threshold", ConfigSchema.CIRCUIT_BREAKER.field("slow_call_rate_threshold").check(c.slowCallRateThreshold()));
      String window = ConfigSchema.CIRCUIT_BREAKER.field("sliding_window").check(c.slidingWindow());
      check(p + ".sliding_window", window);
      if (window == null && (c.minimumCalls() < 1 || c.minimumCalls() > c.slidingWindow())) {
        error(p + ".minimum_calls",
            c.minimumCalls() + " (expected: 1-" + c.slidingWindow() + ", at most sliding_window)");
      } else if (window != null) {
        check(p + ".minimum_calls", Checks.atLeast(c.minimumCalls(), 1));
      }
      positive(p + ".wait_in_open", c.waitInOpen());
      if (!c.adaptiveConcurrency()) {
        check(p + ".max_concurrent_requests", ConfigSchema.CIRCUIT_BREAKER.field("max_concurrent_requests").check(c.maxConcurrentRequests()));
      }
    }

    void retry(String p, RetryConfig r) {
      check(p + ".attempts", ConfigSchema.RETRY.field("attempts").check(r.attempts()));
      statusCodes(p, r.retriableStatusCodes());
      boolean listed = r.retryOn().contains(RetryOn.RETRIABLE_STATUS_CODES);
      if (listed && r.retriableStatusCodes().isEmpty()) {
        error(p + ".retriable_status_codes",
            "[] (expected: at least one status, as retry_on has retriable-status-codes)");
      } else if (!listed && !r.retriableStatusCodes().isEmpty()) {
        error(p + ".retry_on",
            "lacks retriable-status-codes (expected: it, as retriable_status_codes is set)");
      }
      if (r.perTryTimeout() != null) positive(p + ".per_try_timeout", r.perTryTimeout());
      backoff(p + ".backoff", r.backoff());
      if (r.budget() != null) budget(p + ".budget", r.budget());
    }

    void retryOverride(String p, RetryOverride r) {
      if (r.attempts() != null) {
        check(p + ".attempts", ConfigSchema.RETRY.field("attempts").check(r.attempts()));
      }
      if (r.retriableStatusCodes() != null) statusCodes(p, r.retriableStatusCodes());
      if (r.perTryTimeout() != null) positive(p + ".per_try_timeout", r.perTryTimeout());
      if (r.backoff() != null) backoff(p + ".backoff", r.backoff());
      if (r.budget() != null) budget(p + ".budget", r.budget());
    }

    void statusCodes(String p, List<Integer> codes) {
      for (int i = 0; i < codes.size(); i++) {
        check(p + ".retriable_status_codes[" + i + "]", ConfigSchema.RETRY.field("retriable_status_codes").type().item.check(codes.get(i)));
      }
    }

    void backoff(String p, RetryConfig.Backoff b) {
      positive(p + ".base", b.base());
      positive(p + ".max", b.max());
      if (b.base() != null && b.max() != null && Checks.positive(b.max()) == null
          && b.max().compareTo(b.base()) < 0) {
        error(p + ".max",
            DurationParser.format(b.max()) + " (expected: at least base, "
                + DurationParser.format(b.base()) + ")");
      }
    }

    void budget(String p, RetryConfig.Budget b) {
      check(p + ".percent", ConfigSchema.BUDGET.field("percent").type().check(b.percent()));
      check(p + ".min_per_second", ConfigSchema.BUDGET.field("min_per_second").check(b.minPerSecond()));
    }

    void peakEwma(String p, ClusterConfig c) {
      if (c.lbCustom() != null || c.lb() != LbPolicy.PEAK_EWMA) {
        error(p, "set, but lb is " + (c.lbCustom() != null ? "custom " + c.lbCustom().name()
            : c.lb().configName()) + " (expected: only with lb: peak_ewma)");
      }
      positive(p + ".decay_time", c.peakEwma().decayTime());
    }

    void hashOn(String p, HashOnConfig h, LbPolicy lb) {
      if (lb != LbPolicy.RING_HASH) {
        warnings.add(new ConfigError(p, "ignored: lb is " + lb.configName()
            + " (hash_on applies only with lb: ring_hash)"));
      }
      if (!present(p, h.kind(), "exactly one of header, cookie, source_ip")) return;
      switch (h.kind()) {
        case HEADER -> {
          if (present(p + ".header", h.name(), "a header name")) {
            check(p + ".header", Checks.headerName(h.name()));
          }
        }
        case COOKIE -> {
          if (present(p + ".cookie", h.name(), "a cookie name")) {
            if (!Checks.isToken(h.name())) {
              error(p + ".cookie", Checks.quote(h.name()) + " (expected: a cookie name: "
                  + Checks.TOKEN_CHARS + ")");
            }
          }
        }
        case SOURCE_IP -> {
          if (h.name() != null) {
            error(p + ".source_ip", Checks.quote(h.name()) + " (expected: no name for source_ip)");
          }
        }
      }
    }

    // ------------------------------------------------------------------ virtual hosts

    void inbound(InboundConfig in) {
      virtualHosts(Direction.INBOUND, in.virtualHosts());
      if (in.tls() != null) {
        if (present("inbound.tls.source", in.tls().source(), "an identity_sources name")) {
          identitySourceRef("inbound.tls.source", in.tls().source());
        }
      }
      check("inbound.health_path", Checks.path(in.healthPath()));
      if (in.concurrencyLimit() != null) {
        concurrencyLimit("inbound.concurrency_limit", in.concurrencyLimit());
      }
      AuthzConfig authz = in.authz();
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < authz.rules().size(); i++) {
        AuthzConfig.Rule rule = authz.rules().get(i);
        String p = "inbound.authz.rules[" + i + "]";
        if (present(p + ".name", rule.name(), "a rule name")) {
          if (rule.name().isEmpty() || Checks.headerValue(rule.name()) != null) {
            error(p + ".name", Checks.quote(rule.name())
                + " (expected: a non-empty name without CR, LF or NUL)");
          } else {
            Integer first = seen.putIfAbsent(rule.name(), i);
            if (first != null) {
              error(p + ".name", Checks.quote(rule.name())
                  + " (expected: a unique rule name; rules[" + first + "] has it already)");
            }
          }
        }
        present(p + ".action", rule.action(), "allow or deny");
        if (present(p + ".match", rule.match(), "the requests this rule applies to")) {
          match(p + ".match", rule.match(), Direction.INBOUND);
          if (rule.match().custom() != null) {
            extensionError(p + ".match.custom", "not allowed in authz rules (expected: custom"
                + " matchers only in route matches; they route, they never authorize)");
          }
        }
      }
    }

    void virtualHosts(Direction dir, List<VirtualHostConfig> hosts) {
      Map<String, Integer> names = new HashMap<>();
      Map<String, String> domains = new HashMap<>();
      for (int i = 0; i < hosts.size(); i++) {
        VirtualHostConfig vh = hosts.get(i);
        String p = dir.key + ".virtual_hosts[" + i + "]";
        if (present(p + ".name", vh.name(), Checks.NAME_CHARS)) {
          check(p + ".name", Checks.name(vh.name()));
          Integer first = names.putIfAbsent(vh.name(), i);
          if (first != null) {
            error(p + ".name", Checks.quote(vh.name()) + " (expected: a unique virtual host name; "
                + "virtual_hosts[" + first + "] has it already)");
          }
        }
        if (vh.domains().isEmpty()) error(p + ".domains", "[] (expected: at least one domain)");
        for (int j = 0; j < vh.domains().size(); j++) {
          String d = vh.domains().get(j);
          String dp = p + ".domains[" + j + "]";
          String bad = Checks.domain(d);
          check(dp, bad);
          if (bad != null) continue;
          String other = domains.putIfAbsent(d.toLowerCase(Locale.ROOT), dp);
          if (other != null) {
            error(dp, Checks.quote(d) + " (expected: a domain in only one virtual host; "
                + other.substring(dir.key.length() + 1) + " has it already)");
          }
        }
        catchAllHost = vh.domains().contains("*");
        Map<String, Integer> routeNames = new HashMap<>();
        for (int j = 0; j < vh.routes().size(); j++) {
          RouteConfig r = vh.routes().get(j);
          String rp = p + ".routes[" + j + "]";
          if (present(rp + ".name", r.name(), "a route name")) {
            if (r.name().isEmpty() || Checks.headerValue(r.name()) != null) {
              error(rp + ".name", Checks.quote(r.name()) + " (expected: a non-empty name without"
                  + " CR, LF or NUL)");
            } else {
              Integer first = routeNames.putIfAbsent(r.name(), j);
              if (first != null) {
                error(rp + ".name", Checks.quote(r.name()) + " (expected: a route name unique in "
                    + "the virtual host; routes[" + first + "] has it already)");
              }
            }
          }
          route(rp, r, dir);
        }
        policies(p + ".policies", vh.policies());
      }
    }

    // ------------------------------------------------------------------ routes

    /** Whether the virtual host being validated has the "*" domain (see {@link #redirect}). */
    private boolean catchAllHost;

    void route(String p, RouteConfig r, Direction dir) {
      match(p + ".match", r.match(), dir);
      ActionConfig a = r.action();
      if (a == null) {
        error(p, "no action (expected exactly one of: " + dir.actions + ")");
      } else {
        action(p, r, a, dir);
      }
      boolean forwards = a == null || a instanceof Forward || a instanceof Split;
      String notForwarding = forwards ? null
          : "not allowed with " + actionKeyOf(a) + " (expected: only on routes with to or split)";
      if (r.rewrite() != null) {
        if (notForwarding != null) error(p + ".rewrite", notForwarding);
        else rewrite(p + ".rewrite", r.rewrite(), r.match());
      }
      if (r.headers() != null) headers(p + ".headers", r.headers());
      if (r.timeout() != null) {
        // Inbound, a pass route's timeout is the request's deadline for the calls made serving it.
        boolean deadline = dir == Direction.INBOUND && a instanceof Pass;
        if (notForwarding != null && !deadline) {
          error(p + ".timeout", dir == Direction.INBOUND
              ? "not allowed with " + actionKeyOf(a) + " (expected: only on routes with pass, to or split)"
              : notForwarding);
        } else {
          positive(p + ".timeout", r.timeout());
        }
      }
      if (r.retry() != null) {
        if (notForwarding != null) error(p + ".retry", notForwarding);
        else retryOverride(p + ".retry", r.retry());
      }
      if (r.mirror() != null) {
        if (notForwarding != null) error(p + ".mirror", notForwarding);
        else mirror(p + ".mirror", r.mirror());
      }
      if (r.hedge() != null) {
        if (notForwarding != null) error(p + ".hedge", notForwarding);
        else hedge(p + ".hedge", r.hedge());
      }
      if (r.verify() != null) routeVerify(p + ".verify", r, dir, notForwarding);
      if (r.fault() != null) fault(p + ".fault", r.fault());
      if (r.rateLimit() != null) rateLimit(p + ".rate_limit", r.rateLimit());
      if (r.match().custom() != null) {
        extension(p + ".match.custom", "name", ExtensionKind.MATCHER, r.match().custom());
      }
      policies(p + ".policies", r.policies());
    }

    // ------------------------------------------------------------------ extensions

    void policies(String p, List<ExtensionRef> policies) {
      for (int i = 0; i < policies.size(); i++) {
        extension(p + "[" + i + "]", "name", ExtensionKind.POLICY, policies.get(i));
      }
    }

    /**
     * Checks one reference: {@code p} is the path of its map, {@code nameKey} the key holding the
     * name, its arguments are at {@code p.args}.
     */
    void extension(String p, String nameKey, ExtensionKind kind, ExtensionRef ref) {
      String np = p + "." + nameKey;
      if (!presentExtension(np, ref.name(), kind)) return;
      if (catalog == null) return;
      Set<String> names;
      try {
        names = new java.util.TreeSet<>(catalog.names(kind));
      } catch (RuntimeException e) {
        extensionError(np, "cannot list the registered " + kind.noun() + "s: " + e);
        return;
      }
      if (!names.contains(ref.name())) {
        extensionError(np, Checks.quote(ref.name()) + (names.isEmpty()
            ? " (expected: a registered " + kind.noun() + "; none is registered)"
            : " (expected one of the registered " + plural(kind) + ": "
                + String.join(", ", names) + ")"));
        return;
      }
      String ap = p + ".args";
      try {
        catalog.validate(kind, ref.name(), ref.args(), (key, message) -> extensionError(
            argPath(ap, key), Objects.requireNonNull(message, "message")));
      } catch (RuntimeException e) {
        extensionError(ap, kind.noun() + " " + Checks.quote(ref.name())
            + " failed checking its arguments: " + e);
      }
    }

    boolean presentExtension(String path, String name, ExtensionKind kind) {
      if (name != null) return true;
      extensionError(path, "missing (expected: the name of a registered " + kind.noun() + ")");
      return false;
    }

    static String plural(ExtensionKind kind) {
      return kind == ExtensionKind.POLICY ? "policies" : kind.noun() + "s";
    }

    static String argPath(String argsPath, String key) {
      if (key == null || key.isEmpty()) return argsPath;
      if (key.startsWith("[") || key.startsWith(".")) return argsPath + key;
      return argsPath + "." + key;
    }

    void action(String p, RouteConfig r, ActionConfig a, Direction dir) {
      String key = actionKeyOf(a);
      boolean allowed = dir == Direction.INBOUND || !(a instanceof Pass);
      if (!allowed) {
        error(p + "." + key, "not allowed " + dir.key + " (expected one of: " + dir.actions + ")");
        return;
      }
      if (a instanceof Forward f) {
        clusterRef(p + ".to", f.cluster());
      } else if (a instanceof Split s) {
        split(p + ".split", s, dir);
      } else if (a instanceof Redirect rd) {
        redirect(p + ".redirect", rd, r.match());
      } else if (a instanceof Respond rs) {
        respond(p + ".respond", rs);
      }
    }

    void clusterRef(String p, String name) {
      if (!present(p, name, "a cluster name")) return;
      if (!clusterNames.contains(name)) {
        List<String> valid = new ArrayList<>();
        for (String c : clusterNames) {
          if (Checks.name(c) == null) valid.add(c);
        }
        String listed = valid.size() <= 10
            ? String.join(", ", valid)
            : String.join(", ", valid.subList(0, 10)) + ", ...";
        error(p, Checks.quote(name) + " (expected: " + (valid.isEmpty()
            ? "a cluster defined under clusters; none is)"
            : "one of the clusters: " + listed + ")"));
      }
    }

    void split(String p, Split s, Direction dir) {
      if (s.clusters().isEmpty()) {
        error(p, "[] (expected: at least one { cluster, weight })");
        return;
      }
      long sum = 0;
      Set<String> seen = new HashSet<>();
      int firstLocal = -1;
      for (int i = 0; i < s.clusters().size(); i++) {
        WeightedCluster w = s.clusters().get(i);
        String wp = p + "[" + i + "]";
        if (w.local()) {
          if (dir == Direction.OUTBOUND) {
            error(wp + ".local", "not allowed outbound (expected: local only in inbound splits)");
          } else if (w.cluster() != null) {
            error(wp, "both local and cluster set (expected: one of them)");
          } else if (firstLocal >= 0) {
            error(wp + ".local", "a second local entry (expected: at most one; "
                + p.substring(p.lastIndexOf('.') + 1) + "[" + firstLocal + "] is local already)");
          } else {
            firstLocal = i;
          }
        } else {
          clusterRef(wp + ".cluster", w.cluster());
        }
        if (w.cluster() != null && !seen.add(w.cluster())) {
          error(wp + ".cluster", Checks.quote(w.cluster()) + " (expected: each cluster once)");
        }
        String bad = ConfigSchema.SPLIT.field("weight").check(w.weight());
        check(wp + ".weight", bad);
        if (bad == null) sum += w.weight();
      }
      if (sum == 0) error(p, "weights sum to 0 (expected: a positive sum)");
    }

    static boolean prefixMatch(MatchConfig m) {
      return m != null
          && (m.pathKind() == PathMatchKind.PREFIX
              || m.pathKind() == PathMatchKind.PATH
              || m.pathKind() == PathMatchKind.PATH_SEPARATED_PREFIX);
    }

    void redirect(String p, Redirect r, MatchConfig m) {
      if (!REDIRECT_CODES.contains(r.code())) {
        error(p + ".code", r.code() + " (expected: 301, 302, 303, 307 or 308)");
      }
      if (r.scheme() != null && !r.scheme().equals("http") && !r.scheme().equals("https")) {
        error(p + ".scheme", Checks.quote(r.scheme()) + " (expected: http or https)");
      }
      if (r.host() != null && !Checks.isUrlHost(r.host())) {
        error(p + ".host", Checks.quote(r.host())
            + " (expected: a host name, IPv4 or [IPv6] literal, without port)");
      }
      if (r.port() != null) check(p + ".port", ConfigSchema.REDIRECT.field("port").check(r.port()));
      if (r.host() == null && catchAllHost && (r.scheme() != null || r.port() != null)) {
        error(p + ".host", "missing (expected: a host when scheme or port is set in a virtual host"
            + " with domain \"*\"; a Location is never built from the request's Host header)");
      }
      if (r.path() != null) check(p + ".path", Checks.path(r.path()));
      if (r.prefixRewrite() != null) {
        check(p + ".prefix_rewrite", Checks.path(r.prefixRewrite()));
        if (!prefixMatch(m)) {
          error(p + ".prefix_rewrite", Checks.quote(r.prefixRewrite())
              + " (expected: only on a route matching prefix, path or path_separated_prefix)");
        }
      }
      if (r.path() != null && r.prefixRewrite() != null) {
        error(p, "both path and prefix_rewrite set (expected: at most one)");
      }
      if (r.scheme() == null && r.host() == null && r.port() == null && r.path() == null
          && r.prefixRewrite() == null && !r.stripQuery()) {
        error(p, "changes nothing (expected at least one of: scheme, host, port, path, "
            + "prefix_rewrite, strip_query)");
      }
    }

    void respond(String p, Respond r) {
      check(p + ".status", ConfigSchema.RESPOND.field("status").check(r.status()));
      headerMap(p + ".headers", r.headers());
    }

    void headerMap(String p, Map<String, String> map) {
      Set<String> seen = new HashSet<>();
      for (Map.Entry<String, String> e : map.entrySet()) {
        if (e.getKey() == null) {
          error(p, "a null header name (expected: a header name)");
          continue;
        }
        String hp = p + keySegment(e.getKey());
        check(hp, Checks.headerName(e.getKey()));
        if (!seen.add(e.getKey().toLowerCase(Locale.ROOT))) {
          error(hp, Checks.quote(e.getKey()) + " (expected: each header once, in any case)");
        }
        if (present(hp, e.getValue(), "a header value")) {
          check(hp, masked(e.getKey(), e.getValue(), Checks.headerValue(e.getValue())));
        }
      }
    }

    void headers(String p, HeadersConfig h) {
      headerMap(p + ".add", h.add());
      for (int i = 0; i < h.remove().size(); i++) {
        check(p + ".remove[" + i + "]", Checks.headerName(h.remove().get(i)));
      }
    }

    void rewrite(String p, RewriteConfig rw, MatchConfig m) {
      if (rw.prefix() == null && rw.regex() == null && rw.substitution() == null
          && rw.host() == null) {
        error(p, "changes nothing (expected at least one of: prefix, regex + substitution, host)");
      }
      if (rw.prefix() != null && (rw.regex() != null || rw.substitution() != null)) {
        error(p, "both prefix and regex set (expected: at most one)");
      }
      if (rw.prefix() != null) {
        check(p + ".prefix", Checks.path(rw.prefix()));
        if (!prefixMatch(m)) {
          error(p + ".prefix", Checks.quote(rw.prefix())
              + " (expected: only on a route matching prefix, path or path_separated_prefix)");
        }
      }
      if (rw.regex() != null || rw.substitution() != null) {
        if (present(p + ".regex", rw.regex(), "a regex, with substitution")) {
          String bad = Checks.regex(rw.regex());
          check(p + ".regex", bad);
          if (bad == null && rw.substitution() != null) {
            substitution(p + ".substitution", rw.substitution(), Checks.groupCount(rw.regex()));
          }
        }
        if (present(p + ".substitution", rw.substitution(), "the replacement, with regex")) {
          check(p + ".substitution", Checks.headerValue(rw.substitution()));
        }
      }
      if (rw.host() != null) check(p + ".host", Checks.authority(rw.host()));
    }

    /** Group references {@code \1}..{@code \9} must name groups the regex has. */
    void substitution(String p, String s, int groups) {
      for (int i = 0; i + 1 < s.length(); i++) {
        if (s.charAt(i) != '\\') continue;
        char c = s.charAt(i + 1);
        if (c >= '0' && c <= '9' && c - '0' > groups) {
          error(p, Checks.quote(s) + " (expected: group references up to \\" + groups
              + ", the regex's group count)");
          return;
        }
        i++;
      }
    }

    void mirror(String p, MirrorConfig m) {
      clusterRef(p + ".cluster", m.cluster());
      check(p + ".percent", Checks.percent(m.percent()));
    }

    void hedge(String p, HedgeConfig h) {
      if ((h.delay() == null) == (h.percentile() == null)) {
        error(p, (h.delay() == null ? "neither" : "both") + " of delay, percentile (expected exactly one)");
      }
      if (h.delay() != null) positive(p + ".delay", h.delay());
      if (h.percentile() != null && Double.isNaN(h.quantile())) {
        error(p + ".percentile", "'" + h.percentile() + "' (expected p followed by a number between 0"
            + " and 100 exclusive, such as p95 or p99.9)");
      }
      if (h.max() < 1 || h.max() > 3) error(p + ".max", h.max() + " (expected: 1..3)");
    }

    void fault(String p, FaultConfig f) {
      if (f.delay() == null && f.abort() == null) {
        error(p, "empty (expected at least one of: delay, abort)");
      }
      if (f.delay() != null) {
        positive(p + ".delay.fixed", f.delay().fixed());
        check(p + ".delay.percent", Checks.percent(f.delay().percent()));
      }
      if (f.abort() != null) {
        check(p + ".abort.status", ConfigSchema.ABORT.field("status").check(f.abort().status()));
        check(p + ".abort.percent", Checks.percent(f.abort().percent()));
      }
    }

    void rateLimit(String p, RateLimitConfig r) {
      check(p + ".requests_per_second",
          ConfigSchema.RATE_LIMIT.field("requests_per_second").type().check(r.requestsPerSecond()));
      check(p + ".burst", ConfigSchema.RATE_LIMIT.field("burst").check(r.burst()));
      check(p + ".max_keys", ConfigSchema.RATE_LIMIT.field("max_keys").check(r.maxKeys()));
      RateLimitConfig.Key key = r.key();
      if (key != null && key.kind() == RateLimitConfig.Key.Kind.HEADER) {
        check(p + ".key.header", Checks.headerName(key.header()));
      }
    }

    void concurrencyLimit(String p, ConcurrencyLimitConfig c) {
      String min = ConfigSchema.CONCURRENCY_LIMIT.field("min").check(c.min());
      check(p + ".min", min);
      String max = ConfigSchema.CONCURRENCY_LIMIT.field("max").check(c.max());
      check(p + ".max", max);
      if (min == null && max == null && c.max() < c.min()) {
        error(p + ".max", c.max() + " (expected: >= min, " + c.min() + ")");
      }
    }

    // ------------------------------------------------------------------ matches

    void match(String p, MatchConfig m, Direction dir) {
      if (m.pathKind() != null || m.pathValue() != null) {
        String key = m.pathKind() == null ? "path" : pathKeyOf(m.pathKind());
        if (m.pathKind() == null) {
          error(p, "path value without a kind (expected: prefix, path, path_separated_prefix or "
              + "regex)");
        } else if (present(p + "." + key, m.pathValue(), "a path")) {
          String v = m.pathValue();
          if (m.pathKind() == PathMatchKind.REGEX) {
            check(p + ".regex", Checks.regex(v));
          } else {
            String bad = Checks.path(v);
            check(p + "." + key, bad);
            if (bad == null && m.pathKind() == PathMatchKind.PATH_SEPARATED_PREFIX
                && v.length() > 1 && v.endsWith("/")) {
              error(p + "." + key, Checks.quote(v) + " (expected: no trailing /)");
            }
          }
        }
      }
      for (String method : m.methods()) check(p + ".methods", Checks.method(method));
      for (int i = 0; i < m.headers().size(); i++) {
        headerMatch(p + ".headers[" + i + "]", m.headers().get(i));
      }
      for (int i = 0; i < m.query().size(); i++) {
        queryMatch(p + ".query[" + i + "]", m.query().get(i));
      }
      if (dir == Direction.OUTBOUND && !m.principals().isEmpty()) {
        error(p + ".principals", "set on an outbound route (expected: only in inbound matches)");
      } else {
        for (int i = 0; i < m.principals().size(); i++) {
          check(p + ".principals[" + i + "]", Checks.principal(m.principals().get(i)));
        }
      }
    }

    void headerMatch(String p, HeaderMatchConfig h) {
      if (present(p + ".name", h.name(), "a header name")) {
        check(p + ".name", Checks.matchHeaderName(h.name()));
      }
      if (h.kind() == null) {
        error(p, "no condition (expected exactly one of: exact, prefix, suffix, contains, regex, "
            + "present)");
        return;
      }
      if (h.kind() == HeaderMatchConfig.Kind.PRESENT) return;
      String key = h.kind().name().toLowerCase(Locale.ROOT);
      if (!present(p + "." + key, h.value(), "a value")) return;
      String v = h.value();
      switch (h.kind()) {
        case REGEX -> check(p + ".regex", masked(h.name(), v, Checks.regex(v)));
        case PREFIX, SUFFIX, CONTAINS -> {
          if (v.isEmpty()) error(p + "." + key, "\"\" (expected: a non-empty value)");
        }
        default -> { }
      }
      check(p + "." + key, masked(h.name(), v, Checks.headerValue(v)));
    }

    void queryMatch(String p, QueryMatchConfig q) {
      if (present(p + ".name", q.name(), "a query parameter name") && q.name().isEmpty()) {
        error(p + ".name", "\"\" (expected: a non-empty name)");
      }
      if (q.kind() == null) {
        error(p, "no condition (expected exactly one of: exact, regex, present)");
        return;
      }
      if (q.kind() == QueryMatchConfig.Kind.EXACT) {
        present(p + ".exact", q.value(), "a value");
      } else if (q.kind() == QueryMatchConfig.Kind.REGEX) {
        if (present(p + ".regex", q.value(), "a regex")) {
          check(p + ".regex", masked(q.name(), q.value(), Checks.regex(q.value())));
        }
      }
    }
  }

  /**
   * {@code message} with the quoted {@code value} replaced by {@link Secrets#MASK} when {@code
   * name} is credential-like, so an error never prints a secret.
   */
  static String masked(String name, String value, String message) {
    if (message == null || value == null || !Secrets.isSecretHeader(name)) return message;
    return message.replace(Checks.quote(value), Checks.quote(Secrets.MASK));
  }

  /** The config key of an action: {@code to}, {@code split}, {@code redirect}, ... */
  static String actionKeyOf(ActionConfig a) {
    if (a instanceof Forward) return "to";
    if (a instanceof Split) return "split";
    if (a instanceof Redirect) return "redirect";
    if (a instanceof Respond) return "respond";
    return "pass";
  }

  /** The config key of a path condition kind. */
  static String pathKeyOf(PathMatchKind k) {
    return switch (k) {
      case PREFIX -> "prefix";
      case PATH -> "path";
      case PATH_SEPARATED_PREFIX -> "path_separated_prefix";
      case REGEX -> "regex";
    };
  }

  /** {@code .key} for a plain key, {@code ["key"]} for one with other characters. */
  static String keySegment(String key) {
    boolean plain = !key.isEmpty();
    for (int i = 0; i < key.length() && plain; i++) {
      char c = key.charAt(i);
      plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
    }
    return plain ? "." + key : "[" + Checks.quote(key) + "]";
  }
}
