package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.SubjectNames;
import io.mesh4j.identity.TestPki;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Tomcat 11 recipe of docs/security.md: embedded Tomcat terminates mutual TLS with {@link
 * Mesh#serverTls()} through a small adapter to Tomcat's own {@code SSLContext} interface, and the
 * mesh4j client calls it; a rotation of the server's certificate is served without a restart.
 */
class MutualTlsTomcatTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path tmp;
  Tomcat tomcat;
  Mesh server;
  Mesh client;

  @AfterEach
  void stop() throws Exception {
    if (tomcat != null) tomcat.stop();
    if (client != null) client.close();
    if (server != null) server.close();
  }

  private static String sources(Path dir) {
    return """
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s, refresh: 100ms }
        """.formatted(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"));
  }

  /** The recipe: Tomcat's SSLContext interface over the mesh's server context. */
  static org.apache.tomcat.util.net.SSLContext tomcatContext(Mesh mesh) {
    javax.net.ssl.SSLContext jdk = mesh.serverTls();
    return new org.apache.tomcat.util.net.SSLContext() {
      @Override
      public void init(KeyManager[] k, TrustManager[] t, SecureRandom r) {}

      @Override
      public void destroy() {}

      @Override
      public SSLSessionContext getServerSessionContext() {
        return jdk.getServerSessionContext();
      }

      @Override
      public SSLEngine createSSLEngine() {
        return jdk.createSSLEngine();
      }

      @Override
      public SSLServerSocketFactory getServerSocketFactory() {
        return jdk.getServerSocketFactory();
      }

      @Override
      public SSLParameters getSupportedSSLParameters() {
        return jdk.getSupportedSSLParameters();
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return mesh.identitySource("workload").current().certificateChain()
            .toArray(new X509Certificate[0]);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return mesh.identitySource("workload").current().trustBundle()
            .toArray(new X509Certificate[0]);
      }
    };
  }

  @Test
  void tomcatServesMutualTlsWithTheMeshContextAndPicksUpARotation() throws Exception {
    Path serverDir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    server = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: api
        inbound: { tls: { mode: strict, source: workload } }
        """ + sources(serverDir))).build();
    tomcat = new Tomcat();
    tomcat.setBaseDir(tmp.resolve("tomcat").toString());
    SSLHostConfig host = new SSLHostConfig();
    host.setCertificateVerification("required");
    // The recipe's two lines: the mesh's protocols and suites, not Tomcat's "HIGH" list.
    javax.net.ssl.SSLParameters meshTls = server.serverTls().getDefaultSSLParameters();
    host.setProtocols(String.join(",", meshTls.getProtocols()));
    host.setCiphers(String.join(",", meshTls.getCipherSuites()));
    SSLHostConfigCertificate cert =
        new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
    cert.setSslContext(tomcatContext(server));
    host.addCertificate(cert);
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    connector.setSecure(true);
    connector.setScheme("https");
    connector.setProperty("SSLEnabled", "true");
    connector.addSslHostConfig(host);
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", tmp.toString());
    FilterDef def = new FilterDef();
    def.setFilterName("mesh");
    def.setFilter(new MeshFilter(server));
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("mesh");
    map.addURLPattern("/*");
    context.addFilterMap(map);
    Tomcat.addServlet(context, "app", Fixtures.servlet((req, res) -> {
      X509Certificate[] c = (X509Certificate[]) req.getAttribute(
          PeerIdentities.CERTIFICATES_ATTRIBUTE);
      Fixtures.write(res, 200, "app saw " + (c == null ? "none" : SubjectNames.identityOf(c[0])));
    }));
    context.addServletMappingDecoded("/", "app");
    tomcat.start();
    int port = connector.getLocalPort();

    Path clientDir = Files.createTempDirectory(tmp, "client");
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    client = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
        """.formatted(port, API) + sources(clientDir))).build();
    OkHttpClient http = MeshOkHttp.wrap(new OkHttpClient(), client);
    X509Certificate first;
    try (Response r = http.newCall(new Request.Builder().url("http://api/x").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("app saw " + WEB);
      assertThat(r.handshake().cipherSuite()).isEqualTo(okhttp3.CipherSuite.TLS_AES_128_GCM_SHA256);
      first = (X509Certificate) r.handshake().peerCertificates().get(0);
    }

    // Rotate the server's certificate: the next connection gets the new one, no restart.
    TestPki.Held rotated = TestPki.leaf(CA, API);
    CountDownLatch changed = new CountDownLatch(1);
    try (AutoCloseable l = server.identitySource("workload").onChange(id -> changed.countDown())) {
      TestPki.writeIdentity(serverDir, rotated, CA);
      assertThat(changed.await(10, TimeUnit.SECONDS)).isTrue();
    }
    http.connectionPool().evictAll();
    try (Response r = http.newCall(new Request.Builder().url("http://api/x").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("app saw " + WEB);
      assertThat(r.handshake().peerCertificates().get(0)).isEqualTo(rotated.certificate())
          .isNotEqualTo(first);
    }

    // Without a client certificate the handshake fails: strict.
    HandshakeCertificates trustOnly = new HandshakeCertificates.Builder()
        .addTrustedCertificate(CA.certificate()).build();
    OkHttpClient anonymous = new OkHttpClient.Builder()
        .sslSocketFactory(trustOnly.sslSocketFactory(), trustOnly.trustManager())
        .hostnameVerifier((h, s) -> true).callTimeout(Duration.ofSeconds(10)).build();
    assertThatThrownBy(() -> {
      try (Response r = anonymous.newCall(new Request.Builder()
          .url("https://127.0.0.1:" + port + "/x").build()).execute()) {
        r.body().string();
      }
    }).isInstanceOf(IOException.class);
  }
}
