package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.TestPki;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.CipherSuite;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Inbound mutual TLS on the embedded server (Tomcat or Jetty, per surefire execution): the mesh
 * config's inbound.tls makes Boot's server serve the workload certificate from PEM files; a mesh4j
 * client presenting its certificate reaches the controller, which sees its SPIFFE ID; a client
 * without one is refused in strict mode before the application; a rotation on disk is served to the
 * next handshake; permissive mode lets a client without a certificate in over TLS; server.ssl.*
 * beside inbound.tls fails the startup.
 */
class MeshServerTlsTest {
  static final TestPki.Held CA = TestPki.ca("boot test CA");
  static final String APP = "spiffe://corp.test/ns/test/sa/boot-app";
  static final String WEB = "spiffe://corp.test/ns/test/sa/web";
  static Path dir;
  static Path serverDir;
  static ConfigurableApplicationContext app;
  static Mesh client;
  static OkHttpClient meshHttp;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("mesh-tls");
    serverDir = Files.createDirectory(dir.resolve("server"));
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, APP), CA);
    app = Apps.start(Map.of("mesh4j.config", Apps.configFile(serverConfig("strict")),
        "mesh4j.shutdown.drain-delay", "0s"));

    Path clientDir = Files.createDirectory(dir.resolve("client"));
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    client = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: boot-app
            endpoints: ["127.0.0.1:%d"]
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
        """.formatted(Apps.port(app), APP) + sources(clientDir))).build();
    meshHttp = MeshOkHttp.wrap(new OkHttpClient(), client);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    if (client != null) client.close();
    FileSystemUtils.deleteRecursively(dir.toFile());
  }

  static String sources(Path d) {
    return """
        identity_sources:
          - name: workload
            pem: { cert_chain: "%s", private_key: "%s", trust_bundle: "%s", refresh: 100ms }
        """.formatted(d.resolve("tls.crt"), d.resolve("tls.key"), d.resolve("ca.crt"));
  }

  static String serverConfig(String mode) {
    return """
        version: 1
        service: boot-app
        inbound:
          tls: { mode: %s, source: workload }
        """.formatted(mode) + sources(serverDir);
  }

  @Test
  void aMeshClientWithItsCertificateReachesTheApplicationWhichSeesItsSpiffeId() throws IOException {
    try (Response r = meshHttp.newCall(new Request.Builder().url("http://boot-app/whoami").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("tls " + WEB);
      assertThat(r.handshake()).isNotNull();
      assertThat(r.handshake().tlsVersion()).isEqualTo(TlsVersion.TLS_1_3);
      assertThat(r.handshake().cipherSuite()).isEqualTo(CipherSuite.TLS_AES_128_GCM_SHA256);
      assertThat(Apps.webServerClass(app)).containsIgnoringCase(Apps.SERVER);
    }
  }

  @Test
  void aClientWithoutACertificateIsRefusedInStrictModeAndTheApplicationSeesNothing() {
    int before = TestApp.applicationHits.get();
    String url = "https://127.0.0.1:" + Apps.port(app) + "/whoami";
    assertThatThrownBy(() -> {
      try (Response r = anonymousTls().newCall(new Request.Builder().url(url).build()).execute()) {
        r.body().string();
      }
    }).isInstanceOf(IOException.class);
    // Plaintext to the TLS port never reaches the application either.
    OkHttpClient plain = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(10)).build();
    String plainUrl = "http://127.0.0.1:" + Apps.port(app) + "/whoami";
    try (Response r = plain.newCall(new Request.Builder().url(plainUrl).build()).execute()) {
      assertThat(r.code()).isNotEqualTo(200);
    } catch (IOException expected) {
      // the container closed the connection
    }
    assertThat(TestApp.applicationHits.get()).isEqualTo(before);
  }

  @Test
  void aRotationOnDiskIsServedToTheNextHandshakeWithoutARestart() throws Exception {
    Mesh serverMesh = app.getBean(Mesh.class);
    X509Certificate before = serverCertificate();
    TestPki.Held rotated = TestPki.leaf(CA, APP);
    CountDownLatch changed = new CountDownLatch(1);
    try (AutoCloseable l = serverMesh.identitySource("workload").onChange(id -> changed.countDown())) {
      TestPki.writeIdentity(serverDir, rotated, CA);
      assertThat(changed.await(10, TimeUnit.SECONDS)).isTrue();
    }
    meshHttp.connectionPool().evictAll();
    assertThat(serverCertificate()).isEqualTo(rotated.certificate()).isNotEqualTo(before);
  }

  @Test
  void permissiveModeLetsAClientWithoutACertificateInOverTls() throws IOException {
    ConfigurableApplicationContext permissive = Apps.start(Map.of(
        "mesh4j.config", Apps.configFile(serverConfig("permissive")),
        "mesh4j.shutdown.drain-delay", "0s"));
    try {
      String url = "https://127.0.0.1:" + Apps.port(permissive) + "/whoami";
      try (Response r = anonymousTls().newCall(new Request.Builder().url(url).build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("tls anonymous");
        // The JDK's defaults list AES-256-GCM first; the container keeps the mesh's order.
        assertThat(r.handshake().cipherSuite()).isEqualTo(CipherSuite.TLS_AES_128_GCM_SHA256);
      }
      // TLS 1.2 with only a CBC suite: the container enables none (AEAD only).
      OkHttpClient cbcOnly = anonymousTls().newBuilder().connectionSpecs(List.of(
          new ConnectionSpec.Builder(true).tlsVersions(TlsVersion.TLS_1_2)
              .cipherSuites(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256).build()))
          .build();
      assertThatThrownBy(() -> cbcOnly.newCall(new Request.Builder().url(url).build()).execute()
          .close()).isInstanceOf(IOException.class);
    } finally {
      permissive.close();
    }
  }

  @Test
  void serverSslBesideInboundTlsFailsTheStartupNamingBoth() {
    assertThatThrownBy(() -> Apps.start(Map.of(
        "mesh4j.config", Apps.configFile(serverConfig("strict")),
        "server.ssl.enabled", "true")).close())
        .satisfies(e -> {
          Throwable root = e;
          while (root.getCause() != null) root = root.getCause();
          assertThat(root).isInstanceOf(IllegalStateException.class);
          assertThat(root.getMessage()).contains("server.ssl.*").contains("inbound.tls")
              .contains("mesh4j.server-tls.enabled=false");
        });
  }

  private static X509Certificate serverCertificate() throws IOException {
    try (Response r = meshHttp.newCall(new Request.Builder().url("http://boot-app/whoami").build())
        .execute()) {
      assertThat(r.body().string()).isEqualTo("tls " + WEB);
      return (X509Certificate) r.handshake().peerCertificates().get(0);
    }
  }

  /** Trusts the CA, presents no certificate. */
  private static OkHttpClient anonymousTls() {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", CA.certificate());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
      return new OkHttpClient.Builder().sslSocketFactory(ctx.getSocketFactory(), tm)
          .hostnameVerifier((h, s) -> true).callTimeout(Duration.ofSeconds(10)).build();
    } catch (GeneralSecurityException | IOException e) {
      throw new AssertionError(e);
    }
  }
}
