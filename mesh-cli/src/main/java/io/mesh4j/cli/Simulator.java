package io.mesh4j.cli;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.route.RouteTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Runs requests through the real routing and picking path of a config, with every endpoint
 * healthy except the ones named down, and records where each request went.
 *
 * <p>The mesh is built exactly as an application would build it (same route tables, same
 * registry, same pickers, same panic threshold), on simulated time: active health checking is
 * replaced by a probe that fails the down endpoints once, so panic mode behaves as in
 * production. Outlier detection is left out: simulated requests have no outcomes.
 */
final class Simulator {
  private static final String PROBE = "mesh4j-simulate";

  /**
   * What a simulation saw.
   *
   * @param localityShares each cluster with {@code locality_lb}: its {@link
   *     io.mesh4j.lb.LocalityShares} as text (levels, loads, panic, zone routing, shares)
   */
  record Result(List<String> sequence, Map<String, Integer> counts,
      Map<String, String> localityShares) {}

  static Result run(
      MeshConfig config, boolean inbound, RequestView request, int n, Set<String> down, long seed) {
    return run(config, inbound, request, n, down, seed, null);
  }

  /** As {@link #run(MeshConfig, boolean, RequestView, int, Set, long)}, as a service in {@code self}. */
  static Result run(MeshConfig config, boolean inbound, RequestView request, int n,
      Set<String> down, long seed, io.mesh4j.config.Locality self) {
    Set<String> unknown = new HashSet<>(down);
    for (ClusterConfig c : config.clusters()) {
      for (EndpointConfig e : c.endpoints()) unknown.remove(e.address());
    }
    if (!unknown.isEmpty()) {
      throw new UsageException("--down: no endpoint has the address " + String.join(", ", unknown.stream().sorted().toList()));
    }
    ManualScheduler time = new ManualScheduler();
    Mesh.Builder builder = Mesh.builder();
    if (self != null) builder.locality(() -> self);
    Mesh mesh =
        builder
            .config(withSimulatedHealth(config))
            .ticker(time)
            .scheduler(time)
            .random(new Random(seed))
            .healthProbe(
                PROBE,
                (endpoint, hc) ->
                    CompletableFuture.completedFuture(
                        down.contains(endpoint.address())
                            ? ProbeResult.unhealthy("--down")
                            : ProbeResult.healthy()))
            .build();
    try {
      time.advance(Duration.ofSeconds(3)); // every endpoint checked once
      MeshSnapshot snapshot = mesh.current();
      RouteTable table = inbound ? snapshot.inbound() : snapshot.outbound();
      PickContext context = () -> request;
      List<String> sequence = new ArrayList<>(n);
      Map<String, Integer> counts = new LinkedHashMap<>();
      RequestView canonical = snapshot.requestPath().canonicalView(request);
      for (int i = 0; i < n; i++) {
        String where = canonical == null
            ? refusal(snapshot, request)
            : destination(table.match(canonical), snapshot, canonical, context);
        sequence.add(where);
        counts.merge(where, 1, Integer::sum);
      }
      Map<String, String> shares = new LinkedHashMap<>();
      for (ClusterConfig c : config.clusters()) {
        Cluster cluster = snapshot.cluster(c.name());
        if (cluster != null && cluster.localityShares() != null) {
          shares.put(c.name(), cluster.localityShares().toString());
        }
      }
      return new Result(sequence, counts, shares);
    } finally {
      mesh.close();
    }
  }

  private static String refusal(MeshSnapshot snapshot, RequestView request) {
    String target = snapshot.requestPath().redirect(request.path());
    if (target != null) return "(redirect 307 to " + target + ")";
    PathRefusal why = snapshot.requestPath().refusal(request.path());
    return "(path refused: " + (why == null ? "not-absolute" : why.tag()) + ")";
  }

  private static String destination(
      RouteMatch match, MeshSnapshot snapshot, RequestView request, PickContext context) {
    if (!match.isRouted()) {
      return match.outcome() == RouteMatch.Outcome.NOT_MESH ? "(not a mesh call)" : "(no route)";
    }
    RouteAction action = match.route().action();
    String cluster;
    if (action instanceof RouteAction.Forward f) {
      cluster = f.cluster();
    } else if (action instanceof RouteAction.Split s) {
      cluster = s.pickCluster();
    } else if (action instanceof RouteAction.Redirect r) {
      return "(redirect " + r.code() + " " + r.location(request) + ")";
    } else if (action instanceof RouteAction.Respond r) {
      return "(respond " + r.status() + ")";
    } else {
      return "(pass to the application)";
    }
    Cluster c = snapshot.cluster(cluster);
    PickResult pick = c == null ? PickResult.NONE : c.pick(context);
    return pick.hasEndpoint() ? cluster + "/" + pick.endpoint().address() : cluster + "/(no usable endpoint)";
  }

  private static MeshConfig withSimulatedHealth(MeshConfig config) {
    HealthCheckConfig hc =
        new HealthCheckConfig(PROBE, "/", Duration.ofSeconds(1), Duration.ofMillis(500), 1, 1, null);
    List<ClusterConfig> clusters = new ArrayList<>();
    for (ClusterConfig c : config.clusters()) {
      clusters.add(
          new ClusterConfig(
              c.name(), c.lb(), c.endpoints(), hc, null, c.circuitBreaker(), c.retry(),
              c.timeout(), c.panicThreshold(), Duration.ZERO, c.hashOn(), null, c.localityLb(),
              c.peakEwma()));
    }
    return new MeshConfig(
        config.version(), config.service(), clusters, config.outbound(), config.inbound(),
        config.propagate(), config.admin(), config.policies(),
        config.pathNormalization(), config.locality());
  }
}
