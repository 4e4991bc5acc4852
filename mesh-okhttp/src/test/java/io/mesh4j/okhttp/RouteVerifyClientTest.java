package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PeerIdentityException;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.tls.ClusterTls;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
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
 * A route's {@code verify} on a mutual-TLS cluster: over real handshakes with backends on
 * 127.0.0.1, requests on the route reach only servers whose identity the route allows, the others
 * are refused before a byte is written and the call moves to another endpoint; routes without
 * {@code verify} still use every endpoint, over the same pooled connections.
 */
class RouteVerifyClientTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String PAYMENTS = "spiffe://corp.test/ns/prod/sa/payments";
  static final String OTHER = "spiffe://corp.test/ns/prod/sa/other";

  @TempDir Path tmp;
  final List<MockWebServer> servers = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();
  final OkHttpClient plain = new OkHttpClient();
  Mesh mesh;

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) mesh.close();
    for (MockWebServer s : servers) s.close();
    for (AutoCloseable c : closeables) c.close();
    plain.connectionPool().evictAll();
  }

  private IdentitySource identity(String name, TestPki.Held leaf) throws Exception {
    Path dir = Files.createTempDirectory(tmp, name);
    TestPki.writeIdentity(dir, leaf, CA);
    IdentitySource id = PemFileIdentitySource.builder(name).certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    closeables.add(id);
    return id;
  }

  /** A TLS backend presenting a certificate for {@code spiffeId}, requiring a client's. */
  private MockWebServer backend(String spiffeId) throws Exception {
    MockWebServer s = new MockWebServer();
    s.useHttps(TlsContexts.server(identity("server", TestPki.leaf(CA, spiffeId)))
        .getSocketFactory());
    s.requireClientAuth();
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    servers.add(s);
    return s;
  }

  private OkHttpClient client(int... ports) throws Exception {
    Path id = Files.createTempDirectory(tmp, "client");
    TestPki.writeIdentity(id, TestPki.leaf(CA, WEB), CA);
    StringBuilder eps = new StringBuilder();
    for (int p : ports) eps.append("127.0.0.1:").append(p).append(", ");
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            lb: weighted_round_robin
            endpoints: [%s]
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
                - name: rest
                  to: api
        """.formatted(eps.substring(0, eps.length() - 2), id.resolve("tls.crt"),
        id.resolve("tls.key"), id.resolve("ca.crt"), PAYMENTS);
    mesh = Mesh.builder().config(ConfigLoader.load(yaml)).build();
    return MeshOkHttp.wrap(plain, mesh);
  }

  private static int get(OkHttpClient client, String path) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url("http://api" + path).build())
        .execute()) {
      r.body().string();
      return r.code();
    }
  }

  private static List<String> paths(MockWebServer s) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = s.getRequestCount(); i > 0; i--) out.add(s.takeRequest().getUrl().encodedPath());
    return out;
  }

  @Test
  void requestsOnTheRouteReachOnlyTheAllowedServerAndOtherRoutesStillUseBoth() throws Exception {
    MockWebServer payments = backend(PAYMENTS);
    MockWebServer other = backend(OTHER);
    for (int i = 0; i < 12; i++) {
      payments.enqueue(new MockResponse.Builder().body("p").build());
      other.enqueue(new MockResponse.Builder().body("o").build());
    }
    OkHttpClient client = client(payments.getPort(), other.getPort());

    for (int i = 0; i < 6; i++) assertThat(get(client, "/payments/" + i)).isEqualTo(200);
    for (int i = 0; i < 4; i++) assertThat(get(client, "/rest/" + i)).isEqualTo(200);

    assertThat(paths(other)).hasSize(2).allMatch(p -> p.startsWith("/rest/"));
    List<String> seen = paths(payments);
    assertThat(seen.stream().filter(p -> p.startsWith("/payments/")).count()).isEqualTo(6);
    assertThat(seen.stream().filter(p -> p.startsWith("/rest/")).count()).isEqualTo(2);
    // Payments requests that were first sent to the other server were refused there.
    ClusterTls tls = MeshInternals.tls(mesh).client("api");
    ClusterTls.EndpointRefusal r = tls.endpointRefusals().get("127.0.0.1:" + other.getPort());
    assertThat(r).isNotNull();
    assertThat(r.presented()).isEqualTo(OTHER);
    assertThat(r.allowed()).isEqualTo("SPIFFE ID " + PAYMENTS);
    assertThat(r.by()).isEqualTo("route api/payments");
    // Round robin from a random offset: a call that starts on the other server takes two picks,
    // so after the first call every call starts there (5 or 6 of 6, depending on the offset).
    assertThat(r.count()).isBetween(5L, 6L);
    assertThat(tls.endpointRefusals()).containsOnlyKeys("127.0.0.1:" + other.getPort());
    // The cluster's own check accepted both servers at the handshake.
    assertThat(tls.refusedCount()).isZero();
  }

  @Test
  void aRouteRequestReusesThePooledConnectionOfAnotherRoute() throws Exception {
    MockWebServer payments = backend(PAYMENTS);
    for (int i = 0; i < 3; i++) payments.enqueue(new MockResponse.Builder().body("p").build());
    OkHttpClient client = client(payments.getPort());

    assertThat(get(client, "/rest/a")).isEqualTo(200);
    assertThat(get(client, "/payments/b")).isEqualTo(200);
    assertThat(get(client, "/rest/c")).isEqualTo(200);

    List<RecordedRequest> seen = List.of(payments.takeRequest(), payments.takeRequest(),
        payments.takeRequest());
    assertThat(seen).extracting(RecordedRequest::getConnectionIndex).containsOnly(0);
    assertThat(seen).extracting(RecordedRequest::getExchangeIndex).containsExactly(0, 1, 2);
  }

  @Test
  void aConnectionTheRouteRefusedStaysPooledForTheRoutesThatAllowIt()
      throws Exception {
    MockWebServer other = backend(OTHER);
    for (int i = 0; i < 2; i++) other.enqueue(new MockResponse.Builder().body("o").build());
    OkHttpClient client = client(other.getPort());

    assertThat(get(client, "/rest/a")).isEqualTo(200);
    MeshException e = catchThrowableOfType(MeshException.class, () -> get(client, "/payments/b"));
    assertThat(e.reason()).isEqualTo(MeshException.Reason.PEER_IDENTITY_REFUSED);
    assertThat(get(client, "/rest/c")).isEqualTo(200);

    // Nothing of /payments/b was written, and the connection went back to the pool for /rest/c.
    List<RecordedRequest> seen = List.of(other.takeRequest(), other.takeRequest());
    assertThat(seen).extracting(r -> r.getUrl().encodedPath())
        .containsExactly("/rest/a", "/rest/c");
    assertThat(seen).extracting(RecordedRequest::getConnectionIndex).containsExactly(0, 0);
    assertThat(seen).extracting(RecordedRequest::getExchangeIndex).containsExactly(0, 1);
    assertThat(other.getRequestCount()).isEqualTo(2);
  }

  @Test
  void withNoAllowedServerTheCallFailsAndTheServerReceivesNoRequestByte() throws Exception {
    // A bare TLS server: completes the handshake, then counts every byte the client sends.
    SSLServerSocket server = (SSLServerSocket) TlsContexts.server(
            identity("server", TestPki.leaf(CA, OTHER)))
        .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    closeables.add(server);
    CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        s.startHandshake();
        long n = 0;
        InputStream in = s.getInputStream();
        while (in.read() >= 0) n++;
        return n;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    OkHttpClient client = client(server.getLocalPort());

    MeshException e = catchThrowableOfType(MeshException.class, () -> get(client, "/payments/x"));

    assertThat(e.reason()).isEqualTo(MeshException.Reason.PEER_IDENTITY_REFUSED);
    assertThat(e.requestSent()).isFalse();
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.getMessage()).contains(OTHER).contains("expected: SPIFFE ID " + PAYMENTS)
        .contains("by route api/payments");
    assertThat(PeerIdentityException.find(e).presented()).isEqualTo(OTHER);
    // Whether OkHttp closed the refused connection or pooled it, closing the pool ends it.
    plain.connectionPool().evictAll();
    assertThat(received.get(10, TimeUnit.SECONDS)).isZero();
  }
}
