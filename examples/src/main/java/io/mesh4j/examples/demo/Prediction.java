package io.mesh4j.examples.demo;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What the mesh should do with each {@link RequestKind}, worked out from the config in force with
 * the mesh's own route tables (the same ones the adapters use) and the configured weights. The
 * scenario checks what the traffic generator saw against this, so a config of your own
 * ({@code --config}) is checked against its own weights and routes, not the built-in ones.
 */
final class Prediction {
  /**
   * The expected outcome of one kind of request.
   *
   * @param status the status the generator should get; -1 when not predicted (any status below
   *     500 counts as a success)
   * @param location the expected {@code Location} of a redirect, or null
   * @param shares the expected share of requests each instance answers, by instance name, with
   *     {@link Frontend#APP} for the frontend's own servlet (empty when neither is involved);
   *     instances that must get nothing are absent
   * @param canaryUpstream whether the instance should see {@code x-canary: true}
   * @param answeredByMesh whether the frontend's mesh answers it (or forwards it) without the
   *     application
   * @param explanation how the prediction was reached, in words, for messages
   */
  record Expected(
      int status,
      String location,
      Map<String, Double> shares,
      boolean canaryUpstream,
      boolean answeredByMesh,
      String explanation) {

    /** Whether a response with this status and location is what was predicted. */
    boolean matches(int actualStatus, String actualLocation) {
      if (status < 0) return actualStatus > 0 && actualStatus < 500;
      if (actualStatus != status) return false;
      return location == null || location.equals(actualLocation);
    }

    /** The predicted answer in words ({@code 200}, {@code 301 -> /shop/items}, {@code < 500}). */
    String describe() {
      if (status < 0) return "a status below 500";
      return location == null ? Integer.toString(status) : status + " to " + location;
    }
  }

  private Prediction() {}

  /**
   * Predicts {@code kind} under {@code snapshot}.
   *
   * @param frontendAuthority the Host the generator sends to the frontend ({@code 127.0.0.1:18080})
   * @param instanceByPort the instance name listening on a port, or null for none
   */
  static Expected of(
      MeshSnapshot snapshot, RequestKind kind, String frontendAuthority,
      IntFunction<String> instanceByPort) {
    if (kind.upstreamPath == null) return inbound(snapshot, kind, frontendAuthority, instanceByPort);
    boolean carried = kind.canary && propagates(snapshot, RequestKind.CANARY_HEADER);
    View view = new View("inventory", kind.upstreamPath, carried ? "true" : null, null);
    RouteMatch match = snapshot.outbound().match(view);
    if (!match.isRouted()) {
      return new Expected(-1, null, Map.of(), carried, false,
          "GET http://inventory" + kind.upstreamPath + " matches no outbound route");
    }
    RouteAction action = match.route().action();
    Map<String, Double> shares = new LinkedHashMap<>();
    String how = "route " + match.virtualHost() + "/" + match.route().name() + ": " + action;
    if (action instanceof RouteAction.Forward forward) {
      addCluster(snapshot, forward.cluster(), 1.0, shares, instanceByPort);
    } else if (action instanceof RouteAction.Split split) {
      int total = 0;
      for (ActionConfig.WeightedCluster w : split.weights()) total += w.weight();
      for (ActionConfig.WeightedCluster w : split.weights()) {
        if (w.weight() > 0) addCluster(snapshot, w.cluster(), (double) w.weight() / total, shares, instanceByPort);
      }
    } else {
      return new Expected(-1, null, Map.of(), carried, false, how);
    }
    return new Expected(200, null, shares, carried, false, how);
  }

  private static Expected inbound(
      MeshSnapshot snapshot, RequestKind kind, String authority, IntFunction<String> instanceByPort) {
    View view = new View(authority, kind.path, null, "127.0.0.1");
    RouteMatch match = snapshot.inbound().match(view);
    if (!match.isRouted()) return local(kind, "no inbound route matches: passed to the application");
    String route = "inbound route " + match.virtualHost() + "/" + match.route().name();
    RouteAction action = match.route().action();
    if (action instanceof RouteAction.Redirect redirect) {
      return new Expected(redirect.code(), redirect.location(view), Map.of(), false, true,
          route + " redirects");
    }
    if (action instanceof RouteAction.Respond respond) {
      return new Expected(respond.status(), null, Map.of(), false, true, route + " responds");
    }
    if (action instanceof RouteAction.Forward forward) {
      // Forwarded by MeshFilter through mesh-gateway: the instances answer, never the application.
      Map<String, Double> shares = new LinkedHashMap<>();
      addCluster(snapshot, forward.cluster(), 1.0, shares, instanceByPort);
      return new Expected(200, null, shares, false, true, route + " forwards to " + forward.cluster());
    }
    if (action instanceof RouteAction.Split split) {
      // A split between clusters and (with a `local: true` entry) the application itself.
      int total = 0;
      for (ActionConfig.WeightedCluster w : split.weights()) total += w.weight();
      Map<String, Double> shares = new LinkedHashMap<>();
      boolean local = false;
      for (ActionConfig.WeightedCluster w : split.weights()) {
        if (w.weight() <= 0) continue;
        double share = (double) w.weight() / total;
        if (w.local()) {
          local = true;
          if (RequestKind.knownToTheApplication(kind.path)) shares.merge(Frontend.APP, share, Double::sum);
        } else {
          addCluster(snapshot, w.cluster(), share, shares, instanceByPort);
        }
      }
      // The application answers a path it does not know with 404, the instances with 200.
      int status = !local || RequestKind.knownToTheApplication(kind.path) ? 200 : -1;
      return new Expected(status, null, shares, false, !local, route + " splits: " + action);
    }
    return local(kind, route + " passes it to the application");
  }

  /** Handed to the frontend's own servlet, which knows {@code /shop/} and {@code /legacy/} only. */
  private static Expected local(RequestKind kind, String how) {
    if (RequestKind.knownToTheApplication(kind.path)) {
      return new Expected(200, null, Map.of(Frontend.APP, 1.0), false, false, how + ", which answers it");
    }
    return new Expected(404, null, Map.of(), false, false,
        how + ", which answers 404 (it knows /shop/ and /legacy/ only)");
  }

  private static void addCluster(
      MeshSnapshot snapshot, String name, double clusterShare, Map<String, Double> shares,
      IntFunction<String> instanceByPort) {
    ClusterConfig cluster = snapshot.config().cluster(name);
    if (cluster == null) return;
    int total = 0;
    for (EndpointConfig e : cluster.endpoints()) total += e.weight();
    for (EndpointConfig e : cluster.endpoints()) {
      String instance = instanceByPort.apply(e.port());
      String key = instance != null ? instance : e.address();
      shares.merge(key, clusterShare * e.weight() / total, Double::sum);
    }
  }

  /** Whether {@code propagate.headers} lists {@code header}. */
  static boolean propagates(MeshSnapshot snapshot, String header) {
    for (String h : snapshot.config().propagate().headers()) {
      if (h.toLowerCase(Locale.ROOT).equals(header)) return true;
    }
    return false;
  }

  /** A GET as the frontend's client (or the generator) sends it. */
  private record View(String authority, String path, String canary, String source)
      implements RequestView {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public String query() {
      return null;
    }

    @Override
    public String header(String name) {
      return switch (name) {
        case RequestKind.CANARY_HEADER -> canary;
        case ":method" -> "GET";
        case ":path" -> path;
        case ":authority" -> authority;
        case ":scheme" -> "http";
        case "host" -> authority;
        default -> null;
      };
    }

    @Override
    public String sourceAddress() {
      return source;
    }
  }
}
