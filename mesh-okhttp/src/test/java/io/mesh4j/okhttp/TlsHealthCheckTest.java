package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.SubjectNames;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks of a {@code tls} cluster speak the cluster's TLS (as Envoy's use the cluster's
 * transport socket): real handshakes with MockWebServers on 127.0.0.1 that require a client
 * certificate, checked by what the servers received, not only by the endpoint's state.
 */
class TlsHealthCheckTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";
  static final String OTHER = "spiffe://corp.test/ns/prod/sa/other";

  @TempDir Path tmp;
  final List<MockWebServer> servers = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();
  Mesh mesh;

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) mesh.close();
    for (MockWebServer s : servers) s.close();
    for (AutoCloseable c : closeables) c.close();
  }

  /** What a backend received: the request target and the client's SPIFFE ID (null: none). */
  record Seen(String target, String clientId) {}

  /** A TLS backend presenting {@code spiffeId}, requiring a client certificate from {@link #CA}. */
  private MockWebServer backend(String spiffeId, List<Seen> seen) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(dir, TestPki.leaf(CA, spiffeId), CA);
    IdentitySource id = PemFileIdentitySource.builder("server").certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    closeables.add(id);
    MockWebServer s = new MockWebServer();
    s.useHttps(TlsContexts.server(id).getSocketFactory());
    s.requireClientAuth();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        String client = r.getHandshake() == null || r.getHandshake().peerCertificates().isEmpty()
            ? null
            : SubjectNames.spiffeId((X509Certificate) r.getHandshake().peerCertificates().get(0));
        seen.add(new Seen(r.getTarget(), client));
        return new MockResponse.Builder().body(spiffeId).build();
      }
    });
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    servers.add(s);
    return s;
  }

  private OkHttpClient client(String clusterExtra, MockWebServer... endpoints) throws Exception {
    Path id = Files.createTempDirectory(tmp, "client");
    TestPki.writeIdentity(id, TestPki.leaf(CA, WEB), CA);
    StringBuilder eps = new StringBuilder();
    for (MockWebServer s : endpoints) eps.append("127.0.0.1:").append(s.getPort()).append(", ");
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [%s]
            health_check: { path: /healthz, interval: 1s, timeout: 1s, unhealthy_threshold: 1, healthy_threshold: 1 }
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
            %s
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
        """.formatted(eps.substring(0, eps.length() - 2), API, clusterExtra,
        id.resolve("tls.crt"), id.resolve("tls.key"), id.resolve("ca.crt"));
    mesh = Mesh.builder().config(ConfigLoader.load(yaml)).build();
    return MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  private EndpointStatus status(MockWebServer s) {
    return mesh.cluster("api").statuses().stream()
        .filter(e -> e.endpoint().port() == s.getPort()).findFirst().orElseThrow();
  }

  @Test
  void checksPresentTheWorkloadCertificateAndTheEndpointStaysHealthy() throws Exception {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    MockWebServer api = backend(API, seen);
    OkHttpClient client = client("", api);

    await("two checks reached the backend", Duration.ofSeconds(10),
        () -> seen.stream().filter(s -> s.target().equals("/healthz")).count() >= 2);
    assertThat(seen).filteredOn(s -> s.target().equals("/healthz"))
        .allSatisfy(s -> assertThat(s.clientId()).isEqualTo(WEB));
    assertThat(status(api).healthy()).isTrue();
    try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void anEndpointWithAnotherIdentityFailsItsChecksAndGetsNoRequest() throws Exception {
    List<Seen> good = new CopyOnWriteArrayList<>();
    List<Seen> bad = new CopyOnWriteArrayList<>();
    MockWebServer api = backend(API, good);
    MockWebServer impostor = backend(OTHER, bad);
    OkHttpClient client = client("panic_threshold: 0", api, impostor);

    await("the impostor is found unhealthy", Duration.ofSeconds(10),
        () -> !status(impostor).healthy());
    // The check was refused in the handshake: the impostor never received a request.
    assertThat(bad).isEmpty();
    for (int i = 0; i < 6; i++) {
      try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
          .execute()) {
        assertThat(r.body().string()).isEqualTo(API);
      }
    }
    assertThat(bad).isEmpty();
    assertThat(good).filteredOn(s -> s.target().equals("/items")).hasSize(6);
  }
}
