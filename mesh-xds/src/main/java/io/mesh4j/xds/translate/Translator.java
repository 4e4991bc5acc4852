package io.mesh4j.xds.translate;

import static io.mesh4j.xds.translate.Fields.index;
import static io.mesh4j.xds.translate.Fields.join;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigValidator;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.xds.translate.RouteTranslator.FaultSetting;
import io.mesh4j.xds.translate.RouteTranslator.ListenerContext;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One translation run; not thread-safe, used by one call of {@link EnvoyTranslator#translate}. */
final class Translator {
  /** The service name when {@code base} gives none. */
  static final String DEFAULT_SERVICE = "xds";

  private static final String COSMETIC = "cosmetic (names, statistics, logs, tracing, metadata)";
  private static final String DOWNSTREAM = "downstream connection handling: the servlet container's"
      + " (inbound) or the application's own call (outbound)";
  private static final Set<String> LISTENER_HANDLED =
      Set.of("name", "filter_chains", "api_listener");
  private static final Map<String, String> LISTENER_IGNORED = Map.ofEntries(
      Map.entry("address", "mesh4j runs in-process: it listens on no socket"),
      Map.entry("additional_addresses", "mesh4j runs in-process: it listens on no socket"),
      Map.entry("stat_prefix", COSMETIC),
      Map.entry("metadata", COSMETIC),
      Map.entry("access_log", COSMETIC),
      Map.entry("traffic_direction", "the binding (outbound / inbound) says the direction"),
      Map.entry("listener_filters", DOWNSTREAM),
      Map.entry("listener_filters_timeout", DOWNSTREAM),
      Map.entry("continue_on_listener_filters_timeout", DOWNSTREAM),
      Map.entry("per_connection_buffer_limit_bytes", DOWNSTREAM),
      Map.entry("socket_options", DOWNSTREAM),
      Map.entry("transparent", DOWNSTREAM),
      Map.entry("freebind", DOWNSTREAM),
      Map.entry("tcp_fast_open_queue_length", DOWNSTREAM),
      Map.entry("connection_balance_config", DOWNSTREAM),
      Map.entry("reuse_port", DOWNSTREAM),
      Map.entry("enable_reuse_port", DOWNSTREAM),
      Map.entry("enable_mptcp", DOWNSTREAM),
      Map.entry("bind_to_port", DOWNSTREAM),
      Map.entry("drain_type", DOWNSTREAM),
      Map.entry("tcp_backlog_size", DOWNSTREAM),
      Map.entry("ignore_global_conn_limit", DOWNSTREAM),
      Map.entry("max_connections_to_accept_per_socket_event", DOWNSTREAM));
  private static final Set<String> HCM_HANDLED = Set.of("route_config", "rds", "http_filters",
      "normalize_path", "merge_slashes", "path_with_escaped_slashes_action");
  private static final Map<String, String> HCM_IGNORED = Map.ofEntries(
      Map.entry("stat_prefix", COSMETIC),
      Map.entry("access_log", COSMETIC),
      Map.entry("access_log_flush_interval", COSMETIC),
      Map.entry("flush_access_log_on_new_request", COSMETIC),
      Map.entry("access_log_options", COSMETIC),
      Map.entry("tracing", COSMETIC),
      Map.entry("generate_request_id", COSMETIC),
      Map.entry("preserve_external_request_id", COSMETIC),
      Map.entry("always_set_request_id_in_response", COSMETIC),
      Map.entry("request_id_extension", COSMETIC),
      Map.entry("codec_type", DOWNSTREAM),
      Map.entry("common_http_protocol_options", DOWNSTREAM),
      Map.entry("http_protocol_options", DOWNSTREAM),
      Map.entry("http2_protocol_options", DOWNSTREAM),
      Map.entry("http3_protocol_options", DOWNSTREAM),
      Map.entry("server_name", DOWNSTREAM),
      Map.entry("server_header_transformation", DOWNSTREAM),
      Map.entry("max_request_headers_kb", DOWNSTREAM),
      Map.entry("stream_idle_timeout", DOWNSTREAM),
      Map.entry("request_timeout", DOWNSTREAM),
      Map.entry("request_headers_timeout", DOWNSTREAM),
      Map.entry("drain_timeout", DOWNSTREAM),
      Map.entry("delayed_close_timeout", DOWNSTREAM),
      Map.entry("use_remote_address", DOWNSTREAM + "; inbound.trusted_proxies decides"),
      Map.entry("xff_num_trusted_hops", DOWNSTREAM + "; inbound.trusted_proxies decides"),
      Map.entry("skip_xff_append", DOWNSTREAM),
      Map.entry("via", DOWNSTREAM),
      Map.entry("forward_client_cert_details", DOWNSTREAM),
      Map.entry("set_current_client_cert_details", DOWNSTREAM),
      Map.entry("proxy_100_continue", DOWNSTREAM),
      Map.entry("upgrade_configs", DOWNSTREAM),
      Map.entry("internal_address_config", DOWNSTREAM),
      Map.entry("represent_ipv4_remote_address_as_ipv4_mapped_ipv6", DOWNSTREAM),
      Map.entry("stream_error_on_invalid_http_message", DOWNSTREAM),
      Map.entry("add_user_agent", DOWNSTREAM),
      Map.entry("original_ip_detection_extensions", DOWNSTREAM),
      Map.entry("strip_matching_host_port", "mesh4j always matches the host without its port"),
      Map.entry("strip_any_host_port", "mesh4j always matches the host without its port"),
      Map.entry("append_x_forwarded_port", DOWNSTREAM),
      Map.entry("proxy_status_config", DOWNSTREAM));
  private static final Map<String, String> ROUTER_IGNORED = Map.of(
      "dynamic_stats", COSMETIC,
      "start_child_span", COSMETIC,
      "upstream_log", COSMETIC,
      "upstream_log_options", COSMETIC,
      "suppress_envoy_headers", "mesh4j adds no x-envoy-* headers",
      "strict_check_headers", "mesh4j reads no x-envoy-* request headers",
      "respect_expected_rq_timeout", "mesh4j reads no x-envoy-* request headers",
      "suppress_grpc_request_failure_code_stats", COSMETIC);

  private final EnvoyResources resources;
  private final XdsBinding binding;
  private final MeshConfig base;
  private final Issues issues = new Issues();
  private final TlsTranslator tls;
  /** The inbound.tls of the first inbound listener with a TLS filter chain, and where it was. */
  private InboundTlsConfig inboundTls;
  private String inboundTlsWhere;
  private final Map<String, Listener> listeners = new LinkedHashMap<>();
  private final Map<String, RouteConfiguration> routeConfigs = new LinkedHashMap<>();
  private final Map<String, ClusterLoadAssignment> assignments = new LinkedHashMap<>();
  private final Map<String, String> clusterNames = new LinkedHashMap<>();
  /** The path options of the first connection manager that set any, and where they came from. */
  private PathNormalizationConfig paths;
  private String pathsWhere;
  private Issues.Scope pathsScope;
  private String pathsField;

  Translator(EnvoyResources resources, XdsBinding binding, MeshConfig base, List<SdsBinding> sds) {
    this.resources = resources;
    this.binding = binding;
    this.base = base;
    this.tls = new TlsTranslator(issues, sds, resources.secrets());
  }

  Translation run() {
    for (Listener l : resources.listeners()) {
      if (listeners.putIfAbsent(l.getName(), l) != null) {
        issues.scope("Listener", l.getName()).reject("name", "two listeners have this name");
      }
    }
    for (RouteConfiguration rc : resources.routeConfigs()) {
      if (routeConfigs.putIfAbsent(rc.getName(), rc) != null) {
        issues.scope("RouteConfiguration", rc.getName()).reject("name",
            "two route configurations have this name");
      }
    }
    for (ClusterLoadAssignment cla : resources.loadAssignments()) {
      if (assignments.putIfAbsent(cla.getClusterName(), cla) != null) {
        issues.scope("ClusterLoadAssignment", cla.getClusterName()).reject("cluster_name",
            "two load assignments have this cluster name");
      }
    }

    // Cluster names first: routes refer to them.
    Set<String> used = new HashSet<>();
    List<Cluster> clusters = new ArrayList<>();
    for (Cluster c : resources.clusters()) {
      if (clusterNames.containsKey(c.getName())) {
        issues.scope("Cluster", c.getName()).reject("name", "two clusters have this name");
        continue;
      }
      String name = Protos.meshName(c.getName());
      String unique = name;
      for (int n = 2; !used.add(unique); n++) unique = name + "-" + n;
      if (!unique.equals(c.getName())) {
        issues.scope("Cluster", c.getName()).ignore("name", "written as \"" + unique
            + "\" (mesh4j cluster names: letters, digits and . _ - | :)");
      }
      clusterNames.put(c.getName(), unique);
      clusters.add(c);
    }
    ClusterTranslator ct = new ClusterTranslator(issues, assignments, tls);
    List<ClusterTranslator.Draft> drafts = new ArrayList<>();
    for (Cluster c : clusters) drafts.add(ct.translate(c, clusterNames.get(c.getName())));

    RouteTranslator outboundRoutes = new RouteTranslator(issues, clusterNames, false);
    List<VirtualHostConfig> outbound = side(binding.outbound(), outboundRoutes, false);
    RouteTranslator inboundRoutes = new RouteTranslator(issues, clusterNames, true);
    List<VirtualHostConfig> inbound = side(binding.inbound(), inboundRoutes, true);

    List<ClusterConfig> built = new ArrayList<>();
    for (ClusterTranslator.Draft d : drafts) {
      HashOnConfig hashOn = outboundRoutes.hashOn.get(d.name());
      if (hashOn != null && d.lb() != LbPolicy.RING_HASH) {
        String where = outboundRoutes.hashOnWhere.get(d.name());
        issues.scope("Cluster", d.envoyName()).ignore("lb_policy", "the hash policy of " + where
            + " has no effect: the cluster does not balance by hash (as in Envoy)");
      }
      built.add(d.build(hashOn));
    }

    if (issues.anyRejected()) return new Translation(null, issues.list());

    String service = base != null && base.service() != null ? base.service() : DEFAULT_SERVICE;
    InboundConfig baseInbound = base != null ? base.inbound() : InboundConfig.EMPTY;
    InboundTlsConfig inTls = baseInbound.tls();
    if (inTls == null) {
      inTls = inboundTls;
    } else if (inboundTls != null && !inboundTls.equals(inTls)) {
      issues.add(Severity.IGNORED, "Listener", inboundTlsWhere, "", "its TLS (inbound.tls mode "
          + inboundTls.mode().configName() + ", source " + inboundTls.source() + "): the file's"
          + " inbound.tls wins");
    }
    MeshConfig config = new MeshConfig(MeshConfig.CURRENT_VERSION, service, built,
        new OutboundConfig(outbound),
        new InboundConfig(inbound, baseInbound.authz(), baseInbound.trustedProxies(),
            baseInbound.healthPath(), baseInbound.headersWithUnderscoresAction(),
            inTls, baseInbound.concurrencyLimit()),
        base != null ? base.propagate() : null,
        base != null ? base.admin() : null, null, pathNormalization(), null,
        identitySources());
    List<ConfigError> errors = ConfigValidator.validate(config);
    if (!errors.isEmpty()) {
      for (ConfigError e : errors) {
        issues.add(Severity.REJECTED, "MeshConfig", "", e.path(), e.message());
      }
      return new Translation(null, issues.list());
    }
    return new Translation(config, issues.list());
  }

  /**
   * The base's identity sources, then those the translated TLS settings name that the base does
   * not declare (the file's entry of a name wins, as its other settings do).
   */
  private List<IdentitySourceConfig> identitySources() {
    List<IdentitySourceConfig> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    if (base != null) {
      for (IdentitySourceConfig c : base.identitySources()) {
        out.add(c);
        names.add(c.name());
      }
    }
    for (IdentitySourceConfig c : tls.sources()) {
      if (names.add(c.name())) {
        out.add(c);
      } else if (!c.equals(base.identitySource(c.name()))) {
        issues.add(Severity.IGNORED, "MeshConfig", "", "identity_sources",
            "the TLS contexts' identity source " + c.name() + " (" + (c.pem() == null ? "SDS"
                : "files " + c.pem().certChain() + ", " + c.pem().trustBundle())
                + "): the file's entry of that name wins");
      }
    }
    return out;
  }

  /** The virtual hosts of every listener or route configuration bound to one side, in order. */
  private List<VirtualHostConfig> side(List<String> names, RouteTranslator routes,
      boolean inbound) {
    List<VirtualHostConfig> out = new ArrayList<>();
    for (String name : names) {
      Listener l = listeners.get(name);
      if (l != null) {
        out.addAll(listener(l, routes, inbound));
        continue;
      }
      RouteConfiguration rc = routeConfigs.get(name);
      if (rc != null) {
        out.addAll(routes.translate(issues.scope("RouteConfiguration", name), "", rc,
            ListenerContext.DIRECT));
        continue;
      }
      issues.scope("Listener", name).reject("", "no listener or route configuration of this name");
    }
    return out;
  }

  private List<VirtualHostConfig> listener(Listener l, RouteTranslator routes, boolean inbound) {
    Issues.Scope s = issues.scope("Listener", l.getName());
    Fields.walk(s, "", l, LISTENER_HANDLED, LISTENER_IGNORED);
    if (l.hasApiListener()) {
      String p = "api_listener.api_listener";
      Fields.walk(s, "api_listener", l.getApiListener(), Set.of("api_listener"), Map.of());
      HttpConnectionManager hcm =
          Protos.unpack(l.getApiListener().getApiListener(), HttpConnectionManager.class);
      if (hcm == null) {
        s.reject(p, Protos.typeName(l.getApiListener().getApiListener())
            + ": expected an HttpConnectionManager");
        return List.of();
      }
      return connectionManager(s, p, hcm, routes);
    }
    int chosen = 0;
    boolean permissive = false;
    if (inbound && l.getFilterChainsCount() == 2) {
      // Istio's PERMISSIVE: the same HTTP filters behind a TLS chain and a plaintext chain.
      FilterChain a = l.getFilterChains(0);
      FilterChain b = l.getFilterChains(1);
      boolean ta = a.hasTransportSocket() && TlsTranslator.isTls(a.getTransportSocket());
      boolean tb = b.hasTransportSocket() && TlsTranslator.isTls(b.getTransportSocket());
      if (ta != tb && a.getFiltersList().equals(b.getFiltersList())) {
        permissive = true;
        chosen = ta ? 0 : 1;
        String other = index("", "filter_chains", 1 - chosen);
        FilterChain plain = l.getFilterChains(1 - chosen);
        Fields.walk(s, other, plain, Set.of("filters", "filter_chain_match", "transport_socket"),
            Map.of("name", COSMETIC, "metadata", COSMETIC));
        if (plain.hasTransportSocket()) {
          TlsTranslator.plaintext(s, join(other, "transport_socket"), plain.getTransportSocket());
        }
        chainMatch(s, other, plain, true);
      }
    }
    if (!permissive && l.getFilterChainsCount() != 1) {
      s.reject("filter_chains", l.getFilterChainsCount() + " filter chains (mesh4j takes one HTTP "
          + "connection manager per listener" + (inbound ? ", or on the inbound side a TLS and a"
          + " plaintext chain with the same filters (permissive)" : "") + ")");
      return List.of();
    }
    FilterChain chain = l.getFilterChains(chosen);
    String cp = index("", "filter_chains", chosen);
    Map<String, String> chainIgnored = new java.util.HashMap<>(Map.of(
        "name", COSMETIC,
        "metadata", COSMETIC,
        "transport_socket_connect_timeout", DOWNSTREAM));
    if (!inbound) {
      chainIgnored.put("transport_socket", "the outbound side's listener: TLS from the application"
          + " to itself has no meaning in-process (clusters[].tls covers the calls it makes)");
    }
    Fields.walk(s, cp, chain, inbound ? Set.of("filters", "filter_chain_match", "transport_socket")
        : Set.of("filters", "filter_chain_match"), chainIgnored);
    chainMatch(s, cp, chain, permissive || (inbound && chain.hasTransportSocket()
        && TlsTranslator.isTls(chain.getTransportSocket())
        && List.of("", "tls").contains(chain.getFilterChainMatch().getTransportProtocol())));
    if (inbound && chain.hasTransportSocket()) {
      InboundTlsConfig t = tls.downstream(s, join(cp, "transport_socket"),
          chain.getTransportSocket(), permissive, l.getName());
      if (t != null) {
        if (inboundTls == null) {
          inboundTls = t;
          inboundTlsWhere = l.getName();
        } else if (!inboundTls.equals(t)) {
          s.reject(join(cp, "transport_socket"), "its inbound.tls (mode " + t.mode().configName()
              + ", source " + t.source() + ") differs from that of listener " + inboundTlsWhere
              + " (mode " + inboundTls.mode().configName() + ", source " + inboundTls.source()
              + "); mesh4j has one inbound.tls");
        }
      }
    }
    List<VirtualHostConfig> out = null;
    for (int i = 0; i < chain.getFiltersCount(); i++) {
      Filter f = chain.getFilters(i);
      String fp = index(cp, "filters", i);
      Fields.walk(s, fp, f, Set.of("name", "typed_config"), Map.of());
      HttpConnectionManager hcm = f.hasTypedConfig()
          ? Protos.unpack(f.getTypedConfig(), HttpConnectionManager.class) : null;
      if (hcm == null) {
        s.reject(fp, f.getName() + (f.hasTypedConfig() ? " (" + Protos.typeName(f.getTypedConfig())
            + ")" : "") + ": mesh4j handles HTTP only (expected an HttpConnectionManager)");
        continue;
      }
      if (out != null) {
        s.reject(fp, "a second HttpConnectionManager");
        continue;
      }
      out = connectionManager(s, join(fp, "typed_config"), hcm, routes);
    }
    if (out == null) {
      s.reject(join(cp, "filters"), "no HttpConnectionManager");
      return List.of();
    }
    return out;
  }

  /**
   * A filter chain's match: chains are not selected, so none may be set, except on an inbound TLS
   * chain or a permissive pair ({@code protocolOnly}) a {@code transport_protocol} (the TLS /
   * plaintext split the transport sockets already express) and ALPN names.
   */
  private static void chainMatch(Issues.Scope s, String cp, FilterChain chain,
      boolean protocolOnly) {
    if (!chain.hasFilterChainMatch()) return;
    FilterChainMatch m = protocolOnly ? chain.getFilterChainMatch().toBuilder()
        .clearTransportProtocol().clearApplicationProtocols().build() : chain.getFilterChainMatch();
    if (!m.equals(FilterChainMatch.getDefaultInstance())) {
      s.reject(join(cp, "filter_chain_match"), "mesh4j does not select filter chains");
    }
  }

  private List<VirtualHostConfig> connectionManager(Issues.Scope s, String p,
      HttpConnectionManager h, RouteTranslator routes) {
    Fields.walk(s, p, h, HCM_HANDLED, HCM_IGNORED);
    pathOptions(s, p, h);
    boolean faultFilter = false;
    FaultSetting faultDefault = FaultSetting.NONE;
    boolean router = false;
    for (int i = 0; i < h.getHttpFiltersCount(); i++) {
      HttpFilter f = h.getHttpFilters(i);
      String fp = index(p, "http_filters", i);
      Fields.walk(s, fp, f, Set.of("name", "typed_config", "is_optional", "disabled"), Map.of());
      Any cfg = f.getTypedConfig();
      Router r = f.hasTypedConfig() ? Protos.unpack(cfg, Router.class) : null;
      if (r != null || (!f.hasTypedConfig() && f.getName().equals("envoy.filters.http.router"))) {
        if (r != null) Fields.walk(s, join(fp, "typed_config"), r, Set.of(), ROUTER_IGNORED);
        router = true;
        continue;
      }
      HTTPFault fault = f.hasTypedConfig() ? Protos.unpack(cfg, HTTPFault.class) : null;
      if (fault != null || (!f.hasTypedConfig() && f.getName().equals(RouteTranslator.FAULT_FILTER))) {
        faultFilter = true;
        if (fault != null && !f.getDisabled()) {
          var fc = RouteTranslator.fault(s, join(fp, "typed_config"), fault);
          if (fc != null) faultDefault = new FaultSetting(fc, false);
        }
        continue;
      }
      String what = f.getName() + (f.hasTypedConfig() ? " (" + Protos.typeName(cfg) + ")" : "");
      if (f.getIsOptional() || f.getDisabled()) {
        s.ignore(fp, what + ": not run by mesh4j (the filter is "
            + (f.getIsOptional() ? "optional" : "disabled") + ")");
      } else {
        s.reject(fp, what + ": " + Fields.NOT_SUPPORTED);
      }
    }
    if (!router && h.getHttpFiltersCount() > 0) {
      s.reject(join(p, "http_filters"), "no envoy.filters.http.router (Envoy would not route)");
    }
    ListenerContext ctx = new ListenerContext(faultFilter, faultDefault);
    if (h.hasRouteConfig()) {
      return routes.translate(s, join(p, "route_config"), h.getRouteConfig(), ctx);
    }
    if (h.hasRds()) {
      Fields.walk(s, join(p, "rds"), h.getRds(), Set.of("route_config_name"), Map.of(
          "config_source", "route configurations come over the same ADS stream or from the "
              + "static resources"));
      String name = h.getRds().getRouteConfigName();
      RouteConfiguration rc = routeConfigs.get(name);
      if (rc == null) {
        s.reject(join(p, "rds.route_config_name"), "\"" + name + "\": no such route configuration");
        return List.of();
      }
      return routes.translate(issues.scope("RouteConfiguration", name), "", rc, ctx);
    }
    s.reject(p, "no route_config or rds (scoped routes are not supported)");
    return List.of();
  }

  /**
   * Reads {@code normalize_path}, {@code merge_slashes} and {@code path_with_escaped_slashes_action}
   * into {@link PathNormalizationConfig}. A field left unset keeps mesh4j's safe default (Envoy's
   * own defaults are the unsafe ones); {@code merge_slashes: false} cannot be told from unset in
   * proto3, so it too keeps the default ({@code true}). mesh4j has one {@code path_normalization}
   * for both sides, so two connection managers that would set different options are refused, naming
   * both.
   */
  private void pathOptions(Issues.Scope s, String p, HttpConnectionManager h) {
    if (!h.hasNormalizePath() && !h.getMergeSlashes()
        && h.getPathWithEscapedSlashesActionValue() == 0) {
      return;
    }
    PathNormalizationConfig d = PathNormalizationConfig.DEFAULT;
    boolean normalize = h.hasNormalizePath() ? h.getNormalizePath().getValue() : d.normalizePath();
    PathNormalizationConfig.EscapedSlashes escaped = switch (h.getPathWithEscapedSlashesAction()) {
      case IMPLEMENTATION_SPECIFIC_DEFAULT -> d.escapedSlashes();
      case KEEP_UNCHANGED -> PathNormalizationConfig.EscapedSlashes.KEEP_UNCHANGED;
      case REJECT_REQUEST -> PathNormalizationConfig.EscapedSlashes.REJECT_REQUEST;
      case UNESCAPE_AND_REDIRECT -> PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_REDIRECT;
      case UNESCAPE_AND_FORWARD -> PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_FORWARD;
      case UNRECOGNIZED -> null;
    };
    if (escaped == null) {
      s.reject(join(p, "path_with_escaped_slashes_action"), "unknown value "
          + h.getPathWithEscapedSlashesActionValue() + " (expected KEEP_UNCHANGED, REJECT_REQUEST, "
          + "UNESCAPE_AND_REDIRECT or UNESCAPE_AND_FORWARD)");
      return;
    }
    PathNormalizationConfig mine = new PathNormalizationConfig(normalize, true, escaped);
    String where = s.type() + " " + s.name() + " " + p;
    if (paths == null) {
      paths = mine;
      pathsWhere = where;
      pathsScope = s;
      pathsField = p;
    } else if (!paths.equals(mine)) {
      s.reject(p, "its path options (" + describe(mine) + ") differ from those of " + pathsWhere
          + " (" + describe(paths) + "); mesh4j has one path_normalization for both sides");
    }
  }

  /**
   * The translation's {@code path_normalization}: the base's when it sets anything (the file
   * wins, as for its other settings), else the connection managers', else the default.
   */
  private PathNormalizationConfig pathNormalization() {
    PathNormalizationConfig fromBase = base != null ? base.pathNormalization() : null;
    if (fromBase != null && !fromBase.equals(PathNormalizationConfig.DEFAULT)) {
      if (paths != null && !paths.equals(fromBase)) {
        pathsScope.ignore(pathsField, "path options ("
            + describe(paths) + "): the file's path_normalization (" + describe(fromBase)
            + ") wins");
      }
      return fromBase;
    }
    return paths != null ? paths : PathNormalizationConfig.DEFAULT;
  }

  private static String describe(PathNormalizationConfig c) {
    return "normalize_path: " + c.normalizePath() + ", merge_slashes: " + c.mergeSlashes()
        + ", path_with_escaped_slashes_action: " + c.escapedSlashes().configName();
  }
}
