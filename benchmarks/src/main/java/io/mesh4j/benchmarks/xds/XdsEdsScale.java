package io.mesh4j.benchmarks.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.xds.XdsBootstrap;
import io.mesh4j.xds.XdsClient;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * EDS at scale: one cluster of N endpoints (default 10,000) pushed by Envoy's java-control-plane
 * (in this JVM, over loopback gRPC) to an {@link XdsClient} feeding a {@link Mesh}. Prints:
 *
 * <ul>
 *   <li>apply time: from the DiscoveryResponse reaching the client (decoded by gRPC) to the new
 *       picker being live ({@link XdsClient#lastApplyDuration()}), and from the control plane's
 *       setSnapshot to the client reporting the version in force (adds serialisation, transfer and
 *       decoding of the response), for the first push and for later pushes that change weights or
 *       remove an endpoint;
 *   <li>heap per endpoint: the mesh alone (a second mesh built from the same config), and the
 *       mesh plus the xDS client's copy of the resources;
 *   <li>pick latency on the updated cluster (one thread, weighted round robin).
 * </ul>
 *
 * <pre>
 * benchmarks/run-xds-eds.sh            # = java -cp benchmarks/target/benchmarks.jar io.mesh4j.benchmarks.xds.XdsEdsScale 10000 12
 * </pre>
 */
public final class XdsEdsScale {
  private static final ConfigSource ADS =
      ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

  private XdsEdsScale() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;

    SimpleCache<String> cache = new SimpleCache<>(node -> "bench");
    V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {}

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}
    }, cache);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(64 << 20)
        .addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();

    long heap0 = usedHeap();
    Mesh mesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: bench\n")).build();
    XdsBootstrap bootstrap = XdsBootstrap.builder().server("127.0.0.1:" + server.getPort())
        .nodeId("bench-1").outbound("outbound").build();
    XdsClient xds = XdsClient.start(bootstrap, mesh);

    List<Double> applyMs = new ArrayList<>();
    List<Double> cpuMs = new ArrayList<>();
    List<Double> e2eMs = new ArrayList<>();
    double firstApply = 0;
    double firstE2e = 0;
    long heapAfterFirst = 0;
    for (int r = 1; r <= rounds; r++) {
      // Odd rounds change every weight; even rounds also drop one endpoint.
      int size = r % 2 == 0 ? n - 1 : n;
      String version = "v" + r;
      Snapshot s = snapshot(version, n, size, r);
      long t0 = System.nanoTime();
      cache.setSnapshot("bench", s);
      boolean ok = xds.awaitStatus(st -> st.types().get("ClusterLoadAssignment").version()
          .equals(version) && st.types().get("Cluster").version().equals(version),
          Duration.ofSeconds(120));
      long t1 = System.nanoTime();
      if (!ok) throw new IllegalStateException("version " + version + " not applied: " + xds.status());
      io.mesh4j.cluster.Cluster big = mesh.cluster("big");
      if (big.endpoints().size() != size) {
        throw new IllegalStateException("expected " + size + " endpoints, got " + big.endpoints().size());
      }
      double apply = xds.lastApplyDuration().toNanos() / 1e6;
      double cpu = xds.lastApplyCpuTime().toNanos() / 1e6;
      double e2e = (t1 - t0) / 1e6;
      if (r == 1) {
        firstApply = apply;
        firstE2e = e2e;
        heapAfterFirst = usedHeap();
      } else if (r > rounds / 2) {
        // The second half: after the JIT has compiled the translation and reload paths.
        cpuMs.add(cpu);
        applyMs.add(apply);
        e2eMs.add(e2e);
      }
    }

    // The mesh alone: a second mesh serving the same config.
    MeshConfig config = mesh.current().config();
    long heapBefore2 = usedHeap();
    Mesh alone = Mesh.of(config);
    long heapAfter2 = usedHeap();

    double nsPerPick = pickLatency(mesh.cluster("big"));

    System.out.printf(Locale.ROOT, "endpoints: %,d in one EDS cluster; %d pushes%n", n, rounds);
    System.out.printf(Locale.ROOT,
        "apply (response received -> picker live), wall: first %.1f ms; warm pushes median %.1f ms,"
            + " max %.1f ms%n", firstApply, median(applyMs), max(applyMs));
    System.out.printf(Locale.ROOT,
        "apply, CPU time of the applying thread: warm pushes median %.1f ms, max %.1f ms%n",
        median(cpuMs), max(cpuMs));
    System.out.printf(Locale.ROOT, "load average at the end: %.1f on %d cores%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT,
        "setSnapshot -> version in force (incl. serialise, loopback, decode): first %.1f ms;"
            + " warm median %.1f ms, max %.1f ms%n", firstE2e, median(e2eMs), max(e2eMs));
    System.out.printf(Locale.ROOT, "heap per endpoint: mesh alone %.0f B; mesh + xDS client %.0f B%n",
        (heapAfter2 - heapBefore2) / (double) n, (heapAfterFirst - heap0) / (double) n);
    System.out.printf(Locale.ROOT, "pick latency after the update (1 thread, weighted round robin):"
        + " %.1f ns/pick%n", nsPerPick);

    alone.close();
    xds.close();
    mesh.close();
    server.shutdownNow();
  }

  static Snapshot snapshot(String version, int n, int size, int round) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int i = 0; i < size; i++) {
      String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
      l.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
              SocketAddress.newBuilder().setAddress(ip).setPortValue(8080))))
          .setLoadBalancingWeight(UInt32Value.of(1 + (i + round) % 10)));
    }
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder().setClusterName("big").addEndpoints(l).build();
    Cluster cluster = Cluster.newBuilder().setName("big").setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS)).build();
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("out")
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName("routes"))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    Listener listener = Listener.newBuilder().setName("outbound")
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
        .build();
    RouteConfiguration routes = RouteConfiguration.newBuilder().setName("routes")
        .addVirtualHosts(VirtualHost.newBuilder().setName("big").addDomains("big")
            .addRoutes(Route.newBuilder().setName("all").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("big"))))
        .build();
    return Snapshot.create(List.of(cluster), List.of(cla), List.of(listener), List.of(routes),
        List.of(), version);
  }

  static double pickLatency(io.mesh4j.cluster.Cluster c) {
    PickContext ctx = PickContext.EMPTY;
    long sink = 0;
    for (int i = 0; i < 5_000_000; i++) sink += pick(c, ctx);
    int picks = 20_000_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < picks; i++) sink += pick(c, ctx);
    long t1 = System.nanoTime();
    if (sink == 42) System.out.println();
    return (t1 - t0) / (double) picks;
  }

  private static int pick(io.mesh4j.cluster.Cluster c, PickContext ctx) {
    PickResult r = c.pick(ctx);
    return r.hasEndpoint() ? r.endpoint().port() : 0;
  }

  static long usedHeap() throws InterruptedException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return best;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length == 0 ? 0 : a[a.length / 2];
  }

  static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
