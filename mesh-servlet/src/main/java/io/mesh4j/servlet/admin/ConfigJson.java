package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.config.VirtualHostConfig;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes a {@link MeshConfig} as the JSON tree of the config file format (the keys of
 * {@code CONFIG.md}, durations as {@code 250ms}), with every secret masked.
 *
 * <p>Without secrets the tree loads back ({@code ConfigLoader.load}) into an equal config, so what
 * the admin shows is exactly what is in force, defaults included. Masking, in two passes:
 *
 * <ol>
 *   <li>Values keyed by an HTTP header name ({@code headers.add}, {@code respond.headers}) and the
 *       values of header and query matchers are masked when the name looks like a credential
 *       ({@link Secrets#isSecretHeader}).
 *   <li>Then, anywhere in the tree, the value of a field whose own name looks like a secret
 *       ({@link Secrets#isSecretField}) is masked, so a field added to the format later is covered
 *       without touching this class.
 * </ol>
 *
 * <p>Stateless; allocates a new tree per call.
 */
final class ConfigJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ConfigJson() {}

  /** The whole config, masked. */
  static ObjectNode config(MeshConfig c) {
    ObjectNode o = F.objectNode();
    o.put("version", c.version());
    if (c.service() != null) o.put("service", c.service());
    ArrayNode clusters = o.putArray("clusters");
    for (ClusterConfig cc : c.clusters()) clusters.add(cluster(cc));
    o.putObject("outbound").set("virtual_hosts", virtualHosts(c.outbound().virtualHosts()));
    o.set("inbound", inbound(c.inbound()));
    strings(o.putObject("propagate").putArray("headers"), c.propagate().headers());
    o.set("admin", admin(c.admin()));
    return maskFields(o);
  }

  /** One route in the file format (name, match, action key, modifiers), masked. */
  static ObjectNode route(RouteConfig r) {
    return maskFields(routeNode(r));
  }

  /** A match block in the file format, masked. */
  static ObjectNode match(MatchConfig m) {
    return maskFields(matchNode(m));
  }

  // ------------------------------------------------------------------------------- clusters

  private static ObjectNode cluster(ClusterConfig c) {
    ObjectNode o = F.objectNode();
    o.put("name", c.name());
    o.put("lb", c.lb().configName());
    ArrayNode eps = o.putArray("endpoints");
    for (EndpointConfig e : c.endpoints()) {
      ObjectNode n = eps.addObject();
      n.put("address", e.address());
      n.put("weight", e.weight());
      if (e.zone() != null) n.put("zone", e.zone());
    }
    if (c.healthCheck() != null) o.set("health_check", healthCheck(c.healthCheck()));
    if (c.outlierDetection() != null) o.set("outlier_detection", outlier(c.outlierDetection()));
    if (c.circuitBreaker() != null) o.set("circuit_breaker", breaker(c.circuitBreaker()));
    o.set("retry", retry(c.retry()));
    o.put("timeout", duration(c.timeout()));
    o.put("panic_threshold", c.panicThreshold());
    o.put("slow_start", duration(c.slowStart()));
    if (c.hashOn() != null) o.set("hash_on", hashOn(c.hashOn()));
    return o;
  }

  private static ObjectNode healthCheck(HealthCheckConfig h) {
    ObjectNode o = F.objectNode();
    o.put("probe", h.probe());
    o.put("path", h.path());
    o.put("interval", duration(h.interval()));
    o.put("timeout", duration(h.timeout()));
    o.put("unhealthy_threshold", h.unhealthyThreshold());
    o.put("healthy_threshold", h.healthyThreshold());
    ArrayNode s = o.putArray("expected_statuses");
    for (StatusRange r : h.expectedStatuses()) s.add(r.toString());
    return o;
  }

  private static ObjectNode outlier(OutlierDetectionConfig d) {
    ObjectNode o = F.objectNode();
    o.put("consecutive_5xx", d.consecutive5xx());
    o.put("consecutive_gateway_failure", d.consecutiveGatewayFailure());
    o.put("base_ejection_time", duration(d.baseEjectionTime()));
    o.put("max_ejection_percent", d.maxEjectionPercent());
    o.put("max_ejection_time", duration(d.maxEjectionTime()));
    o.put("enforcing", d.enforcing());
    return o;
  }

  private static ObjectNode breaker(CircuitBreakerConfig b) {
    ObjectNode o = F.objectNode();
    o.put("failure_rate_threshold", b.failureRateThreshold());
    o.put("slow_call_duration", duration(b.slowCallDuration()));
    o.put("slow_call_rate_threshold", b.slowCallRateThreshold());
    o.put("sliding_window", b.slidingWindow());
    o.put("minimum_calls", b.minimumCalls());
    o.put("wait_in_open", duration(b.waitInOpen()));
    o.put("max_concurrent_requests", b.maxConcurrentRequests());
    return o;
  }

  private static ObjectNode retry(RetryConfig r) {
    ObjectNode o = F.objectNode();
    o.put("attempts", r.attempts());
    retryOn(o, r.retryOn());
    ints(o.putArray("retriable_status_codes"), r.retriableStatusCodes());
    if (r.perTryTimeout() != null) o.put("per_try_timeout", duration(r.perTryTimeout()));
    o.set("backoff", backoff(r.backoff()));
    if (r.budget() == null) {
      o.put("budget", "off");
    } else {
      o.set("budget", budget(r.budget()));
    }
    o.put("idempotent_only", r.idempotentOnly());
    return o;
  }

  private static ObjectNode retryOverride(RetryOverride r) {
    ObjectNode o = F.objectNode();
    if (r.attempts() != null) o.put("attempts", r.attempts());
    if (r.retryOn() != null) retryOn(o, r.retryOn());
    if (r.retriableStatusCodes() != null) {
      ints(o.putArray("retriable_status_codes"), r.retriableStatusCodes());
    }
    if (r.perTryTimeout() != null) o.put("per_try_timeout", duration(r.perTryTimeout()));
    if (r.backoff() != null) o.set("backoff", backoff(r.backoff()));
    if (r.budget() != null) o.set("budget", budget(r.budget()));
    if (r.idempotentOnly() != null) o.put("idempotent_only", r.idempotentOnly());
    return o;
  }

  private static void retryOn(ObjectNode o, Set<RetryOn> set) {
    ArrayNode a = o.putArray("retry_on");
    for (RetryOn r : RetryOn.values()) {
      if (set.contains(r)) a.add(r.configName());
    }
  }

  private static ObjectNode backoff(RetryConfig.Backoff b) {
    ObjectNode o = F.objectNode();
    o.put("base", duration(b.base()));
    o.put("max", duration(b.max()));
    return o;
  }

  private static ObjectNode budget(RetryConfig.Budget b) {
    ObjectNode o = F.objectNode();
    o.put("percent", b.percent());
    o.put("min_per_second", b.minPerSecond());
    return o;
  }

  private static ObjectNode hashOn(HashOnConfig h) {
    ObjectNode o = F.objectNode();
    switch (h.kind()) {
      case HEADER -> o.put("header", h.name());
      case COOKIE -> o.put("cookie", h.name());
      case SOURCE_IP -> o.put("source_ip", true);
    }
    return o;
  }

  // ------------------------------------------------------------------------------- routes

  private static ArrayNode virtualHosts(List<VirtualHostConfig> hosts) {
    ArrayNode a = F.arrayNode();
    for (VirtualHostConfig v : hosts) {
      ObjectNode o = a.addObject();
      o.put("name", v.name());
      strings(o.putArray("domains"), v.domains());
      ArrayNode routes = o.putArray("routes");
      for (RouteConfig r : v.routes()) routes.add(routeNode(r));
    }
    return a;
  }

  private static ObjectNode inbound(InboundConfig in) {
    ObjectNode o = F.objectNode();
    o.set("virtual_hosts", virtualHosts(in.virtualHosts()));
    ObjectNode authz = o.putObject("authz");
    authz.put("default_action", action(in.authz().defaultAction()));
    ArrayNode rules = authz.putArray("rules");
    for (AuthzConfig.Rule r : in.authz().rules()) {
      ObjectNode n = rules.addObject();
      n.put("name", r.name());
      n.put("action", action(r.action()));
      if (r.match() != null) n.set("match", matchNode(r.match()));
    }
    cidrs(o.putArray("trusted_proxies"), in.trustedProxies());
    o.put("health_path", in.healthPath());
    return o;
  }

  private static String action(AuthzConfig.Action a) {
    return a.name().toLowerCase(Locale.ROOT);
  }

  private static ObjectNode admin(AdminConfig a) {
    ObjectNode o = F.objectNode();
    o.put("enabled", a.enabled());
    cidrs(o.putArray("allow_from"), a.allowFrom());
    return o;
  }

  private static ObjectNode routeNode(RouteConfig r) {
    ObjectNode o = F.objectNode();
    if (r.name() != null) o.put("name", r.name());
    o.set("match", matchNode(r.match()));
    ActionConfig a = r.action();
    if (a instanceof ActionConfig.Forward f) {
      o.put("to", f.cluster());
    } else if (a instanceof ActionConfig.Split s) {
      ArrayNode split = o.putArray("split");
      for (ActionConfig.WeightedCluster w : s.clusters()) {
        if (w.local()) {
          split.addObject().put("local", true).put("weight", w.weight());
        } else {
          split.addObject().put("cluster", w.cluster()).put("weight", w.weight());
        }
      }
    } else if (a instanceof ActionConfig.Redirect d) {
      ObjectNode n = o.putObject("redirect");
      if (d.scheme() != null) n.put("scheme", d.scheme());
      if (d.host() != null) n.put("host", d.host());
      if (d.port() != null) n.put("port", d.port());
      if (d.path() != null) n.put("path", d.path());
      if (d.prefixRewrite() != null) n.put("prefix_rewrite", d.prefixRewrite());
      n.put("strip_query", d.stripQuery());
      n.put("code", d.code());
    } else if (a instanceof ActionConfig.Respond d) {
      ObjectNode n = o.putObject("respond");
      n.put("status", d.status());
      n.put("body", d.body());
      headerMap(n.putObject("headers"), d.headers());
    } else if (a instanceof ActionConfig.Pass) {
      o.putObject("pass");
    }
    RewriteConfig rw = r.rewrite();
    if (rw != null) {
      ObjectNode n = o.putObject("rewrite");
      if (rw.prefix() != null) n.put("prefix", rw.prefix());
      if (rw.regex() != null) n.put("regex", rw.regex());
      if (rw.substitution() != null) n.put("substitution", rw.substitution());
      if (rw.host() != null) n.put("host", rw.host());
    }
    HeadersConfig h = r.headers();
    if (h != null) {
      ObjectNode n = o.putObject("headers");
      headerMap(n.putObject("add"), h.add());
      strings(n.putArray("remove"), h.remove());
    }
    if (r.timeout() != null) o.put("timeout", duration(r.timeout()));
    if (r.retry() != null) o.set("retry", retryOverride(r.retry()));
    MirrorConfig m = r.mirror();
    if (m != null) o.putObject("mirror").put("cluster", m.cluster()).put("percent", m.percent());
    FaultConfig f = r.fault();
    if (f != null) {
      ObjectNode n = o.putObject("fault");
      if (f.delay() != null) {
        n.putObject("delay")
            .put("fixed", duration(f.delay().fixed()))
            .put("percent", f.delay().percent());
      }
      if (f.abort() != null) {
        n.putObject("abort").put("status", f.abort().status()).put("percent", f.abort().percent());
      }
    }
    RateLimitConfig rl = r.rateLimit();
    if (rl != null) {
      o.putObject("rate_limit")
          .put("requests_per_second", rl.requestsPerSecond())
          .put("burst", rl.burst());
    }
    return o;
  }

  private static ObjectNode matchNode(MatchConfig m) {
    ObjectNode o = F.objectNode();
    if (m.pathKind() != null) {
      o.put(m.pathKind().name().toLowerCase(Locale.ROOT), m.pathValue());
    }
    o.put("case_sensitive", m.caseSensitive());
    if (!m.methods().isEmpty()) strings(o.putArray("methods"), new TreeSet<>(m.methods()));
    if (!m.headers().isEmpty()) {
      ArrayNode a = o.putArray("headers");
      for (HeaderMatchConfig h : m.headers()) {
        ObjectNode n = a.addObject();
        n.put("name", h.name());
        if (h.kind() == HeaderMatchConfig.Kind.PRESENT) {
          n.put("present", h.present());
        } else if (h.kind() != null) {
          n.put(h.kind().name().toLowerCase(Locale.ROOT),
              Secrets.isSecretHeader(h.name()) ? Secrets.MASK : h.value());
        }
        n.put("invert", h.invert());
      }
    }
    if (!m.query().isEmpty()) {
      ArrayNode a = o.putArray("query");
      for (QueryMatchConfig q : m.query()) {
        ObjectNode n = a.addObject();
        n.put("name", q.name());
        if (q.kind() == QueryMatchConfig.Kind.PRESENT) {
          n.put("present", q.present());
        } else if (q.kind() != null) {
          n.put(q.kind().name().toLowerCase(Locale.ROOT),
              Secrets.isSecretHeader(q.name()) ? Secrets.MASK : q.value());
        }
      }
    }
    if (!m.source().isEmpty()) cidrs(o.putArray("source"), m.source());
    if (!m.principals().isEmpty()) strings(o.putArray("principals"), m.principals());
    return o;
  }

  // ------------------------------------------------------------------------------- values

  private static void headerMap(ObjectNode target, Map<String, String> headers) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      target.put(e.getKey(), Secrets.isSecretHeader(e.getKey()) ? Secrets.MASK : e.getValue());
    }
  }

  private static void strings(ArrayNode a, Iterable<String> values) {
    for (String s : values) a.add(s);
  }

  private static void ints(ArrayNode a, List<Integer> values) {
    for (Integer i : values) a.add(i);
  }

  private static void cidrs(ArrayNode a, List<Cidr> values) {
    for (Cidr c : values) a.add(c.toString());
  }

  /**
   * A duration in the config syntax with the largest unit that is exact ({@code 5m}, {@code 90s},
   * {@code 250ms}); the config only holds whole milliseconds.
   */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) return "0s";
    if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0) return ms / 60_000 + "m";
    if (ms % 1_000 == 0) return ms / 1_000 + "s";
    return ms + "ms";
  }

  /** Replaces, anywhere under {@code node}, the value of a field with a secret-looking name. */
  static <T extends JsonNode> T maskFields(T node) {
    if (node instanceof ObjectNode o) {
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        if (Secrets.isSecretField(e.getKey()) && !v.isNull() && !isMask(v)) {
          e.setValue(F.textNode(Secrets.MASK));
        } else {
          maskFields(v);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (JsonNode v : a) maskFields(v);
    }
    return node;
  }

  private static boolean isMask(JsonNode v) {
    return v.isTextual() && v.textValue().equals(Secrets.MASK);
  }
}
