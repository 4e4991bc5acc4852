package io.mesh4j.xds.translate;

import static io.mesh4j.xds.translate.Fields.index;
import static io.mesh4j.xds.translate.Fields.join;

import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.Locality;
import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.config.TlsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Envoy {@code Cluster} (+ its {@code ClusterLoadAssignment}) → mesh4j {@link ClusterConfig}. One
 * instance per translation run; not thread-safe.
 */
final class ClusterTranslator {
  /** The overprovisioning factor of the load assignment being translated (one at a time). */
  private double overprovisioningFactor = LocalityLbConfig.DEFAULT_OVERPROVISIONING_FACTOR;

  /** A translated cluster before the routes have said what {@code ring_hash} hashes. */
  record Draft(String envoyName, String name, LbPolicy lb, List<EndpointConfig> endpoints,
      HealthCheckConfig healthCheck, OutlierDetectionConfig outlierDetection,
      CircuitBreakerConfig circuitBreaker, RetryConfig retry, int panicThreshold,
      Duration slowStart, LocalityLbConfig localityLb, TlsConfig tls) {

    ClusterConfig build(HashOnConfig hashOn) {
      return new ClusterConfig(name, lb, endpoints, healthCheck, outlierDetection, circuitBreaker,
          retry, ClusterConfig.DEFAULT_TIMEOUT, panicThreshold, slowStart,
          lb == LbPolicy.RING_HASH ? hashOn : null, null, localityLb, null, tls);
    }
  }

  private static final String CONNECTION_LEVEL =
      "connection-level setting; connections are the HTTP client's (OkHttp) or the servlet container's";
  private static final String COSMETIC = "cosmetic (names, statistics, metadata)";
  private static final String DNS_LEVEL =
      "DNS resolution is mesh-wide in mesh4j (Mesh.Builder.dnsResolver, the JVM resolver by default)";

  private static final Set<String> CLUSTER_HANDLED = Set.of("name", "type", "eds_cluster_config",
      "load_assignment", "lb_policy", "health_checks", "outlier_detection", "circuit_breakers",
      "common_lb_config", "least_request_lb_config", "round_robin_lb_config",
      "ring_hash_lb_config", "maglev_lb_config", "transport_socket");
  private static final Map<String, String> CLUSTER_IGNORED = Map.ofEntries(
      Map.entry("alt_stat_name", COSMETIC),
      Map.entry("metadata", COSMETIC),
      Map.entry("track_cluster_stats", COSMETIC),
      Map.entry("track_timeout_budgets", COSMETIC),
      Map.entry("lrs_server", "load reporting is not supported; nothing is reported"),
      Map.entry("connect_timeout", CONNECTION_LEVEL),
      Map.entry("per_connection_buffer_limit_bytes", CONNECTION_LEVEL),
      Map.entry("max_requests_per_connection", CONNECTION_LEVEL),
      Map.entry("typed_extension_protocol_options", CONNECTION_LEVEL),
      Map.entry("http_protocol_options", CONNECTION_LEVEL),
      Map.entry("http2_protocol_options", CONNECTION_LEVEL),
      Map.entry("common_http_protocol_options", CONNECTION_LEVEL),
      Map.entry("upstream_http_protocol_options", CONNECTION_LEVEL),
      Map.entry("protocol_selection", CONNECTION_LEVEL),
      Map.entry("upstream_connection_options", CONNECTION_LEVEL),
      Map.entry("preconnect_policy", CONNECTION_LEVEL),
      Map.entry("connection_pool_per_downstream_connection", CONNECTION_LEVEL),
      Map.entry("close_connections_on_host_health_failure", CONNECTION_LEVEL),
      Map.entry("cleanup_interval", CONNECTION_LEVEL),
      Map.entry("dns_refresh_rate", DNS_LEVEL),
      Map.entry("dns_failure_refresh_rate", DNS_LEVEL),
      Map.entry("respect_dns_ttl", DNS_LEVEL),
      Map.entry("dns_lookup_family", DNS_LEVEL),
      Map.entry("dns_resolvers", DNS_LEVEL),
      Map.entry("use_tcp_for_dns_lookups", DNS_LEVEL),
      Map.entry("dns_resolution_config", DNS_LEVEL),
      Map.entry("typed_dns_resolver_config", DNS_LEVEL),
      Map.entry("ignore_health_on_host_removal",
          "mesh4j drops a removed endpoint at once, as Envoy does by default"),
      Map.entry("wait_for_warm_on_init", "mesh4j applies a cluster at once"));

