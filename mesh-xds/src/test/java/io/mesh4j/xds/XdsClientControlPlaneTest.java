package io.mesh4j.xds;

import static io.mesh4j.xds.Envoy.edsCluster;
import static io.mesh4j.xds.Envoy.endpoints;
import static io.mesh4j.xds.Envoy.listener;
import static io.mesh4j.xds.Envoy.prefix;
import static io.mesh4j.xds.Envoy.routes;
import static io.mesh4j.xds.Envoy.snapshot;
import static io.mesh4j.xds.Envoy.untranslatable;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against Envoy's java-control-plane on 127.0.0.1, with real backends behind the mesh
 * and traffic through MeshOkHttp.
 */
class XdsClientControlPlaneTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final String LDS = "Listener";
  static final String RDS = "RouteConfiguration";
  static final String CDS = "Cluster";
  static final String EDS = "ClusterLoadAssignment";

  final FakeTime meshTime = new FakeTime();
  final FakeTime xdsTime = new FakeTime();
  final MockWebServer a = backend("a");
  final MockWebServer b = backend("b");
  final MockWebServer c = backend("c");
  final MockWebServer d = backend("d");
  ControlPlane cp;
  Mesh mesh;
  XdsClient xds;
  OkHttpClient client;

  static MockWebServer backend(String name) {
    MockWebServer s = new MockWebServer();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(200).body(name).build();
      }
    });
    try {
      s.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return s;
  }

  @BeforeEach
  void start() throws Exception {
    cp = new ControlPlane();
    mesh = Mesh.builder()
        .config(ConfigLoader.load("version: 1\nservice: frontend\n"))
        .ticker(meshTime).scheduler(meshTime)
        .build();
    XdsBootstrap bootstrap = XdsBootstrap.builder()
        .server(cp.address()).nodeId("frontend-1").nodeCluster("frontend")
        .outbound("outbound")
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
        .build();
    xds = XdsClient.builder(bootstrap, mesh).scheduler(xdsTime).random(new Random(7)).start();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void stop() throws Exception {
    xds.close();
    mesh.close();
    cp.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    for (MockWebServer s : List.of(a, b, c, d)) s.close();
  }

  /** v1: inventory = a, b, c (weights 1, 1, 2); everything to inventory. */
  Snapshot v1() {
    return snapshot("v1",
        List.of(edsCluster("inventory")),
        List.of(endpoints("inventory", ports(a, b, c), new int[] {1, 1, 2})),
        List.of(listener("outbound", "outbound-routes")),
        List.of(routes("outbound-routes", "inventory", prefix("all", "/", "inventory"))));
  }

  /** v2: weights a 3, b 1; c removed; a route /v2/ to a new cluster inventory-v2 = d. */
  Snapshot v2(String version) {
    return snapshot(version,
        List.of(edsCluster("inventory"), edsCluster("inventory-v2")),
        List.of(endpoints("inventory", ports(a, b), new int[] {3, 1}),
            endpoints("inventory-v2", ports(d), new int[] {1})),
        List.of(listener("outbound", "outbound-routes")),
        List.of(routes("outbound-routes", "inventory",
            prefix("v2", "/v2/", "inventory-v2"), prefix("all", "/", "inventory"))));
  }

  static int[] ports(MockWebServer... servers) {
    int[] p = new int[servers.length];
    for (int i = 0; i < servers.length; i++) p[i] = servers[i].getPort();
    return p;
  }

  boolean allAt(String version) throws InterruptedException {
    return xds.awaitStatus(s -> s.types().values().stream()
        .allMatch(t -> t.version().equals(version)), WAIT);
  }

  String call(String path) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://inventory" + path).build())
        .execute()) {
      if (r.code() != 200) throw new IOException(path + ": HTTP " + r.code());
      return r.body().string();
    }
  }

  /** Which backend answered how many of {@code n} calls. */
  Map<String, Integer> spread(String path, int n) throws IOException {
    Map<String, Integer> m = new TreeMap<>();
    for (int i = 0; i < n; i++) m.merge(call(path), 1, Integer::sum);
    return m;
  }

  static boolean ack(DiscoveryRequest r, String type, String version) {
    return r.getTypeUrl().endsWith("." + type) && r.getVersionInfo().equals(version)
        && !r.getResponseNonce().isEmpty() && !r.hasErrorDetail();
  }

  @Test
  void snapshotV1IsAppliedAckedAndTrafficFollowsItsWeights() throws Exception {
    cp.set(v1());

    assertThat(allAt("v1")).isTrue();
    for (String type : List.of(LDS, RDS, CDS, EDS)) {
      cp.awaitRequest(r -> ack(r, type, "v1"), WAIT);
    }
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 10, "b", 10, "c", 20));
    XdsStatus s = xds.status();
    assertThat(s.state()).isEqualTo(XdsStatus.State.CONNECTED);
    assertThat(s.lastNack()).isNull();
    assertThat(s.waitingFor()).isEmpty();
    assertThat(s.types().get(RDS).subscribed()).containsExactly("outbound-routes");
    assertThat(s.types().get(EDS).subscribed()).containsExactly("inventory");
    assertThat(s.types().get(LDS).subscribed()).isEmpty();
    assertThat(mesh.current().source()).isEqualTo("xds");
    assertThat(mesh.current().config().service()).isEqualTo("frontend");
    Map<String, Object> shown = mesh.configSources().get("xds").status();
    assertThat(shown.get("state")).isEqualTo("connected");
    assertThat(shown.get("server")).isEqualTo(cp.address());
    @SuppressWarnings("unchecked")
    Map<String, Object> cds = (Map<String, Object>) ((Map<String, Object>) shown.get("types")).get(CDS);
    assertThat(cds).containsEntry("version", "v1").containsEntry("subscribed", "*")
        .containsEntry("resources", 1);
    assertThat((String) cds.get("nonce")).isEqualTo(s.types().get(CDS).nonce()).isNotEmpty();
  }

  @Test
  void snapshotV2IsAppliedWithNoRequestFailingDuringTheSwitch() throws Exception {
    cp.set(v1());
    assertThat(allAt("v1")).isTrue();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Thread load = new Thread(() -> {
      while (running.get()) {
        try {
          call("/x");
          ok.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          failures.add(String.valueOf(e));
        }
      }
    });
    load.start();
    try {
      int before = ok.get();
      cp.set(v2("v2"));
      assertThat(allAt("v2")).isTrue();
      // Keep the load running across the switch until well after it.
      int after = ok.get();
      while (ok.get() < after + 50 && failures.isEmpty()) Thread.onSpinWait();
      assertThat(after).isGreaterThanOrEqualTo(before);
    } finally {
      running.set(false);
      load.join(WAIT.toMillis());
    }

    assertThat(failures).isEmpty();
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 30, "b", 10));
    assertThat(spread("/v2/x", 3)).isEqualTo(Map.of("d", 3));
    assertThat(xds.status().types().get(EDS).subscribed())
        .containsExactly("inventory", "inventory-v2");
  }

  @Test
  void anUntranslatableSnapshotIsNackedAndTheOldConfigKeepsServing() throws Exception {
    cp.set(v1());
    assertThat(allAt("v1")).isTrue();

    cp.set(snapshot("v2-bad",
        List.of(untranslatable("inventory")),
        List.of(endpoints("inventory", ports(a, b, c), new int[] {1, 1, 2})),
        List.of(listener("outbound", "outbound-routes")),
        List.of(routes("outbound-routes", "inventory", prefix("all", "/", "inventory")))));

    DiscoveryRequest nack = cp.awaitRequest(r -> r.hasErrorDetail(), WAIT);
    assertThat(nack.getTypeUrl()).isEqualTo("type.googleapis.com/envoy.config.cluster.v3.Cluster");
    assertThat(nack.getVersionInfo()).isEqualTo("v1");
    assertThat(nack.getResponseNonce()).isNotEmpty();
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
    assertThat(nack.getErrorDetail().getMessage())
        .contains("Cluster inventory: outlier_detection.split_external_local_origin_errors");
    // The control plane answers a NACK by resending the same version; that is rejected again,
    // but answered only after a backoff delay (no spinning).
    assertThat(xds.awaitStatus(s -> s.lastNack() != null && s.lastNack().repeats() == 1, WAIT))
        .isTrue();
    // The other types of the same snapshot were fine and are in force.
    assertThat(xds.awaitStatus(s -> List.of(LDS, RDS, EDS).stream()
        .allMatch(t -> s.types().get(t).version().equals("v2-bad")), WAIT)).isTrue();
    XdsStatus s = xds.status();
    assertThat(s.lastNack().type()).isEqualTo(CDS);
    assertThat(s.lastNack().version()).isEqualTo("v2-bad");
    assertThat(s.lastNack().detail()).isEqualTo(nack.getErrorDetail().getMessage());
    assertThat(s.types().get(CDS).version()).isEqualTo("v1");
    assertThat(cp.requests().stream().filter(DiscoveryRequest::hasErrorDetail)).hasSize(1);
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 10, "b", 10, "c", 20));

    cp.set(v2("v3"));
    xdsTime.advance(Duration.ofSeconds(8));

    assertThat(allAt("v3")).isTrue();
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 30, "b", 10));
    assertThat(xds.status().lastNack().version()).isEqualTo("v2-bad");
  }

  @Test
  void afterAControlPlaneOutageTrafficContinuesAndTheClientResubscribesWithItsVersions()
      throws Exception {
    cp.set(v1());
    assertThat(allAt("v1")).isTrue();

    cp.stop();
    assertThat(xds.awaitStatus(s -> s.state() == XdsStatus.State.BACKOFF, WAIT)).isTrue();
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 10, "b", 10, "c", 20));
    assertThat(xdsTime.pendingDelays()).hasSize(1);
    assertThat(xdsTime.pendingDelays().get(0)).isLessThanOrEqualTo(Duration.ofSeconds(1));

    cp.clearRequests();
    cp.start();
    xdsTime.advance(Duration.ofSeconds(1));

    for (String type : List.of(LDS, CDS, RDS, EDS)) {
      cp.awaitRequest(r -> r.getTypeUrl().endsWith("." + type)
          && r.getVersionInfo().equals("v1") && r.getResponseNonce().isEmpty(), WAIT);
    }
    List<DiscoveryRequest> resubscribed = cp.requests();
    assertThat(resubscribed.stream().filter(r -> r.getTypeUrl().endsWith("." + RDS)).findFirst()
        .orElseThrow().getResourceNamesList()).containsExactly("outbound-routes");
    assertThat(resubscribed.stream().filter(r -> r.getTypeUrl().endsWith("." + EDS)).findFirst()
        .orElseThrow().getResourceNamesList()).containsExactly("inventory");
    assertThat(resubscribed.get(0).getNode().getId()).isEqualTo("frontend-1");
    assertThat(xds.status().streams()).isEqualTo(2);

    cp.set(v2("v2"));

    assertThat(allAt("v2")).isTrue();
    assertThat(xds.status().state()).isEqualTo(XdsStatus.State.CONNECTED);
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 30, "b", 10));
  }

  @Test
  void theFileBaseWinsSameNamedClustersAndAddsItsOwnVirtualHosts() throws Exception {
    cp.set(v1());
    assertThat(allAt("v1")).isTrue();

    xds.updateBase(ConfigLoader.load("""
        version: 1
        service: frontend-file
        clusters: [{ name: inventory, endpoints: ["127.0.0.1:%d"] }]
        outbound:
          virtual_hosts:
            - name: local
              domains: [local]
              routes: [{ match: { prefix: / }, to: inventory }]
        """.formatted(d.getPort())));

    assertThat(spread("/x", 4)).isEqualTo(Map.of("d", 4));
    assertThat(xds.status().overriddenByFile()).containsExactly("cluster inventory");
    assertThat(mesh.current().config().service()).isEqualTo("frontend-file");
    assertThat(mesh.current().config().outbound().virtualHosts())
        .extracting(v -> v.name()).containsExactly("local", "inventory");
    assertThat(mesh.current().config().clusters()).hasSize(1);

    // An xDS update later still goes under the file: its new cluster is added, inventory stays.
    cp.set(v2("v2"));
    assertThat(allAt("v2")).isTrue();
    assertThat(spread("/x", 4)).isEqualTo(Map.of("d", 4));
    assertThat(spread("/v2/x", 2)).isEqualTo(Map.of("d", 2));
    assertThat(mesh.current().config().clusters()).extracting(cl -> cl.name())
        .containsExactly("inventory", "inventory-v2");
  }

  @Test
  void aFirstSnapshotThatIsRejectedLeavesTheFileConfigServingUntilAGoodOneArrives()
      throws Exception {
    cp.set(snapshot("v0-bad",
        List.of(untranslatable("inventory")),
        List.of(endpoints("inventory", ports(a, b, c), new int[] {1, 1, 2})),
        List.of(listener("outbound", "outbound-routes")),
        List.of(routes("outbound-routes", "inventory", prefix("all", "/", "inventory")))));

    DiscoveryRequest nack = cp.awaitRequest(DiscoveryRequest::hasErrorDetail, WAIT);
    assertThat(nack.getTypeUrl()).endsWith(".Cluster");
    assertThat(nack.getVersionInfo()).isEmpty();
    assertThat(xds.awaitStatus(s -> s.lastNack() != null && s.lastNack().repeats() == 1, WAIT))
        .isTrue();
    assertThat(xds.status().waitingFor()).containsExactly("Cluster *");
    assertThat(xds.status().types().get(RDS).subscribed()).containsExactly("outbound-routes");
    assertThat(mesh.current().generation()).isEqualTo(1);
    assertThat(mesh.current().source()).isEqualTo("code");

    cp.set(v1());
    xdsTime.advance(Duration.ofSeconds(8));

    assertThat(allAt("v1")).isTrue();
    assertThat(spread("/x", 40)).isEqualTo(Map.of("a", 10, "b", 10, "c", 20));
  }
}
