package io.mesh4j.xds;

import static io.mesh4j.xds.Envoy.edsCluster;
import static io.mesh4j.xds.Envoy.endpoints;
import static io.mesh4j.xds.Envoy.listener;
import static io.mesh4j.xds.Envoy.prefix;
import static io.mesh4j.xds.Envoy.routes;
import static io.mesh4j.xds.Envoy.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.GrpcSslContexts;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS to the control plane: the server's certificate checked against trusted_ca, mutual TLS. */
class XdsClientTlsTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void aMutualTlsControlPlaneIsFollowedWithTheBootstrapsCertificates(@TempDir Path dir)
      throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
        .commonName("test-ca").build();
    HeldCertificate server = new HeldCertificate.Builder().signedBy(ca)
        .addSubjectAlternativeName("127.0.0.1").commonName("control-plane").build();
    HeldCertificate client = new HeldCertificate.Builder().signedBy(ca)
        .commonName("frontend-1").build();
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    Path certPem = Files.writeString(dir.resolve("client.pem"), client.certificatePem());
    Path keyPem = Files.writeString(dir.resolve("client.key"), client.privateKeyPkcs8Pem());
    SslContext serverSsl = GrpcSslContexts.forServer(
            stream(server.certificatePem()), stream(server.privateKeyPkcs8Pem()))
        .trustManager(stream(ca.certificatePem()))
        .clientAuth(ClientAuth.REQUIRE)
        .build();
    FakeTime time = new FakeTime();
    try (ControlPlane cp = new ControlPlane(serverSsl);
        Mesh mesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: s\n"))
            .ticker(time).scheduler(time).build()) {
      cp.set(snapshot("v1", List.of(edsCluster("inventory")),
          List.of(endpoints("inventory", new int[] {9001}, new int[] {1})),
          List.of(listener("outbound", "outbound-routes")),
          List.of(routes("outbound-routes", "inventory", prefix("all", "/", "inventory")))));
      XdsBootstrap bootstrap = XdsBootstrap.parse("""
          server: %s
          tls: { trusted_ca: %s, client_cert: %s, client_key: %s }
          node: { id: frontend-1 }
          outbound: [outbound]
          """.formatted(cp.address(), caPem, certPem, keyPem));

      try (XdsClient xds = XdsClient.builder(bootstrap, mesh).scheduler(time)
          .random(new Random(1)).start()) {
        assertThat(xds.awaitStatus(s -> s.types().get("Cluster").version().equals("v1")
            && s.types().get("ClusterLoadAssignment").version().equals("v1"), WAIT)).isTrue();
        assertThat(mesh.current().cluster("inventory").statuses())
            .extracting(st -> st.endpoint().address()).containsExactly("127.0.0.1:9001");
      }
    }
  }

  @Test
  void aServerCertificateNotSignedByTheTrustedCaIsRefused(@TempDir Path dir) throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate server = new HeldCertificate.Builder().signedBy(other)
        .addSubjectAlternativeName("127.0.0.1").build();
    Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
    SslContext serverSsl = GrpcSslContexts.forServer(
        stream(server.certificatePem()), stream(server.privateKeyPkcs8Pem())).build();
    FakeTime time = new FakeTime();
    try (ControlPlane cp = new ControlPlane(serverSsl);
        Mesh mesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: s\n"))
            .ticker(time).scheduler(time).build()) {
      XdsBootstrap bootstrap = XdsBootstrap.builder().server(cp.address()).trustedCa(caPem)
          .nodeId("n").outbound("outbound").build();

      try (XdsClient xds = XdsClient.builder(bootstrap, mesh).scheduler(time)
          .random(new Random(1)).start()) {
        assertThat(xds.awaitStatus(s -> s.state() == XdsStatus.State.BACKOFF, WAIT)).isTrue();
        assertThat(cp.requests()).isEmpty();
      }
    }
  }

  static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
  }
}
