package io.mesh4j.cli;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.internal.EndpointInternals;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs requests through the real routing and picking path of a config, with every endpoint
 * healthy except the ones named down, and records where each request went.
 *
 * <p>The mesh is built exactly as an application would build it (same route tables, same
 * registry, same pickers, same panic threshold), on simulated time: active health checking is
 * replaced by a probe that fails the down endpoints once, so panic mode behaves as in
 * production. Outlier detection is left out: simulated requests never fail.
 *
 * <h2>Latency</h2>
 *
 * With {@link Load} (the {@code --latency} and {@code --concurrency} options) the requests are
 * not picked back to back but run by a small discrete-event simulation on the same virtual clock:
 * {@code concurrency} callers in a closed loop, each starting its next request when the previous
 * one ends; a request to an endpoint lasts that endpoint's latency, counts as in flight on the
 * endpoint meanwhile ({@code least_request}, {@code peak_ewma} see it), and reports its latency
 * when it ends, exactly as the attempt loop does ({@code peak_ewma} learns from it). The run is
 * deterministic for a seed. It reports each endpoint's share, and the mean, p50 and p99 latency
 * and throughput of the requests that reached an endpoint.
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
      Map<String, String> localityShares, LatencySummary latency) {}

  /**
   * How to load the endpoints: {@code latencies} by endpoint address (the others answer in {@code
   * defaultLatency}), with {@code concurrency} callers.
   */
  record Load(Map<String, Duration> latencies, Duration defaultLatency, int concurrency) {}

  /**
   * What the latency simulation measured over the requests that reached an endpoint.
   *
   * @param elapsedNanos virtual time from the first request to the last one's end
   */
  record LatencySummary(int concurrency, long requests, long elapsedNanos, double meanNanos,
      long p50Nanos, long p99Nanos, Map<String, Long> latencyNanos) {
    double throughput() {
      return elapsedNanos == 0 ? 0 : requests * 1e9 / elapsedNanos;
    }
  }

  static Result run(
      MeshConfig config, boolean inbound, RequestView request, int n, Set<String> down, long seed) {
    return run(config, inbound, request, n, down, seed, null);
  }

  /** As {@link #run(MeshConfig, boolean, RequestView, int, Set, long)}, as a service in {@code self}. */
  static Result run(MeshConfig config, boolean inbound, RequestView request, int n,
      Set<String> down, long seed, io.mesh4j.config.Locality self) {
    return run(config, inbound, request, n, down, seed, self, null);
  }

  /**
   * As {@link #run(MeshConfig, boolean, RequestView, int, Set, long, io.mesh4j.config.Locality)},
   * under {@code load} when it is not {@code null}.
   */
  static Result run(MeshConfig config, boolean inbound, RequestView request, int n,
      Set<String> down, long seed, io.mesh4j.config.Locality self, Load load) {
    checkAddresses("--down", down, config);
    if (load != null) checkAddresses("--latency", load.latencies().keySet(), config);
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
      LatencySummary latency = null;
      if (load == null) {
        for (int i = 0; i < n; i++) {
          Destination d = canonical == null
              ? new Destination(refusal(snapshot, request), null, null)
              : destination(table.match(canonical), snapshot, canonical, context);
          sequence.add(d.label);
          counts.merge(d.label, 1, Integer::sum);
        }
      } else {
        latency = simulateLoad(n, load, time, () -> canonical == null
            ? new Destination(refusal(snapshot, request), null, null)
            : destination(table.match(canonical), snapshot, canonical, context),
            sequence, counts);
      }
      Map<String, String> shares = new LinkedHashMap<>();
      for (ClusterConfig c : config.clusters()) {
        Cluster cluster = snapshot.cluster(c.name());
        if (cluster != null && cluster.localityShares() != null) {
          shares.put(c.name(), cluster.localityShares().toString());
        }
      }
      return new Result(sequence, counts, shares, latency);
    } finally {
      mesh.close();
    }
  }

  private static void checkAddresses(String option, Set<String> addresses, MeshConfig config) {
    Set<String> unknown = new HashSet<>(addresses);
    for (ClusterConfig c : config.clusters()) {
      for (EndpointConfig e : c.endpoints()) unknown.remove(e.address());
    }
    if (!unknown.isEmpty()) {
      throw new UsageException(option + ": no endpoint has the address "
          + String.join(", ", unknown.stream().sorted().toList()));
    }
  }

  /** Where one request went: its label, and the endpoint and its cluster when it reached one. */
  private record Destination(String label, Cluster cluster, Endpoint endpoint) {}

  /** A request in flight in the latency simulation. */
  private record Flight(long end, long seq, long start, Destination to) {}

  /**
   * The closed loop of {@link Load}: {@code concurrency} callers, {@code n} requests, on the
   * virtual clock {@code time}; each request is in flight on its endpoint for the endpoint's
   * latency and reports it at its end as the attempt loop reports an attempt.
   */
  private static LatencySummary simulateLoad(int n, Load load, ManualScheduler time,
      Supplier<Destination> next, List<String> sequence, Map<String, Integer> counts) {
    PriorityQueue<Flight> flying = new PriorityQueue<>(
        Comparator.comparingLong(Flight::end).thenComparingLong(Flight::seq));
    TreeMap<Long, Long> histogram = new TreeMap<>();
    Map<String, Long> latencyOf = new LinkedHashMap<>();
    long started = 0;
    long reached = 0;
    double sum = 0;
    long first = time.read();
    long last = first;
    while (started < n || !flying.isEmpty()) {
      while (started < n && flying.size() < load.concurrency()) {
        Destination d = next.get();
        sequence.add(d.label);
        counts.merge(d.label, 1, Integer::sum);
        started++;
        if (d.endpoint == null) continue; // answered without an endpoint: takes no time
        Duration l = load.latencies().getOrDefault(d.endpoint.address(), load.defaultLatency());
        latencyOf.put(d.label, l.toNanos());
        EndpointInternals.requestStarted(d.endpoint);
        flying.add(new Flight(time.read() + l.toNanos(), started, time.read(), d));
      }
      Flight f = flying.poll();
      if (f == null) break;
      if (f.end > time.read()) time.advance(Duration.ofNanos(f.end - time.read()));
      long took = f.end - f.start;
      Endpoint e = f.to.endpoint;
      EndpointInternals.requestFinished(e);
      EndpointInternals.recordLatency(e, 200, Failure.NONE, took, f.end);
      ClusterInternals.onOutcome(f.to.cluster, e, 200, Failure.NONE, took);
      histogram.merge(took, 1L, Long::sum);
      sum += took;
      reached++;
      last = f.end;
    }
    return new LatencySummary(load.concurrency(), reached, last - first,
        reached == 0 ? 0 : sum / reached, quantile(histogram, reached, 0.50),
        quantile(histogram, reached, 0.99), latencyOf);
  }

  /** The smallest latency at or below which at least {@code q} of the {@code total} samples lie. */
  private static long quantile(TreeMap<Long, Long> histogram, long total, double q) {
    if (total == 0) return 0;
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (Map.Entry<Long, Long> e : histogram.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) return e.getKey();
    }
    return histogram.lastKey();
  }

  private static String refusal(MeshSnapshot snapshot, RequestView request) {
    String target = snapshot.requestPath().redirect(request.path());
    if (target != null) return "(redirect 307 to " + target + ")";
    PathRefusal why = snapshot.requestPath().refusal(request.path());
    return "(path refused: " + (why == null ? "not-absolute" : why.tag()) + ")";
  }

  private static Destination destination(
      RouteMatch match, MeshSnapshot snapshot, RequestView request, PickContext context) {
    if (!match.isRouted()) {
      return new Destination(
          match.outcome() == RouteMatch.Outcome.NOT_MESH ? "(not a mesh call)" : "(no route)",
          null, null);
    }
    RouteAction action = match.route().action();
    String cluster;
    if (action instanceof RouteAction.Forward f) {
      cluster = f.cluster();
    } else if (action instanceof RouteAction.Split s) {
      cluster = s.pickCluster();
    } else if (action instanceof RouteAction.Redirect r) {
      return new Destination("(redirect " + r.code() + " " + r.location(request) + ")", null, null);
    } else if (action instanceof RouteAction.Respond r) {
      return new Destination("(respond " + r.status() + ")", null, null);
    } else {
      return new Destination("(pass to the application)", null, null);
    }
    Cluster c = snapshot.cluster(cluster);
    PickResult pick = c == null ? PickResult.NONE : c.pick(context);
    return pick.hasEndpoint()
        ? new Destination(cluster + "/" + pick.endpoint().address(), c, pick.endpoint())
        : new Destination(cluster + "/(no usable endpoint)", null, null);
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
              c.peakEwma(), c.tls()));
    }
    return new MeshConfig(
        config.version(), config.service(), clusters, config.outbound(), config.inbound(),
        config.propagate(), config.admin(), config.policies(),
        config.pathNormalization(), config.locality());
  }
}