  private final Issues issues;
  private final Map<String, ClusterLoadAssignment> assignments;
  private final TlsTranslator tls;

  ClusterTranslator(Issues issues, Map<String, ClusterLoadAssignment> assignments,
      TlsTranslator tls) {
    this.issues = issues;
    this.assignments = assignments;
    this.tls = tls;
  }

  /** The draft, or {@code null} when the cluster cannot be translated at all. */
  Draft translate(Cluster c, String meshName) {
    Issues.Scope s = issues.scope("Cluster", c.getName());
    Fields.walk(s, "", c, CLUSTER_HANDLED, CLUSTER_IGNORED);

    List<EndpointConfig> endpoints = new ArrayList<>();
    overprovisioningFactor = LocalityLbConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    switch (c.getType()) {
      case STATIC, STRICT_DNS -> {
        if (c.hasLoadAssignment()) {
          endpoints = endpoints(s, "load_assignment", c.getLoadAssignment());
        }
      }
      case LOGICAL_DNS -> {
        s.ignore("type", "LOGICAL_DNS is resolved as STRICT_DNS: every address of the name is an "
            + "endpoint (mesh4j has no single-connection logical host)");
        if (c.hasLoadAssignment()) endpoints = endpoints(s, "load_assignment", c.getLoadAssignment());
      }
      case EDS -> {
        String serviceName = c.getName();
        if (c.hasEdsClusterConfig()) {
          Fields.walk(s, "eds_cluster_config", c.getEdsClusterConfig(), Set.of("service_name"),
              Map.of("eds_config", "endpoints come over the same ADS stream, or not at all"));
          if (!c.getEdsClusterConfig().getServiceName().isEmpty()) {
            serviceName = c.getEdsClusterConfig().getServiceName();
          }
        }
        if (c.hasLoadAssignment()) {
          s.ignore("load_assignment", "an EDS cluster takes its endpoints from EDS");
        }
        ClusterLoadAssignment cla = assignments.get(serviceName);
        if (cla != null) {
          endpoints = endpoints(issues.scope("ClusterLoadAssignment", cla.getClusterName()), "", cla);
        }
      }
      default -> s.reject("type", c.getType() + ": " + Fields.NOT_SUPPORTED
          + " (expected STATIC, STRICT_DNS, LOGICAL_DNS or EDS)");
    }

    LbPolicy lb = switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> LbPolicy.WEIGHTED_ROUND_ROBIN;
      case LEAST_REQUEST -> LbPolicy.LEAST_REQUEST;
      case RING_HASH -> LbPolicy.RING_HASH;
      case RANDOM -> LbPolicy.RANDOM;
      case MAGLEV -> {
        s.ignore("lb_policy", "MAGLEV is translated to ring_hash (both are consistent hashing; "
            + "keys map to different hosts than Envoy's)");
        yield LbPolicy.RING_HASH;
      }
      default -> {
        s.reject("lb_policy", c.getLbPolicy() + ": " + Fields.NOT_SUPPORTED);
        yield LbPolicy.WEIGHTED_ROUND_ROBIN;
      }
    };

