package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PeerIdentityException;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.SubjectNames;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.tls.ClusterTls;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * The wrapped client originating TLS to a {@code tls} cluster: real handshakes with MockWebServers
 * on 127.0.0.1 that serve SPIFFE certificates through {@link TlsContexts#server} and require a
 * client certificate.
 */
class MutualTlsClientTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path tmp;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<MockWebServer> servers = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();
  Mesh mesh;

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) mesh.close();
    for (MockWebServer s : servers) s.close();
    for (AutoCloseable c : closeables) c.close();
  }

  /** A TLS backend presenting {@code leaf}, requiring a client certificate from {@link #CA}. */
  private MockWebServer backend(TestPki.Held leaf, TestPki.Held... bundle) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(dir, leaf, bundle.length == 0 ? new TestPki.Held[] {CA} : bundle);
    IdentitySource id = PemFileIdentitySource.builder("server").certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    closeables.add(id);
    MockWebServer s = new MockWebServer();
    s.useHttps(TlsContexts.server(id).getSocketFactory());
    s.requireClientAuth();
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    servers.add(s);
    return s;
  }

  private Path clientIdentity(TestPki.Held leaf) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "client");
    TestPki.writeIdentity(dir, leaf, CA);
    return dir;
  }

  private OkHttpClient client(Path id, String tlsBlock, MockWebServer... endpoints) {
    StringBuilder eps = new StringBuilder();
    for (MockWebServer s : endpoints) eps.append("127.0.0.1:").append(s.getPort()).append(", ");
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [%s]
            retry: { attempts: 3, retry_on: [connect-failure, gateway-error], budget: off }
            tls: %s
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
        """.formatted(eps.substring(0, eps.length() - 2), tlsBlock, id.resolve("tls.crt"),
        id.resolve("tls.key"), id.resolve("ca.crt"));
    mesh = Mesh.builder().config(ConfigLoader.load(yaml))
        .meterRegistry(registry).build();
    return MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  private double refusedCount() {
    var c = registry.find(MeshMetricNames.TLS_PEER_REFUSED).tag(MeshMetricNames.TAG_CLUSTER, "api")
        .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void mutualTlsWithSpiffeIdsBothWays() throws Exception {
    MockWebServer api = backend(TestPki.leaf(CA, API));
    api.enqueue(new MockResponse.Builder().body("hello").build());
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: mutual, verify: { spiffe_ids: [\"" + API + "\"] }, source: workload }", api);

    try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("hello");
      assertThat(SubjectNames.spiffeId((X509Certificate) r.handshake().peerCertificates().get(0)))
          .isEqualTo(API);
    }
    RecordedRequest seen = api.takeRequest();
    assertThat(seen.getHandshake()).isNotNull();
    assertThat(SubjectNames.spiffeId(
        (X509Certificate) seen.getHandshake().peerCertificates().get(0))).isEqualTo(WEB);
    assertThat(seen.getUrl().scheme()).isEqualTo("https");
    ClusterTls tls = MeshInternals.tls(mesh).client("api");
    assertThat(tls.verifiedPeers()).containsOnlyKeys(API);
    assertThat(refusedCount()).isZero();
  }

  @Test
  void aServerWithAnotherSpiffeIdOfTheSameCaIsRefusedAndNeverRetried() throws Exception {
    MockWebServer mitm = backend(TestPki.leaf(CA, "spiffe://corp.test/ns/prod/sa/mitm"));
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: mutual, verify: { spiffe_ids: [\"" + API + "\"] }, source: workload }", mitm);

    MeshException e = catchThrowableOfType(MeshException.class,
        () -> client.newCall(new Request.Builder().url("http://api/items").build()).execute());
    assertThat(e.reason()).isEqualTo(MeshException.Reason.PEER_IDENTITY_REFUSED);
    assertThat(e.reason().tag()).isEqualTo("peer-identity-refused");
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.requestSent()).isFalse();
    assertThat(e.getMessage()).contains("spiffe://corp.test/ns/prod/sa/mitm")
        .contains("expected: SPIFFE ID " + API);
    assertThat(PeerIdentityException.find(e)).isNotNull();
    assertThat(mitm.getRequestCount()).isZero();
    assertThat(refusedCount()).isEqualTo(1);
    assertThat(MeshInternals.tls(mesh).client("api").lastRefusal()).contains("mitm");
  }

  @Test
  void aRefusedEndpointIsSkippedForAnotherThatIsAllowed() throws Exception {
    MockWebServer mitm = backend(TestPki.leaf(CA, "spiffe://corp.test/ns/prod/sa/mitm"));
    MockWebServer api = backend(TestPki.leaf(CA, API));
    for (int i = 0; i < 4; i++) api.enqueue(new MockResponse.Builder().body("ok").build());
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: mutual, verify: { spiffe_ids: [\"" + API + "\"] }, source: workload }",
        mitm, api);
    for (int i = 0; i < 4; i++) {
      try (Response r = client.newCall(new Request.Builder().url("http://api/x").build())
          .execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    assertThat(api.getRequestCount()).isEqualTo(4);
    assertThat(mitm.getRequestCount()).isZero();
  }

  @Test
  void anExpiredServerCertificateFailsTheHandshake() throws Exception {
    Instant now = Instant.now();
    MockWebServer api = backend(TestPki.leaf(CA, API, now.minus(Duration.ofDays(2)),
        now.minus(Duration.ofDays(1))));
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: mutual, verify: { spiffe_ids: [\"" + API + "\"] }, source: workload }", api);
    MeshException e = catchThrowableOfType(MeshException.class,
        () -> client.newCall(new Request.Builder().url("http://api/x").build()).execute());
    assertThat(e.reason()).isEqualTo(MeshException.Reason.UPSTREAM_FAILURE);
    assertThat(e).hasStackTraceContaining("validity check failed");
    assertThat(api.getRequestCount()).isZero();
    assertThat(refusedCount()).isEqualTo(3);
  }

  @Test
  void theHandshakeSendsTheClustersSniWhateverTheEndpointAddress() throws Exception {
    MockWebServer api = backend(TestPki.leaf(CA, API));
    api.enqueue(new MockResponse.Builder().body("ok").build());
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: mutual, sni: api.internal, verify: { spiffe_ids: [\"" + API + "\"] },"
            + " source: workload }", api);

    try (Response r = client.newCall(new Request.Builder().url("http://api/x").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    RecordedRequest seen = api.takeRequest();
    assertThat(seen.getHandshakeServerNames()).containsExactly("api.internal");
  }

  @Test
  void simpleTlsVerifiesTheServerBySubjectAltNameAndSendsTheConfiguredSni() throws Exception {
    MockWebServer api = backend(TestPki.leaf(CA, API));
    api.enqueue(new MockResponse.Builder().body("ok").build());
    OkHttpClient client = client(clientIdentity(TestPki.leaf(CA, WEB)),
        "{ mode: simple, sni: api.internal, verify: { subject_alt_names: [localhost] },"
            + " source: workload }", api);
    // The backend requires a client certificate; simple mode presents none.
    MeshException e = catchThrowableOfType(MeshException.class,
        () -> client.newCall(new Request.Builder().url("http://api/x").build()).execute());
    assertThat(e.reason()).isEqualTo(MeshException.Reason.UPSTREAM_FAILURE);
    assertThat(MeshInternals.tls(mesh).client("api").verifiedPeers()).containsOnlyKeys("localhost");
  }
}
