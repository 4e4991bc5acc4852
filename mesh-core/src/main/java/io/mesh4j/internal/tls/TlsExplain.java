package io.mesh4j.internal.tls;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.TlsConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.route.Explanation;
import io.mesh4j.route.RouteTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code explain} says about the TLS of the clusters a request is sent to: for each TLS
 * cluster of the {@link Explanation}, its mode, identity source and {@code tls.verify}, the
 * matched outbound route's {@code verify} (which narrows it for requests on that route), and,
 * when a running mesh is at hand ({@code /mesh/explain}), the server identities refused: how many
 * handshakes the cluster's check refused and the last refusal of each endpoint. {@code mesh4j
 * explain} reads a config file, so it shows the configuration only.
 *
 * <p>Added to {@link Explanation#toCompactJsonMap()} as {@code "tls"} (absent when no cluster of
 * the answer speaks TLS) and to {@link Explanation#toText()} as {@code tls:} lines, by the CLI and
 * the admin alike. Stateless.
 *
 * <p>Engine internal: public only for the CLI and the admin page.
 */
public final class TlsExplain {
  private TlsExplain() {}

  /**
   * One map per TLS cluster of {@code e}, in the explanation's cluster order; empty when none
   * speaks TLS.
   *
   * @param config the config {@code e} was explained against
   * @param live the running mesh's TLS state, or {@code null} (a config file: no refusals)
   */
  public static List<Map<String, Object>> json(MeshConfig config, Explanation e, MeshTls live) {
    List<Map<String, Object>> out = new ArrayList<>();
    TlsConfig.Verify routeVerify = routeVerify(config, e);
    for (String name : e.clusters()) {
      ClusterConfig c = config.cluster(name);
      if (c == null || !c.tls().enabled()) continue;
      TlsConfig t = c.tls();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cluster", name);
      m.put("mode", t.mode().configName());
      m.put("source", t.source());
      m.put("verify", MeshTls.verification(t.verify()).describe());
      if (routeVerify != null) {
        m.put("route_verify", MeshTls.verification(routeVerify).describe());
      }
      ClusterTls ct = live == null ? null : live.client(name);
      if (ct != null) {
        m.put("handshakes_refused", ct.refusedCount());
        List<Map<String, Object>> refusals = new ArrayList<>();
        for (ClusterTls.EndpointRefusal r : ct.endpointRefusals().values()) {
          refusals.add(refusal(r));
        }
        m.put("refused_endpoints", refusals);
      }
      out.add(m);
    }
    return out;
  }

  /** {@code r} as the admin and explain show it. */
  public static Map<String, Object> refusal(ClusterTls.EndpointRefusal r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", r.endpoint());
    m.put("presented", r.presented());
    m.put("allowed", r.allowed());
    m.put("by", r.by());
    m.put("at", r.at().toString());
    m.put("count", r.count());
    return m;
  }

  /** {@code e}'s JSON with {@code "tls"} added when a cluster of it speaks TLS. */
  public static Map<String, Object> compactJson(MeshConfig config, Explanation e, MeshTls live) {
    Map<String, Object> m = e.toCompactJsonMap();
    List<Map<String, Object>> tls = json(config, e, live);
    if (!tls.isEmpty()) m.put("tls", tls);
    return m;
  }

  /** {@code e}'s text with a {@code tls:} line per TLS cluster (and one per refused endpoint). */
  public static String text(MeshConfig config, Explanation e, MeshTls live) {
    StringBuilder b = new StringBuilder(e.toText());
    for (Map<String, Object> m : json(config, e, live)) {
      b.append("tls: cluster ").append(m.get("cluster")).append(": ").append(m.get("mode"))
          .append(" (source ").append(m.get("source")).append("), verify ")
          .append(m.get("verify"));
      if (m.containsKey("route_verify")) {
        b.append("; route verify ").append(m.get("route_verify"));
      }
      b.append('\n');
      if (m.containsKey("handshakes_refused")) {
        b.append("  handshakes refused: ").append(m.get("handshakes_refused")).append('\n');
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> refused = (List<Map<String, Object>>) m.get("refused_endpoints");
        for (Map<String, Object> r : refused) {
          b.append("  refused ").append(r.get("endpoint")).append(' ').append(r.get("count"))
              .append("x, last at ").append(r.get("at")).append(" by ").append(r.get("by"))
              .append(": presented ").append(r.get("presented") == null ? "no identity"
                  : r.get("presented"))
              .append(", allowed ").append(r.get("allowed")).append('\n');
        }
      }
    }
    return b.toString();
  }

  /** The matched outbound route's {@code verify}, or {@code null}. */
  private static TlsConfig.Verify routeVerify(MeshConfig config, Explanation e) {
    if (e.direction() != RouteTable.Direction.OUTBOUND || e.route() == null
        || e.virtualHost() == null) {
      return null;
    }
    for (VirtualHostConfig vh : config.outbound().virtualHosts()) {
      if (!e.virtualHost().equals(vh.name())) continue;
      for (int i = 0; i < vh.routes().size(); i++) {
        RouteConfig r = vh.routes().get(i);
        String name = r.name() != null ? r.name() : "routes[" + i + "]";
        if (name.equals(e.route())) return r.verify();
      }
    }
    return null;
  }
}