    Duration slowStart = Duration.ZERO;
    if (c.hasLeastRequestLbConfig()) {
      var l = c.getLeastRequestLbConfig();
      Fields.walk(s, "least_request_lb_config", l,
          Set.of("choice_count", "active_request_bias", "slow_start_config"), Map.of());
      if (l.hasChoiceCount() && l.getChoiceCount().getValue() != 2) {
        s.reject("least_request_lb_config.choice_count", l.getChoiceCount().getValue()
            + ": mesh4j's least_request compares 2 choices");
      }
      if (l.hasActiveRequestBias() && l.getActiveRequestBias().getDefaultValue() != 1.0) {
        s.reject("least_request_lb_config.active_request_bias",
            l.getActiveRequestBias().getDefaultValue() + ": mesh4j's config has bias 1.0");
      }
      if (l.hasSlowStartConfig()) {
        slowStart = slowStart(s, "least_request_lb_config.slow_start_config", l.getSlowStartConfig());
      }
    }
    if (c.hasRoundRobinLbConfig()) {
      var r = c.getRoundRobinLbConfig();
      Fields.walk(s, "round_robin_lb_config", r, Set.of("slow_start_config"), Map.of());
      if (r.hasSlowStartConfig()) {
        slowStart = slowStart(s, "round_robin_lb_config.slow_start_config", r.getSlowStartConfig());
      }
    }
    if (c.hasRingHashLbConfig()) {
      s.ignore("ring_hash_lb_config", "mesh4j sizes its ring itself (128 points per weight unit) "
          + "with its own hash; keys map to different hosts than Envoy's");
    }
    if (c.hasMaglevLbConfig()) {
      s.ignore("maglev_lb_config", "translated to ring_hash, which sizes its ring itself");
    }

    int panic = ClusterConfig.DEFAULT_PANIC_THRESHOLD;
    if (c.hasCommonLbConfig()) {
      var common = c.getCommonLbConfig();
      Fields.walk(s, "common_lb_config", common, Set.of("healthy_panic_threshold",
          "zone_aware_lb_config", "locality_weighted_lb_config"), Map.of(
          "update_merge_window", "mesh4j applies endpoint changes at once",
          "close_connections_on_host_set_change", CONNECTION_LEVEL));
      if (common.hasHealthyPanicThreshold()) {
        double v = common.getHealthyPanicThreshold().getValue();
        panic = (int) Math.round(Math.max(0, Math.min(100, v)));
        if (panic != v) {
          s.ignore("common_lb_config.healthy_panic_threshold", v
              + ": rounded to " + panic + " (mesh4j's threshold is a whole percent)");
        }
      }
    }

    HealthCheckConfig hc = null;
    for (int i = 0; i < c.getHealthChecksCount(); i++) {
      if (i > 0) {
        s.reject(index("", "health_checks", i), "mesh4j runs one health check per cluster");
        continue;
      }
      hc = healthCheck(s, index("", "health_checks", i), c.getHealthChecks(i));
    }

    OutlierDetectionConfig od = c.hasOutlierDetection()
        ? outlierDetection(s, "outlier_detection", c.getOutlierDetection()) : null;

    RetryConfig.Budget budget = RetryConfig.Budget.DEFAULT;
    CircuitBreakerConfig cb = null;
    if (c.hasCircuitBreakers()) {
      CircuitBreakers breakers = c.getCircuitBreakers();
      Fields.walk(s, "circuit_breakers", breakers, Set.of("thresholds"), Map.of(
          "per_host_thresholds", CONNECTION_LEVEL));
      for (int i = 0; i < breakers.getThresholdsCount(); i++) {
        CircuitBreakers.Thresholds t = breakers.getThresholds(i);
        String p = index("circuit_breakers", "thresholds", i);
        if (t.getPriority() != RoutingPriority.DEFAULT) {
          s.ignore(p, "thresholds for priority " + t.getPriority() + ": mesh4j has no route "
              + "priorities; the DEFAULT thresholds apply to every request");
          continue;
        }
        Fields.walk(s, p, t, Set.of("priority", "max_requests", "retry_budget"), Map.of(
            "max_connections", CONNECTION_LEVEL,
            "max_pending_requests", "mesh4j does not queue requests: beyond max_requests a "
                + "request fails at once",
            "max_connection_pools", CONNECTION_LEVEL,
            "track_remaining", COSMETIC,
            "max_retries", "mesh4j limits retries with a retry budget (the cluster's retry.budget)"
                + " rather than a count of concurrent retries"));
        if (t.hasMaxRequests()) {
          int max = Math.max(1, Protos.clampInt(Protos.uint32(t.getMaxRequests().getValue())));
          if (max != CircuitBreakerConfig.DEFAULT_MAX_CONCURRENT_REQUESTS) {
            cb = concurrencyOnly(max);
          }
        }
        if (t.hasRetryBudget()) {
          var rb = t.getRetryBudget();
          Fields.walk(s, join(p, "retry_budget"), rb,
              Set.of("budget_percent", "min_retry_concurrency"), Map.of());
          double percent = rb.hasBudgetPercent() ? rb.getBudgetPercent().getValue() : 20.0;
          int min = rb.hasMinRetryConcurrency()
              ? Protos.clampInt(Protos.uint32(rb.getMinRetryConcurrency().getValue())) : 3;
          budget = new RetryConfig.Budget(Math.max(0, Math.min(100, percent)), min);
          s.ignore(join(p, "retry_budget.min_retry_concurrency"), "translated as "
              + "min_per_second: " + min + " (mesh4j's reserve is retries per second, not "
              + "concurrent retries)");
        }
      }
    }

