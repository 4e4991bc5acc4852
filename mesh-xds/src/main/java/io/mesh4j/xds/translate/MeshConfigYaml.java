package io.mesh4j.xds.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.AdminConfig;
import io.mesh4j.config.AuthzConfig;
import io.mesh4j.config.Cidr;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.config.VirtualHostConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a {@link MeshConfig} as a mesh4j config file (format version 1, YAML), the inverse of
 * {@code ConfigLoader}: loading the text gives back an equal config. Settings equal to the config
 * format's defaults are left out, so the file shows what differs.
 *
 * <p>Stateless and thread-safe.
 */
public final class MeshConfigYaml {
  private static final YAMLMapper MAPPER = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .build());

  private MeshConfigYaml() {}

  /**
   * The config as YAML text.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static String write(MeshConfig config) {
    Objects.requireNonNull(config, "config");
    try {
      return MAPPER.writeValueAsString(tree(config));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML", e); // plain maps and lists only
    }
  }

  /**
   * The config as the tree of maps, lists, strings, numbers and booleans a config file holds (what
   * {@link #write} prints; serialised as JSON it is a JSON config file). The maps keep the config
   * file's key order; the tree is a fresh, mutable copy.
   *
   * @throws NullPointerException if {@code c} is null
   */
  public static Map<String, Object> tree(MeshConfig c) {
    Objects.requireNonNull(c, "config");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", c.version());
    m.put("service", c.service());
    if (!c.clusters().isEmpty()) {
      List<Object> clusters = new ArrayList<>();
      for (ClusterConfig cl : c.clusters()) clusters.add(cluster(cl));
      m.put("clusters", clusters);
    }
    if (!c.outbound().virtualHosts().isEmpty()) {
      m.put("outbound", Map.of("virtual_hosts", virtualHosts(c.outbound().virtualHosts())));
    }
    InboundConfig in = c.inbound();
    Map<String, Object> inbound = new LinkedHashMap<>();
    if (!in.virtualHosts().isEmpty()) inbound.put("virtual_hosts", virtualHosts(in.virtualHosts()));
    if (!in.authz().equals(AuthzConfig.ALLOW_ALL)) inbound.put("authz", authz(in.authz()));
    if (!in.trustedProxies().isEmpty()) inbound.put("trusted_proxies", cidrs(in.trustedProxies()));
    if (!in.healthPath().equals(InboundConfig.DEFAULT_HEALTH_PATH)) {
      inbound.put("health_path", in.healthPath());
    }
    if (!inbound.isEmpty()) m.put("inbound", inbound);
    if (!c.propagate().headers().isEmpty()) {
      m.put("propagate", Map.of("headers", c.propagate().headers()));
    }
    if (!c.admin().equals(AdminConfig.DISABLED)) {
      Map<String, Object> admin = new LinkedHashMap<>();
      admin.put("enabled", c.admin().enabled());
      admin.put("allow_from", cidrs(c.admin().allowFrom()));
      m.put("admin", admin);
    }
    return m;
  }

  private static Map<String, Object> cluster(ClusterConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", c.name());
    if (c.lb() != LbPolicy.WEIGHTED_ROUND_ROBIN) m.put("lb", c.lb().configName());
    List<Object> endpoints = new ArrayList<>();
    for (EndpointConfig e : c.endpoints()) {
      if (e.weight() == 1 && e.zone() == null) {
        endpoints.add(e.address());
      } else {
        Map<String, Object> em = new LinkedHashMap<>();
        em.put("address", e.address());
        if (e.weight() != 1) em.put("weight", e.weight());
        if (e.zone() != null) em.put("zone", e.zone());
        endpoints.add(em);
      }
    }
    m.put("endpoints", endpoints);
    if (c.healthCheck() != null) m.put("health_check", healthCheck(c.healthCheck()));
    if (c.outlierDetection() != null) m.put("outlier_detection", outlier(c.outlierDetection()));
    if (c.circuitBreaker() != null) m.put("circuit_breaker", circuitBreaker(c.circuitBreaker()));
    if (!c.retry().equals(RetryConfig.DEFAULT)) m.put("retry", retry(c.retry()));
    if (!c.timeout().equals(ClusterConfig.DEFAULT_TIMEOUT)) m.put("timeout", duration(c.timeout()));
    if (c.panicThreshold() != ClusterConfig.DEFAULT_PANIC_THRESHOLD) {
      m.put("panic_threshold", c.panicThreshold());
    }
    if (!c.slowStart().isZero()) m.put("slow_start", duration(c.slowStart()));
    if (c.hashOn() != null) m.put("hash_on", hashOn(c.hashOn()));
    return m;
  }

  private static Map<String, Object> healthCheck(HealthCheckConfig h) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (!h.probe().equals(HealthCheckConfig.DEFAULT_PROBE)) m.put("probe", h.probe());
    if (!h.path().equals(HealthCheckConfig.DEFAULT_PATH)) m.put("path", h.path());
    if (!h.interval().equals(HealthCheckConfig.DEFAULT_INTERVAL)) m.put("interval", duration(h.interval()));
    if (!h.timeout().equals(HealthCheckConfig.DEFAULT_TIMEOUT)) m.put("timeout", duration(h.timeout()));
    if (h.unhealthyThreshold() != HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD) {
      m.put("unhealthy_threshold", h.unhealthyThreshold());
    }
    if (h.healthyThreshold() != HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD) {
      m.put("healthy_threshold", h.healthyThreshold());
    }
    if (!h.expectedStatuses().equals(List.of(StatusRange.SUCCESS))) {
      List<Object> statuses = new ArrayList<>();
      for (StatusRange r : h.expectedStatuses()) {
        statuses.add(r.from() == r.to() ? (Object) r.from() : r.toString());
      }
      m.put("expected_statuses", statuses);
    }
    return m;
  }

  private static Map<String, Object> outlier(OutlierDetectionConfig o) {
    Map<String, Object> m = new LinkedHashMap<>();
    OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULT;
    if (o.consecutive5xx() != d.consecutive5xx()) m.put("consecutive_5xx", o.consecutive5xx());
    if (o.consecutiveGatewayFailure() != d.consecutiveGatewayFailure()) {
      m.put("consecutive_gateway_failure", o.consecutiveGatewayFailure());
    }
    if (!o.baseEjectionTime().equals(d.baseEjectionTime())) {
      m.put("base_ejection_time", duration(o.baseEjectionTime()));
    }
    if (o.maxEjectionPercent() != d.maxEjectionPercent()) {
      m.put("max_ejection_percent", o.maxEjectionPercent());
    }
    if (!o.maxEjectionTime().equals(d.maxEjectionTime())) {
      m.put("max_ejection_time", duration(o.maxEjectionTime()));
    }
    if (!o.enforcing()) m.put("enforcing", false);
    return m;
  }

  private static Map<String, Object> circuitBreaker(CircuitBreakerConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    CircuitBreakerConfig d = CircuitBreakerConfig.DEFAULT;
    if (c.failureRateThreshold() != d.failureRateThreshold()) {
      m.put("failure_rate_threshold", c.failureRateThreshold());
    }
    if (!c.slowCallDuration().equals(d.slowCallDuration())) {
      m.put("slow_call_duration", duration(c.slowCallDuration()));
    }
    if (c.slowCallRateThreshold() != d.slowCallRateThreshold()) {
      m.put("slow_call_rate_threshold", c.slowCallRateThreshold());
    }
    if (c.slidingWindow() != d.slidingWindow()) m.put("sliding_window", c.slidingWindow());
    if (c.minimumCalls() != d.minimumCalls()) m.put("minimum_calls", c.minimumCalls());
    if (!c.waitInOpen().equals(d.waitInOpen())) m.put("wait_in_open", duration(c.waitInOpen()));
    if (c.maxConcurrentRequests() != d.maxConcurrentRequests()) {
      m.put("max_concurrent_requests", c.maxConcurrentRequests());
    }
    return m;
  }

  private static Map<String, Object> retry(RetryConfig r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attempts", r.attempts());
    m.put("retry_on", retryOn(r.retryOn()));
    if (!r.retriableStatusCodes().isEmpty()) m.put("retriable_status_codes", r.retriableStatusCodes());
    if (r.perTryTimeout() != null) m.put("per_try_timeout", duration(r.perTryTimeout()));
    m.put("backoff", backoff(r.backoff()));
    m.put("budget", r.budget() == null ? "off" : budget(r.budget()));
    m.put("idempotent_only", r.idempotentOnly());
    return m;
  }

  private static Map<String, Object> retryOverride(RetryOverride r) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (r.attempts() != null) m.put("attempts", r.attempts());
    if (r.retryOn() != null) m.put("retry_on", retryOn(r.retryOn()));
    if (r.retriableStatusCodes() != null) m.put("retriable_status_codes", r.retriableStatusCodes());
    if (r.perTryTimeout() != null) m.put("per_try_timeout", duration(r.perTryTimeout()));
    if (r.backoff() != null) m.put("backoff", backoff(r.backoff()));
    if (r.budget() != null) m.put("budget", budget(r.budget()));
    if (r.idempotentOnly() != null) m.put("idempotent_only", r.idempotentOnly());
    return m;
  }

  private static List<String> retryOn(Set<RetryOn> on) {
    List<String> out = new ArrayList<>();
    for (RetryOn o : new TreeSet<>(on)) out.add(o.configName());
    return out;
  }

  private static Map<String, Object> backoff(RetryConfig.Backoff b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("base", duration(b.base()));
    m.put("max", duration(b.max()));
    return m;
  }

  private static Map<String, Object> budget(RetryConfig.Budget b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("percent", b.percent());
    m.put("min_per_second", b.minPerSecond());
    return m;
  }

  private static Map<String, Object> hashOn(HashOnConfig h) {
    return switch (h.kind()) {
      case HEADER -> Map.of("header", h.name());
      case COOKIE -> Map.of("cookie", h.name());
      case SOURCE_IP -> Map.of("source_ip", true);
    };
  }

  private static List<Object> virtualHosts(List<VirtualHostConfig> vhosts) {
    List<Object> out = new ArrayList<>();
    for (VirtualHostConfig v : vhosts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      m.put("domains", v.domains());
      List<Object> routes = new ArrayList<>();
      for (int i = 0; i < v.routes().size(); i++) routes.add(route(v.routes().get(i), i));
      m.put("routes", routes);
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> route(RouteConfig r, int index) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (r.name() != null && !r.name().equals("routes[" + index + "]")) m.put("name", r.name());
    if (!r.match().equals(MatchConfig.ANY)) m.put("match", match(r.match()));
    ActionConfig a = r.action();
    if (a instanceof ActionConfig.Forward f) {
      m.put("to", f.cluster());
    } else if (a instanceof ActionConfig.Split s) {
      List<Object> split = new ArrayList<>();
      for (ActionConfig.WeightedCluster w : s.clusters()) {
        Map<String, Object> wm = new LinkedHashMap<>();
        wm.put("cluster", w.cluster());
        wm.put("weight", w.weight());
        split.add(wm);
      }
      m.put("split", split);
    } else if (a instanceof ActionConfig.Redirect rd) {
      Map<String, Object> rm = new LinkedHashMap<>();
      if (rd.scheme() != null) rm.put("scheme", rd.scheme());
      if (rd.host() != null) rm.put("host", rd.host());
      if (rd.port() != null) rm.put("port", rd.port());
      if (rd.path() != null) rm.put("path", rd.path());
      if (rd.prefixRewrite() != null) rm.put("prefix_rewrite", rd.prefixRewrite());
      if (rd.stripQuery()) rm.put("strip_query", true);
      if (rd.code() != 301) rm.put("code", rd.code());
      m.put("redirect", rm);
    } else if (a instanceof ActionConfig.Respond rs) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("status", rs.status());
      if (!rs.body().isEmpty()) rm.put("body", rs.body());
      if (!rs.headers().isEmpty()) rm.put("headers", rs.headers());
      m.put("respond", rm);
    } else if (a instanceof ActionConfig.Pass) {
      m.put("pass", Map.of());
    }
    if (r.rewrite() != null) {
      Map<String, Object> rw = new LinkedHashMap<>();
      if (r.rewrite().prefix() != null) rw.put("prefix", r.rewrite().prefix());
      if (r.rewrite().regex() != null) rw.put("regex", r.rewrite().regex());
      if (r.rewrite().substitution() != null) rw.put("substitution", r.rewrite().substitution());
      if (r.rewrite().host() != null) rw.put("host", r.rewrite().host());
      m.put("rewrite", rw);
    }
    if (r.headers() != null) {
      Map<String, Object> h = new LinkedHashMap<>();
      if (!r.headers().add().isEmpty()) h.put("add", r.headers().add());
      if (!r.headers().remove().isEmpty()) h.put("remove", r.headers().remove());
      m.put("headers", h);
    }
    if (r.timeout() != null) m.put("timeout", duration(r.timeout()));
    if (r.retry() != null) m.put("retry", retryOverride(r.retry()));
    if (r.mirror() != null) {
      Map<String, Object> mm = new LinkedHashMap<>();
      mm.put("cluster", r.mirror().cluster());
      if (r.mirror().percent() != 100) mm.put("percent", r.mirror().percent());
      m.put("mirror", mm);
    }
    if (r.fault() != null) m.put("fault", fault(r.fault()));
    if (r.rateLimit() != null) {
      Map<String, Object> rl = new LinkedHashMap<>();
      rl.put("requests_per_second", r.rateLimit().requestsPerSecond());
      rl.put("burst", r.rateLimit().burst());
      m.put("rate_limit", rl);
    }
    return m;
  }

  private static Map<String, Object> fault(FaultConfig f) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (f.delay() != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("fixed", duration(f.delay().fixed()));
      d.put("percent", f.delay().percent());
      m.put("delay", d);
    }
    if (f.abort() != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("status", f.abort().status());
      a.put("percent", f.abort().percent());
      m.put("abort", a);
    }
    return m;
  }

  private static Map<String, Object> match(MatchConfig mc) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (mc.pathKind() != null) {
      String key = switch (mc.pathKind()) {
        case PREFIX -> "prefix";
        case PATH -> "path";
        case PATH_SEPARATED_PREFIX -> "path_separated_prefix";
        case REGEX -> "regex";
      };
      m.put(key, mc.pathValue());
    }
    if (!mc.caseSensitive()) m.put("case_sensitive", false);
    if (!mc.methods().isEmpty()) m.put("methods", new ArrayList<>(new TreeSet<>(mc.methods())));
    if (!mc.headers().isEmpty()) {
      List<Object> headers = new ArrayList<>();
      for (HeaderMatchConfig h : mc.headers()) {
        Map<String, Object> hm = new LinkedHashMap<>();
        hm.put("name", h.name());
        switch (h.kind()) {
          case EXACT -> hm.put("exact", h.value());
          case PREFIX -> hm.put("prefix", h.value());
          case SUFFIX -> hm.put("suffix", h.value());
          case CONTAINS -> hm.put("contains", h.value());
          case REGEX -> hm.put("regex", h.value());
          case PRESENT -> hm.put("present", h.present());
        }
        if (h.invert()) hm.put("invert", true);
        headers.add(hm);
      }
      m.put("headers", headers);
    }
    if (!mc.query().isEmpty()) {
      List<Object> query = new ArrayList<>();
      for (QueryMatchConfig q : mc.query()) {
        Map<String, Object> qm = new LinkedHashMap<>();
        qm.put("name", q.name());
        switch (q.kind()) {
          case EXACT -> qm.put("exact", q.value());
          case REGEX -> qm.put("regex", q.value());
          case PRESENT -> qm.put("present", q.present());
        }
        query.add(qm);
      }
      m.put("query", query);
    }
    if (!mc.source().isEmpty()) m.put("source", cidrs(mc.source()));
    if (!mc.principals().isEmpty()) m.put("principals", mc.principals());
    return m;
  }

  private static Map<String, Object> authz(AuthzConfig a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("default_action", a.defaultAction() == AuthzConfig.Action.ALLOW ? "allow" : "deny");
    List<Object> rules = new ArrayList<>();
    for (int i = 0; i < a.rules().size(); i++) {
      AuthzConfig.Rule r = a.rules().get(i);
      Map<String, Object> rm = new LinkedHashMap<>();
      if (r.name() != null && !r.name().equals("rules[" + i + "]")) rm.put("name", r.name());
      rm.put("action", r.action() == AuthzConfig.Action.ALLOW ? "allow" : "deny");
      rm.put("match", match(r.match()));
      rules.add(rm);
    }
    m.put("rules", rules);
    return m;
  }

  private static List<String> cidrs(Collection<Cidr> cidrs) {
    List<String> out = new ArrayList<>();
    for (Cidr c : cidrs) out.add(c.toString());
    return out;
  }

  /** A duration in the largest unit that holds it exactly: {@code 15s}, {@code 250ms}, {@code 2m}. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) return "0s";
    if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0) return ms / 60_000 + "m";
    if (ms % 1_000 == 0) return ms / 1_000 + "s";
    return ms + "ms";
  }
}
