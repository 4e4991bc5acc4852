package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
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
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A gateway route to a cluster with {@code tls}: whatever the gateway's transport, the upstream
 * receives the request over mutual TLS with the gateway's SPIFFE identity, and a server whose
 * identity is not the allowed one never receives it (the gateway answers 503 {@code
 * peer-identity-refused}). What the upstream received is checked, not only the status.
 */
class GatewayTlsClusterTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String GATEWAY = "spiffe://corp.test/ns/edge/sa/gateway";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path tmp;

  private MockWebServer tlsBackend(String spiffeId, IdentitySource[] keep) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(dir, TestPki.leaf(CA, spiffeId), CA);
    IdentitySource id = PemFileIdentitySource.builder("server").certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    keep[0] = id;
    MockWebServer s = new MockWebServer();
    s.useHttps(TlsContexts.server(id).getSocketFactory());
    s.requireClientAuth();
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    return s;
  }

  private Mesh gatewayMesh(int port) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "gateway");
    TestPki.writeIdentity(dir, TestPki.leaf(CA, GATEWAY), CA);
    return Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: edge
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
            retry: { attempts: 2, budget: off }
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
        inbound:
          virtual_hosts:
            - name: edge
              domains: ["*"]
              routes:
                - { name: api, match: { prefix: /api/ }, to: api }
        """.formatted(port, API, dir.resolve("tls.crt"), dir.resolve("tls.key"),
        dir.resolve("ca.crt")))).build();
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void theUpstreamReceivesTheRequestOverMutualTlsWithTheGatewaysIdentity(boolean async)
      throws Exception {
    IdentitySource[] serverId = new IdentitySource[1];
    try (MockWebServer api = tlsBackend(API, serverId);
        IdentitySource ignored = serverId[0];
        Mesh mesh = gatewayMesh(api.getPort());
        Front front = new Front(mesh, async)) {
      api.enqueue(new MockResponse.Builder().body("hello over tls").build());
      OkHttpClient client = new OkHttpClient();
      try (Response r = client.newCall(new Request.Builder().url(front.url("/api/items")).build())
          .execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("hello over tls");
      }
      RecordedRequest seen = api.takeRequest();
      assertThat(seen.getUrl().encodedPath()).isEqualTo("/api/items");
      assertThat(seen.getHandshake()).as("the upstream request came over TLS").isNotNull();
      assertThat(SubjectNames.spiffeId(
          (X509Certificate) seen.getHandshake().peerCertificates().get(0))).isEqualTo(GATEWAY);
      assertThat(front.localHits.get()).isZero();
      client.connectionPool().evictAll();
    }
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void anUpstreamWithAnotherIdentityOfTheSameCaNeverReceivesTheRequest(boolean async)
      throws Exception {
    IdentitySource[] serverId = new IdentitySource[1];
    try (MockWebServer mitm = tlsBackend("spiffe://corp.test/ns/prod/sa/mitm", serverId);
        IdentitySource ignored = serverId[0];
        Mesh mesh = gatewayMesh(mitm.getPort());
        Front front = new Front(mesh, async)) {
      OkHttpClient client = new OkHttpClient();
      try (Response r = client.newCall(new Request.Builder().url(front.url("/api/items")).build())
          .execute()) {
        assertThat(r.code()).isEqualTo(503);
        assertThat(r.header("x-mesh-error")).isEqualTo("peer-identity-refused");
      }
      assertThat(mitm.getRequestCount()).isZero();
      client.connectionPool().evictAll();
    }
  }
}
