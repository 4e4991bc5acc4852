package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.ConfigSourceStatus;
import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConcurrencyLimitConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.Secrets;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.ClusterResilience;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.internal.tls.ClusterTls;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteTable;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the JSON documents of {@code /mesh/clusters}, {@code /mesh/config} and {@code
 * /mesh/routes} from one snapshot. Stateless; field names are documented in {@code docs/admin.md}.
 */
final class StateJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private StateJson() {}

  /** The fields every document starts with: which config generation it describes. */
  private static ObjectNode header(Mesh mesh, MeshSnapshot s, Instant now) {
    ObjectNode o = F.objectNode();
    o.put("service", s.config().service());
    o.put("generation", s.generation());
    o.put("config_hash", s.configHash());
    o.put("draining", mesh.isDraining());
    o.put("now", now.toString());
    return o;
  }

  /** {@code /mesh/clusters}: every cluster in config order, each endpoint's live state. */
  static ObjectNode clusters(Mesh mesh, MeshSnapshot s) {
    Instant now = mesh.clock().instant();
    ObjectNode o = header(mesh, s, now);
    ArrayNode clusters = o.putArray("clusters");
    for (ClusterConfig cc : s.config().clusters()) {
      Cluster c = s.cluster(cc.name());
      if (c == null) continue;
      // statuses() first: usable/panic are read after it, so they are at least as new.
      List<EndpointStatus> statuses = c.statuses();
      ObjectNode n = clusters.addObject();
      n.put("name", c.name());
      n.put("lb", cc.lb().configName());
      n.put("panic", c.panic());
      n.put("panic_threshold", cc.panicThreshold());
      n.put("usable", c.usableCount());
      n.put("total", statuses.size());
      ClusterResilience r = MeshInternals.runtime(mesh).cluster(cc.name());
      if (r != null) {
        // The client side's concurrency limit, once a client has planned calls to the cluster.
        ObjectNode limit = n.putObject("concurrency");
        limit.put("limit", r.breaker.maxConcurrentRequests());
        limit.put("adaptive", r.breaker.isAdaptive());
        limit.put("active", r.breaker.activeRequests());
      }
      ArrayNode eps = n.putArray("endpoints");
      ClusterTls tls = MeshInternals.tls(mesh).client(cc.name());
      Map<String, ClusterTls.EndpointRefusal> refused =
          tls == null ? Map.of() : tls.endpointRefusals();
      for (EndpointStatus st : statuses) {
        ObjectNode ep = endpoint(st, now);
        if (tls != null) {
          // The last time the endpoint's server identity was refused (cluster or route verify).
          ClusterTls.EndpointRefusal last = refused.get(st.endpoint().address());
          if (last == null) {
            ep.putNull("peer_identity_refused");
          } else {
            ObjectNode o2 = ep.putObject("peer_identity_refused");
            if (last.presented() == null) o2.putNull("presented");
            else o2.put("presented", last.presented());
            o2.put("allowed", last.allowed());
            o2.put("by", last.by());
            o2.put("at", last.at().toString());
            o2.put("count", last.count());
          }
        }
        eps.add(ep);
      }
    }
    return o;
  }

  private static ObjectNode endpoint(EndpointStatus st, Instant now) {
    Endpoint e = st.endpoint();
    ObjectNode n = F.objectNode();
    n.put("address", e.address());
    if (e.zone() == null) n.putNull("zone"); else n.put("zone", e.zone());
    n.put("weight", e.weight());
    n.put("effective_weight", st.effectiveWeight());
    n.put("health", health(st));
    n.put("healthy", st.healthy());
    n.put("ejected", st.ejected());
    if (st.ejectionReason() == null) {
      n.putNull("ejection_reason");
      n.putNull("ejected_until");
    } else {
      n.put("ejection_reason", st.ejectionReason().tagValue());
      n.put("ejected_until", now.plus(st.ejectionRemaining()).toString());
    }
    n.put("ejection_remaining_ms", st.ejectionRemaining().toMillis());
    n.put("times_ejected", st.timesEjected());
    n.put("active_requests", e.activeRequests());
    n.put("successes", st.successes());
    n.put("failures", st.failures());
    return n;
  }

  /**
   * One word for the dashboard: {@code draining} (ejected because it said it drains), {@code
   * ejected} (outlier detection), {@code unhealthy} (active checks), else {@code healthy}.
   */
  static String health(EndpointStatus st) {
    if (st.ejected()) return st.ejectionReason() == EjectionReason.DRAINING ? "draining" : "ejected";
    return st.healthy() ? "healthy" : "unhealthy";
  }

  /** {@code /mesh/config}: the config in force (masked), where it came from, the last error. */
  static ObjectNode config(Mesh mesh, MeshSnapshot s) {
    ObjectNode o = header(mesh, s, mesh.clock().instant());
    o.put("loaded_at", s.loadedAt().toString());
    o.put("source", s.source());
    Mesh.ReloadError err = mesh.lastReloadError();
    if (err == null) {
      o.putNull("last_reload_error");
    } else {
      ObjectNode e = o.putObject("last_reload_error");
      e.put("source", err.source());
      e.put("at", err.at().toString());
      ArrayNode errors = e.putArray("errors");
      for (ConfigError ce : err.exception().errors()) {
        errors.addObject()
            .put("path", ce.path())
            .put("message", secretPath(ce.path())
                ? "(hidden: the value at this path may be a secret)"
                : ce.message());
      }
    }
    o.set("config_sources", configSources(mesh));
    o.set("config", ConfigJson.config(s.config()));
    return o;
  }

  /**
   * Every external config source registered on the mesh (e.g. {@code xds}) by name, each its
   * status tree as JSON with secret-looking fields masked; a status that throws shows as {@code
   * {"status_error": "..."}} instead of failing the page.
   */
  static ObjectNode configSources(Mesh mesh) {
    ObjectNode o = F.objectNode();
    for (Map.Entry<String, ConfigSourceStatus> e : mesh.configSources().entrySet()) {
      JsonNode status;
      try {
        status = tree(e.getValue().status());
      } catch (RuntimeException ex) {
        status = F.objectNode().put("status_error", String.valueOf(ex));
      }
      o.set(e.getKey(), ConfigJson.maskFields(status));
    }
    return o;
  }

  /** A JSON-like Java value (see {@link ConfigSourceStatus}) as a JSON node; others as text. */
  static JsonNode tree(Object v) {
    if (v == null) return F.nullNode();
    if (v instanceof String t) return F.textNode(t);
    if (v instanceof Boolean b) return F.booleanNode(b);
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return F.numberNode(((Number) v).longValue());
    }
    if (v instanceof Number n) return F.numberNode(n.doubleValue());
    if (v instanceof Map<?, ?> m) {
      ObjectNode o = F.objectNode();
      for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), tree(e.getValue()));
      return o;
    }
    if (v instanceof Iterable<?> it) {
      ArrayNode a = F.arrayNode();
      for (Object x : it) a.add(tree(x));
      return a;
    }
    return F.textNode(v.toString());
  }

  /** Whether a config error path points into a secret (its message may quote the value). */
  static boolean secretPath(String path) {
    String[] parts = path.split("[.\\[\\]\"']+");
    for (int i = 0; i < parts.length; i++) {
      if (Secrets.isSecretField(parts[i])) return true;
      boolean headerName = i > 0 && (parts[i - 1].equals("add") || parts[i - 1].equals("headers"));
      if (headerName && Secrets.isSecretHeader(parts[i])) return true;
    }
    return false;
  }

  /**
   * {@code /mesh/routes}: both compiled tables, virtual hosts in order with their domains and
   * routes (each in the config format plus the compiled {@code action} kind and target {@code
   * clusters}), and the outbound table's implicit per-cluster routes.
   */
  static ObjectNode routes(Mesh mesh, MeshSnapshot s) {
    ObjectNode o = header(mesh, s, mesh.clock().instant());
    o.set("outbound", table(s.outbound(), s.config().outbound().virtualHosts()));
    ObjectNode inbound = table(s.inbound(), s.config().inbound().virtualHosts());
    ConcurrencyLimitConfig cl = s.config().inbound().concurrencyLimit();
    if (cl != null) {
      ObjectNode limit = inbound.putObject("concurrency_limit");
      limit.put("algorithm", cl.algorithm().configName());
      limit.put("min", cl.min());
      limit.put("max", cl.max());
      MeshRuntime runtime = MeshInternals.runtime(mesh);
      double now = runtime.inboundLimit();
      if (!Double.isNaN(now)) {
        limit.put("limit", (int) now);
        limit.put("inflight", (int) runtime.inboundInflight());
      }
    }
    o.set("inbound", inbound);
    return o;
  }

  private static ObjectNode table(RouteTable table, List<VirtualHostConfig> hosts) {
    ObjectNode o = F.objectNode();
    ArrayNode vhs = o.putArray("virtual_hosts");
    List<Route> routes = table.routes();
    // routes() lists each virtual host's routes in config order, then the implicit ones.
    int next = 0;
    for (VirtualHostConfig vh : hosts) {
      ObjectNode v = vhs.addObject();
      v.put("name", vh.name());
      ArrayNode domains = v.putArray("domains");
      for (String d : vh.domains().isEmpty() ? List.of(vh.name()) : vh.domains()) domains.add(d);
      ArrayNode rs = v.putArray("routes");
      for (int i = 0; i < vh.routes().size() && next < routes.size(); i++) {
        rs.add(route(routes.get(next++)));
      }
    }
    if (table.direction() == RouteTable.Direction.OUTBOUND) {
      ArrayNode implicit = o.putArray("implicit_routes");
      for (; next < routes.size(); next++) {
        Route r = routes.get(next);
        if (r.isImplicit() && r.action() instanceof RouteAction.Forward f) {
          implicit.addObject().put("cluster", f.cluster());
        }
      }
    }
    return o;
  }

  private static ObjectNode route(Route r) {
    ObjectNode n = ConfigJson.route(r.config());
    if (r.name() != null) n.put("name", r.name());
    n.put("action", r.action().kind().name().toLowerCase(Locale.ROOT));
    ArrayNode clusters = n.putArray("clusters");
    if (r.action() instanceof RouteAction.ClusterTarget t) {
      for (String c : t.clusters()) clusters.add(c);
    }
    return n;
  }
}
