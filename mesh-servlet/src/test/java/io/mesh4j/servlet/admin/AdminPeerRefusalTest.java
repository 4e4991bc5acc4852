package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refused server identities, seen from the admin: a real OkHttp call through the mesh to two TLS
 * servers on 127.0.0.1, one refused by a route's {@code verify} and one by the cluster's {@code
 * tls.verify} at the handshake, then {@code /mesh/explain}, {@code /mesh/clusters} and {@code
 * /mesh/tls} over HTTP from an embedded Jetty 12.
 */
class AdminPeerRefusalTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String PAYMENTS = "spiffe://corp.test/ns/prod/sa/payments";
  static final String OTHER = "spiffe://corp.test/ns/prod/sa/other";
  static final String DEV = "spiffe://corp.test/ns/dev/sa/payments";
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  final List<AutoCloseable> closeables = new ArrayList<>();
  final OkHttpClient plain = new OkHttpClient();
  final OkHttpClient admin = new OkHttpClient();

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
    plain.connectionPool().evictAll();
    admin.connectionPool().evictAll();
  }

  private Path identity(String spiffeId) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "id");
    TestPki.writeIdentity(dir, TestPki.leaf(CA, spiffeId), CA);
    return dir;
  }

  /** A TLS server presenting {@code spiffeId}: completes handshakes, then reads until EOF. */
  private int tlsServer(String spiffeId) throws Exception {
    Path dir = identity(spiffeId);
    IdentitySource id = PemFileIdentitySource.builder("server").certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    closeables.add(id);
    ServerSocket server = TlsContexts.server(id).getServerSocketFactory()
        .createServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
    closeables.add(server);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          ((SSLSocket) s).startHandshake();
          InputStream in = s.getInputStream();
          while (in.read() >= 0) {
            // a refused connection carries no request
          }
        } catch (IOException e) {
          // the client refused the handshake, or the server closed
        }
      }
    }, "tls-server-" + server.getLocalPort());
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  private JsonNode get(AdminServer server, String path) throws IOException {
    try (Response r = admin.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      assertThat(r.code()).as(path).isEqualTo(200);
      return JSON.readTree(r.body().string());
    }
  }

  @Test
  void theLastRefusalOfEachEndpointIsInExplainClustersAndTls() throws Exception {
    int other = tlsServer(OTHER);
    int dev = tlsServer(DEV);
    Path client = identity("spiffe://corp.test/ns/prod/sa/web");
    Mesh mesh = Mesh.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).config(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d, 127.0.0.1:%d]
            retry: { attempts: 3, retry_on: [connect-failure], budget: off }
            tls: { mode: mutual, verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/*"] }, source: workload }
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: payments
                  match: { prefix: /payments/ }
                  to: api
                  verify: { spiffe_ids: ["%s"] }
        admin: { enabled: true }
        """.formatted(other, dev, client.resolve("tls.crt"), client.resolve("tls.key"),
        client.resolve("ca.crt"), PAYMENTS))).build();
    closeables.add(mesh);
    AdminServer server = new AdminServer(new MeshAdmin(mesh));
    closeables.add(server);
    OkHttpClient meshClient = MeshOkHttp.wrap(plain, mesh);

    MeshException e = catchThrowableOfType(MeshException.class, () -> meshClient.newCall(
        new Request.Builder().url("http://api/payments/1").build()).execute());
    assertThat(e.reason()).isEqualTo(MeshException.Reason.PEER_IDENTITY_REFUSED);
    assertThat(e.attempts()).isEqualTo(2);

    JsonNode explain = get(server, "/mesh/explain?url=http://api/payments/1");
    assertThat(explain.get("route").asText()).isEqualTo("payments");
    JsonNode tls = explain.get("tls").get(0);
    assertThat(tls.get("cluster").asText()).isEqualTo("api");
    assertThat(tls.get("mode").asText()).isEqualTo("mutual");
    assertThat(tls.get("verify").asText()).isEqualTo("spiffe_ids [spiffe://corp.test/ns/prod/*]");
    assertThat(tls.get("route_verify").asText()).isEqualTo("spiffe_ids [" + PAYMENTS + "]");
    assertThat(tls.get("handshakes_refused").asLong()).isEqualTo(1);
    JsonNode refused = tls.get("refused_endpoints");
    assertThat(refused).hasSize(2);
    JsonNode byRoute = refused.get(("127.0.0.1:" + other).compareTo("127.0.0.1:" + dev) < 0 ? 0 : 1);
    assertThat(byRoute.toString()).isEqualTo(("{\"endpoint\":\"127.0.0.1:%d\",\"presented\":\"%s\","
        + "\"allowed\":\"SPIFFE ID %s\",\"by\":\"route api/payments\",\"at\":\"%s\",\"count\":1}")
        .formatted(other, OTHER, PAYMENTS, NOW));
    JsonNode byCluster = refused.get(("127.0.0.1:" + other).compareTo("127.0.0.1:" + dev) < 0 ? 1 : 0);
    assertThat(byCluster.toString()).isEqualTo(("{\"endpoint\":\"127.0.0.1:%d\",\"presented\":\"%s\","
        + "\"allowed\":\"SPIFFE ID spiffe://corp.test/ns/prod/*\",\"by\":\"cluster\",\"at\":\"%s\","
        + "\"count\":1}").formatted(dev, DEV, NOW));

    JsonNode endpoints = get(server, "/mesh/clusters").get("clusters").get(0).get("endpoints");
    assertThat(endpoints.get(0).get("peer_identity_refused").get("by").asText())
        .isEqualTo("route api/payments");
    assertThat(endpoints.get(0).get("peer_identity_refused").get("presented").asText())
        .isEqualTo(OTHER);
    assertThat(endpoints.get(1).get("peer_identity_refused").get("by").asText())
        .isEqualTo("cluster");
    assertThat(endpoints.get(1).get("peer_identity_refused").get("count").asLong()).isEqualTo(1);

    JsonNode cluster = get(server, "/mesh/tls").get("clusters").get(0);
    assertThat(cluster.get("refused").asLong()).isEqualTo(1);
    assertThat(cluster.get("refused_endpoints")).hasSize(2);
    assertThat(cluster.get("last_refusal").asText()).contains(DEV);

    try (Response r = admin.newCall(new Request.Builder()
        .url(server.url("/mesh/explain?url=http://api/payments/1&format=text")).build())
        .execute()) {
      assertThat(r.body().string()).contains("tls: cluster api: mutual (source workload), verify"
              + " spiffe_ids [spiffe://corp.test/ns/prod/*]; route verify spiffe_ids [" + PAYMENTS
              + "]\n  handshakes refused: 1\n")
          .contains("  refused 127.0.0.1:" + other + " 1x, last at " + NOW
              + " by route api/payments: presented " + OTHER + ", allowed SPIFFE ID " + PAYMENTS
              + "\n");
    }
  }
}
