package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authz on the peer's certificate identity over real mutual TLS: Jetty requires (or, on the second
 * server, merely wants) a client certificate signed by the test CA; OkHttp presents one.
 */
class MeshFilterMtlsTest {
  static final String CONFIG = """
      version: 1
      service: orders
      inbound:
        authz:
          default_action: deny
          rules:
            - name: frontend-writes
              action: allow
              match: { prefix: /orders, principals: ["spiffe://corp.test/ns/prod/sa/frontend"] }
            - name: prod-reads
              action: allow
              match: { methods: [GET], principals: ["spiffe://corp.test/ns/prod/*"] }
            - name: billing-by-cn
              action: allow
              match: { prefix: /billing, principals: [billing-worker] }
            - name: cn-of-frontend
              action: allow
              match: { prefix: /cn-check, principals: [frontend-cn] }
            - name: open
              action: allow
              match: { prefix: /public }
      """;

  static final HeldCertificate CA = TestCertificates.ca();
  static final FakeTime TIME = new FakeTime();
  static final MeterRegistry REGISTRY = new SimpleMeterRegistry();
  static Mesh mesh;
  static JettyServer required;
  static JettyServer wanted;

  @BeforeAll
  static void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, TIME, REGISTRY);
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
        .heldCertificate(TestCertificates.server(CA)).addTrustedCertificate(CA.certificate()).build();
    required = JettyServer.builder(new MeshFilter(mesh)).servlet("/*", Fixtures.text("app"))
        .tls(serverCerts.sslContext(), true, false).start();
    wanted = JettyServer.builder(new MeshFilter(mesh)).servlet("/*", Fixtures.text("app"))
        .tls(serverCerts.sslContext(), false, true).start();
  }

  @AfterAll
  static void stop() throws Exception {
    required.close();
    wanted.close();
    mesh.close();
  }

  private static OkHttpClient clientWith(HeldCertificate identity) {
    HandshakeCertificates.Builder b = new HandshakeCertificates.Builder().addTrustedCertificate(CA.certificate());
    if (identity != null) b.heldCertificate(identity);
    HandshakeCertificates hc = b.build();
    return Fixtures.client().newBuilder().sslSocketFactory(hc.sslSocketFactory(), hc.trustManager()).build();
  }

  private static String call(OkHttpClient client, JettyServer server, String method, String path) throws IOException {
    RequestBody body = method.equals("GET") ? null : RequestBody.create(new byte[0]);
    try (Response r = client.newCall(new Request.Builder().url(server.url(path)).method(method, body).build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  static final OkHttpClient FRONTEND = clientWith(TestCertificates.signed(CA, "CN=frontend-cn,O=corp",
      List.of("spiffe://corp.test/ns/prod/sa/frontend"), List.of()));
  static final OkHttpClient BACKEND = clientWith(TestCertificates.signed(CA, "CN=backend,O=corp",
      List.of("spiffe://corp.test/ns/prod/sa/backend"), List.of()));
  static final OkHttpClient DEV = clientWith(TestCertificates.signed(CA, "CN=dev,O=corp",
      List.of("spiffe://corp.test/ns/dev/sa/frontend"), List.of()));
  static final OkHttpClient BILLING = clientWith(new HeldCertificate.Builder().commonName("billing-worker")
      .signedBy(CA).build());
  static final OkHttpClient ANONYMOUS = clientWith(null);

  @Test
  void aSpiffeIdInTheClientCertificateSatisfiesAPrincipalsRule() throws Exception {
    assertThat(call(FRONTEND, required, "POST", "/orders/1")).isEqualTo("200 app");
    assertThat(call(FRONTEND, required, "GET", "/anything")).isEqualTo("200 app");
    assertThat(call(FRONTEND, required, "POST", "/billing/run")).isEqualTo("403 access denied");
  }

  @Test
  void aTrailingStarMatchesEveryIdentityWithThatPrefix() throws Exception {
    assertThat(call(BACKEND, required, "GET", "/orders/1")).isEqualTo("200 app");
    assertThat(call(BACKEND, required, "POST", "/orders/1")).isEqualTo("403 access denied");
    assertThat(call(DEV, required, "GET", "/orders/1")).isEqualTo("403 access denied");
  }

  @Test
  void withoutAUriSanTheSubjectCommonNameIsThePrincipal() throws Exception {
    assertThat(call(BILLING, required, "POST", "/billing/run")).isEqualTo("200 app");
    assertThat(call(BILLING, required, "GET", "/orders/1")).isEqualTo("403 access denied");
  }

  @Test
  void theUriSanWinsOverTheCommonName() throws Exception {
    assertThat(call(FRONTEND, required, "POST", "/cn-check")).isEqualTo("403 access denied");
  }

  @Test
  void aContainerThatRequiresClientAuthRefusesAClientWithoutACertificate() {
    assertThatThrownBy(() -> call(ANONYMOUS, required, "GET", "/public")).isInstanceOf(IOException.class);
  }

  @Test
  void aClientWithoutACertificateHasNoPrincipalAndMatchesNoPrincipalsRule() throws Exception {
    double before = counter(REGISTRY, MeshMetricNames.SERVER_DENIED, "rule", "default");
    assertThat(call(ANONYMOUS, wanted, "GET", "/orders/1")).isEqualTo("403 access denied");
    assertThat(call(ANONYMOUS, wanted, "GET", "/public")).isEqualTo("200 app");
    assertThat(call(FRONTEND, wanted, "POST", "/orders/1")).as("the same rules with a certificate")
        .isEqualTo("200 app");
    assertThat(counter(REGISTRY, MeshMetricNames.SERVER_DENIED, "rule", "default")).isEqualTo(before + 1);
  }
}