    // Envoy retries only under a route's retry_policy, every method alike; the routes carry
    // their policies as overrides, so the cluster's own policy is "no retry".
    RetryConfig retry = new RetryConfig(1, RetryConfig.DEFAULT_RETRY_ON, List.of(), null,
        RetryConfig.Backoff.DEFAULT, budget, false);
    TlsConfig t = c.hasTransportSocket()
        ? tls.upstream(s, "transport_socket", c.getTransportSocket(), meshName) : null;
    return new Draft(c.getName(), meshName, lb, endpoints, hc, od, cb, retry, panic, slowStart,
        localityLb(s, c, endpoints), t);
  }

  /**
   * The cluster's {@code locality_lb}: {@code weighted} for Envoy's {@code
   * locality_weighted_lb_config}, {@code zone_aware} for its {@code zone_aware_lb_config} or when
   * the load assignment has priorities above 0 (Envoy's priority failover always applies);
   * {@code null} otherwise. The load assignment's overprovisioning factor carries over.
   */
  private LocalityLbConfig localityLb(Issues.Scope s, Cluster c, List<EndpointConfig> endpoints) {
    var common = c.getCommonLbConfig();
    int minClusterSize = LocalityLbConfig.DEFAULT_MIN_CLUSTER_SIZE;
    LocalityLbConfig.Mode mode = null;
    if (common.hasLocalityWeightedLbConfig()) {
      mode = LocalityLbConfig.Mode.WEIGHTED;
    } else if (common.hasZoneAwareLbConfig()) {
      var z = common.getZoneAwareLbConfig();
      Fields.walk(s, "common_lb_config.zone_aware_lb_config", z, Set.of("min_cluster_size"),
          Map.of("routing_enabled", "mesh4j routes every request zone-aware (100%)",
              "fail_traffic_on_panic", "mesh4j spreads a panicking level over all its endpoints"));
      if (z.hasMinClusterSize()) {
        minClusterSize = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
            z.getMinClusterSize().getValue()));
      }
      mode = LocalityLbConfig.Mode.ZONE_AWARE;
    } else {
      for (EndpointConfig e : endpoints) {
        if (e.priority() != 0) mode = LocalityLbConfig.Mode.ZONE_AWARE;
      }
      if (mode != null) {
        s.ignore("load_assignment.endpoints", "priorities fail over as in Envoy (locality_lb"
            + " zone_aware); zone-aware routing applies only when the service's own locality is"
            + " known, as Envoy's needs a local cluster");
      }
    }
    return mode == null ? null : new LocalityLbConfig(mode, minClusterSize, overprovisioningFactor);
  }

  /**
   * Whether {@code e} sets nothing but an address (socket address, port value, protocol), a health
   * status and a weight: rebuilt from just those fields it is equal to itself. Generated
   * {@code equals} compares fields directly and includes unknown fields, so anything else set makes
   * it unequal.
   */
  static boolean isPlain(LbEndpoint e) {
    if (!e.hasEndpoint() || !e.getEndpoint().getAddress().hasSocketAddress()) return false;
    SocketAddress sa = e.getEndpoint().getAddress().getSocketAddress();
    SocketAddress.Builder copy = SocketAddress.newBuilder().setAddress(sa.getAddress())
        .setProtocol(sa.getProtocol());
    if (sa.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.PORT_VALUE) {
      copy.setPortValue(sa.getPortValue());
    }
    LbEndpoint.Builder b = LbEndpoint.newBuilder().setHealthStatus(e.getHealthStatus())
        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(copy)));
    if (e.hasLoadBalancingWeight()) b.setLoadBalancingWeight(e.getLoadBalancingWeight());
    return b.build().equals(e);
  }

  /**
   * Envoy's max_requests alone: mesh4j's concurrency limit comes with a Resilience4j breaker, which
   * is set so that it opens only when every one of the last 100 calls failed.
   */
  static CircuitBreakerConfig concurrencyOnly(int maxRequests) {
    return new CircuitBreakerConfig(100, Protos.MAX_DURATION, 100, 100, 100,
        CircuitBreakerConfig.DEFAULT_WAIT_IN_OPEN, maxRequests);
  }

  private Duration slowStart(Issues.Scope s, String p, Cluster.SlowStartConfig ss) {
    Fields.walk(s, p, ss, Set.of("slow_start_window", "aggression", "min_weight_percent"), Map.of());
    if (ss.hasAggression() && ss.getAggression().getDefaultValue() != 1.0) {
      s.reject(join(p, "aggression"), ss.getAggression().getDefaultValue()
          + ": mesh4j ramps linearly (aggression 1.0)");
    }
    if (ss.hasMinWeightPercent() && ss.getMinWeightPercent().getValue() != 10.0) {
      s.reject(join(p, "min_weight_percent"), ss.getMinWeightPercent().getValue()
          + ": mesh4j ramps from 10%");
    }
    return ss.hasSlowStartWindow() ? Protos.duration(ss.getSlowStartWindow()) : Duration.ZERO;
  }

  private HealthCheckConfig healthCheck(Issues.Scope s, String p, HealthCheck h) {
    String jitter = "mesh4j jitters every interval by ±10% and spreads first checks over the interval";
    String intervals = "mesh4j checks every endpoint at one interval";
    Fields.walk(s, p, h, Set.of("timeout", "interval", "unhealthy_threshold", "healthy_threshold",
        "http_health_check", "tcp_health_check"), Map.ofEntries(
        Map.entry("interval_jitter", jitter),
        Map.entry("interval_jitter_percent", jitter),
        Map.entry("initial_jitter", jitter),
        Map.entry("no_traffic_interval", intervals),
        Map.entry("no_traffic_healthy_interval", intervals),
        Map.entry("unhealthy_interval", intervals),
        Map.entry("unhealthy_edge_interval", intervals),
        Map.entry("healthy_edge_interval", intervals),
        Map.entry("event_log_path", COSMETIC),
        Map.entry("event_logger", COSMETIC),
        Map.entry("always_log_health_check_failures", COSMETIC),
        Map.entry("always_log_health_check_success", COSMETIC),
        Map.entry("reuse_connection", CONNECTION_LEVEL)));
    String probe;
    String path = null;
    List<StatusRange> statuses = null;
    if (h.hasHttpHealthCheck()) {
      var http = h.getHttpHealthCheck();
      String hp = join(p, "http_health_check");
      Fields.walk(s, hp, http, Set.of("path", "expected_statuses", "method"), Map.of(
          "host", "mesh4j's probe sends the endpoint's own authority",
          "codec_client_type", CONNECTION_LEVEL));
      probe = "http";
      path = http.getPath().isEmpty() ? "/" : http.getPath();
      switch (http.getMethod()) {
        case METHOD_UNSPECIFIED, GET -> { }
        default -> s.reject(join(hp, "method"), http.getMethod() + ": mesh4j probes with GET");
      }
      if (http.getExpectedStatusesCount() > 0) {
        statuses = new ArrayList<>();
        for (int i = 0; i < http.getExpectedStatusesCount(); i++) {
          Int64Range r = http.getExpectedStatuses(i);
          long from = r.getStart();
          long to = r.getEnd() - 1; // Envoy's range is half-open
          if (from < 100 || to > 599 || to < from) {
            s.reject(index(hp, "expected_statuses", i), "[" + r.getStart() + ", " + r.getEnd()
                + "): expected a range within [100, 600)");
          } else {
            statuses.add(new StatusRange((int) from, (int) to));
          }
        }
      }
    } else if (h.hasTcpHealthCheck()) {
      var tcp = h.getTcpHealthCheck();
      Fields.walk(s, join(p, "tcp_health_check"), tcp, Set.of(), Map.of());
      probe = "tcp";
    } else {
      s.reject(p, "no http_health_check or tcp_health_check (mesh4j probes HTTP or TCP only)");
      return null;
    }
    Duration interval = Protos.duration(h.getInterval());
    Duration timeout = Protos.duration(h.getTimeout());
    if (interval.isZero()) {
      s.reject(join(p, "interval"), "missing or zero (Envoy requires one)");
      return null;
    }
    if (timeout.isZero()) {
      s.reject(join(p, "timeout"), "missing or zero (Envoy requires one)");
      return null;
    }
    if (timeout.compareTo(interval) > 0) {
      s.reject(join(p, "timeout"), "longer than interval (mesh4j checks one endpoint at a time: "
          + "timeout must be at most interval)");
      return null;
    }
    int unhealthy = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
        Protos.uint32(h.getUnhealthyThreshold().getValue())));
    int healthy = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
        Protos.uint32(h.getHealthyThreshold().getValue())));
    return new HealthCheckConfig(probe, path, interval, timeout, unhealthy, healthy, statuses);
  }

  private OutlierDetectionConfig outlierDetection(Issues.Scope s, String p, OutlierDetection o) {
    String successRate = "success_rate_minimum_hosts success_rate_request_volume success_rate_stdev_factor";
    String failurePercentage = "failure_percentage_threshold failure_percentage_minimum_hosts "
        + "failure_percentage_request_volume";
    boolean successRateOff = o.hasEnforcingSuccessRate() && o.getEnforcingSuccessRate().getValue() == 0;
    boolean failurePercentageOff = !o.hasEnforcingFailurePercentage()
        || o.getEnforcingFailurePercentage().getValue() == 0;
    Set<String> handled = new HashSet<>(Set.of("consecutive_5xx", "consecutive_gateway_failure",
        "enforcing_consecutive_5xx", "enforcing_consecutive_gateway_failure", "base_ejection_time",
        "max_ejection_percent", "max_ejection_time", "enforcing_success_rate",
        "successful_active_health_check_uneject_host", "split_external_local_origin_errors",
        "enforcing_failure_percentage"));
    Map<String, String> ignored = new java.util.HashMap<>(Map.of(
        "interval", "mesh4j has no detection sweep: a streak is judged when it completes, and the "
            + "ejection multiplier decays once per base_ejection_time",
        "max_ejection_time_jitter", "mesh4j's ejection times are not jittered"));
    if (successRateOff) {
      for (String f : successRate.split(" ")) ignored.put(f, "success-rate detection is off");
    }
    if (failurePercentageOff) {
      for (String f : failurePercentage.split(" ")) ignored.put(f, "failure-percentage detection is off");
    }
    if (!o.getSplitExternalLocalOriginErrors()) {
      for (String f : List.of("consecutive_local_origin_failure",
          "enforcing_consecutive_local_origin_failure", "enforcing_local_origin_success_rate",
          "enforcing_failure_percentage_local_origin")) {
        ignored.put(f, "applies only with split_external_local_origin_errors");
      }
    }
    Fields.walk(s, p, o, handled, ignored);

    if (o.getSplitExternalLocalOriginErrors()) {
      s.reject(join(p, "split_external_local_origin_errors"), "not supported (mesh4j counts "
          + "transport failures with the HTTP status failures)");
    }
    if (o.hasEnforcingSuccessRate() && o.getEnforcingSuccessRate().getValue() != 0) {
      s.reject(join(p, "enforcing_success_rate"), o.getEnforcingSuccessRate().getValue()
          + ": success-rate ejection is not supported (set 0)");
    } else if (!o.hasEnforcingSuccessRate()) {
      s.ignore(join(p, "enforcing_success_rate"), "Envoy's default success-rate ejection (100% "
          + "enforced with 5+ hosts) is not available; only consecutive-failure detection runs "
          + "(set enforcing_success_rate: 0 to say so)");
    }
    if (!failurePercentageOff) {
      s.reject(join(p, "enforcing_failure_percentage"), o.getEnforcingFailurePercentage().getValue()
          + ": failure-percentage ejection is not supported (set 0)");
    }
    if (o.hasSuccessfulActiveHealthCheckUnejectHost()
        && !o.getSuccessfulActiveHealthCheckUnejectHost().getValue()) {
      s.reject(join(p, "successful_active_health_check_uneject_host"),
          "false: mesh4j always returns an ejected endpoint whose health check passes");
    }
    int c5 = o.hasConsecutive5Xx() ? Protos.clampInt(Protos.uint32(o.getConsecutive5Xx().getValue())) : 5;
    int cg = o.hasConsecutiveGatewayFailure()
        ? Protos.clampInt(Protos.uint32(o.getConsecutiveGatewayFailure().getValue())) : 5;
    int e5 = o.hasEnforcingConsecutive5Xx() ? o.getEnforcingConsecutive5Xx().getValue() : 100;
    // Envoy enforces gateway-failure detections 0% of the time unless told otherwise.
    int eg = o.hasEnforcingConsecutiveGatewayFailure()
        ? o.getEnforcingConsecutiveGatewayFailure().getValue() : 0;
    if (e5 != 0 && e5 != 100) {
      s.reject(join(p, "enforcing_consecutive_5xx"), e5 + ": mesh4j enforces a detection always "
          + "(100) or never (0)");
    }
    if (eg != 0 && eg != 100) {
      s.reject(join(p, "enforcing_consecutive_gateway_failure"), eg + ": mesh4j enforces a "
          + "detection always (100) or never (0)");
    }
    Duration base = o.hasBaseEjectionTime() ? Protos.duration(o.getBaseEjectionTime())
        : OutlierDetectionConfig.DEFAULT_BASE_EJECTION_TIME;
    if (base.isZero()) base = Duration.ofMillis(1);
    Duration max = o.hasMaxEjectionTime() ? Protos.duration(o.getMaxEjectionTime())
        : OutlierDetectionConfig.DEFAULT_MAX_EJECTION_TIME;
    if (max.compareTo(base) < 0) max = base; // Envoy caps at max(max_ejection_time, base)
    int maxPercent = o.hasMaxEjectionPercent()
        ? Math.min(100, Protos.clampInt(Protos.uint32(o.getMaxEjectionPercent().getValue())))
        : OutlierDetectionConfig.DEFAULT_MAX_EJECTION_PERCENT;
    return new OutlierDetectionConfig(e5 == 100 ? c5 : 0, eg == 100 ? cg : 0, base, maxPercent,
        max, true);
  }

  /** The endpoints of a load assignment (inline or from EDS); issues under {@code p}. */
  private List<EndpointConfig> endpoints(Issues.Scope s, String p, ClusterLoadAssignment cla) {
    Fields.walk(s, p, cla, Set.of("cluster_name", "endpoints", "policy"), Map.of());
    if (cla.hasPolicy()) {
      Fields.walk(s, join(p, "policy"), cla.getPolicy(), Set.of("overprovisioning_factor"), Map.of(
          "endpoint_stale_after", "mesh4j keeps the last endpoints until the next update"));
      if (cla.getPolicy().hasOverprovisioningFactor()) {
        long f = Protos.uint32(cla.getPolicy().getOverprovisioningFactor().getValue());
        if (f < 100 || f > 10_000) {
          s.ignore(join(p, "policy.overprovisioning_factor"), f + ": outside mesh4j's 100..10000"
              + " (1.0..100.0); the default 1.4 applies");
        } else {
          overprovisioningFactor = f / 100.0;
        }
      }
    }
    List<EndpointConfig> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      LocalityLbEndpoints l = cla.getEndpoints(i);
      String lp = index(p, "endpoints", i);
      Fields.walk(s, lp, l, Set.of("locality", "lb_endpoints", "priority",
          "load_balancing_weight"), Map.of(
          "proximity", "mesh4j ranks localities by priority, then by distance in failover mode",
          "metadata", COSMETIC));
      if (l.getPriority() > EndpointConfig.MAX_PRIORITY) {
        s.reject(join(lp, "priority"), l.getPriority() + ": mesh4j priorities are 0.."
            + EndpointConfig.MAX_PRIORITY);
        continue;
      }
      int localityWeight = 1;
      if (l.hasLoadBalancingWeight()) {
        long w = Protos.uint32(l.getLoadBalancingWeight().getValue());
        if (w < 1) {
          s.ignore(join(lp, "load_balancing_weight"), "0: a locality of weight 0 gets no traffic;"
              + " its endpoints are left out");
          continue;
        }
        localityWeight = (int) Math.min(10_000, w);
        if (w > 10_000) {
          s.ignore(join(lp, "load_balancing_weight"), w + ": capped at 10000");
        }
      }
      Locality locality = Locality.UNKNOWN;
      if (l.hasLocality()) {
        Fields.walk(s, join(lp, "locality"), l.getLocality(), Set.of("region", "zone", "sub_zone"),
            Map.of());
        locality = new Locality(l.getLocality().getRegion(), l.getLocality().getZone(),
            l.getLocality().getSubZone());
      }
      for (int j = 0; j < l.getLbEndpointsCount(); j++) {
        LbEndpoint e = l.getLbEndpoints(j);
        String ep = index(lp, "lb_endpoints", j);
        EndpointConfig config = endpoint(s, ep, e, locality, l.getPriority(), localityWeight);
        if (config == null) continue;
        String key = config.address().toLowerCase(Locale.ROOT);
        if (!seen.add(key)) {
          s.ignore(ep, "duplicate endpoint " + config.address() + ": the first one counts");
          continue;
        }
        out.add(config);
      }
    }
    return out;
  }

  private EndpointConfig endpoint(Issues.Scope s, String p, LbEndpoint e, Locality locality,
      int priority, int localityWeight) {
    // EDS may carry 10,000s of endpoints: the field walk (protobuf reflection) runs only when the
    // endpoint holds more than the plain fields.
    boolean plain = isPlain(e);
    if (!plain) {
      Fields.walk(s, p, e, Set.of("endpoint", "health_status", "load_balancing_weight"),
          Map.of("metadata", COSMETIC));
    }
    HealthStatus status = e.getHealthStatus();
    // Decision: endpoints the control plane reports UNHEALTHY, DRAINING or TIMEOUT are left out
    // (mesh4j's config has no per-endpoint health); DEGRADED ones count as healthy.
    if (status == HealthStatus.UNHEALTHY || status == HealthStatus.DRAINING
        || status == HealthStatus.TIMEOUT) {
      return null;
    }
    if (!e.hasEndpoint()) {
      s.reject(p, "no endpoint (a named endpoint reference is not supported)");
      return null;
    }
    var endpoint = e.getEndpoint();
    String ep = join(p, "endpoint");
    if (!plain) {
      Fields.walk(s, ep, endpoint, Set.of("address", "health_check_config"), Map.of(
          "hostname", "mesh4j sends the request's own authority"));
      if (endpoint.hasHealthCheckConfig()) {
        var hcc = endpoint.getHealthCheckConfig();
        Fields.walk(s, join(ep, "health_check_config"), hcc, Set.of(), Map.of(
            "hostname", "mesh4j's probe sends the endpoint's own authority"));
      }
      Fields.walk(s, join(ep, "address"), endpoint.getAddress(), Set.of("socket_address"), Map.of());
    }
    if (!endpoint.getAddress().hasSocketAddress()) {
      s.reject(join(ep, "address"), "expected a socket_address (pipes and internal addresses are "
          + "not supported)");
      return null;
    }
    SocketAddress sa = endpoint.getAddress().getSocketAddress();
    String sp = join(ep, "address.socket_address");
    if (!plain) {
      Fields.walk(s, sp, sa, Set.of("address", "port_value", "protocol"), Map.of(
          "resolver_name", "names are resolved by the JVM's resolver",
          "ipv4_compat", CONNECTION_LEVEL));
    }
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      s.reject(join(sp, "protocol"), sa.getProtocol() + ": mesh4j speaks HTTP over TCP only");
      return null;
    }
    if (!sa.hasField(SocketAddress.getDescriptor().findFieldByName("port_value"))) {
      s.reject(sp, "no port_value");
      return null;
    }
    long weight = e.hasLoadBalancingWeight() ? Protos.uint32(e.getLoadBalancingWeight().getValue()) : 1;
    if (weight < 1 || weight > 10_000) {
      s.reject(join(p, "load_balancing_weight"), weight + ": mesh4j weights are 1..10000");
      return null;
    }
    String host = sa.getAddress();
    if (host.isEmpty()) {
      s.reject(join(sp, "address"), "missing");
      return null;
    }
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    return new EndpointConfig(host, sa.getPortValue(), (int) weight, locality, priority,
        localityWeight);
  }
}
