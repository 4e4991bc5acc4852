package io.mesh4j.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol and cipher suites {@link TlsContexts} offer and accept, over real handshakes on
 * loopback: AEAD suites only, AES-128-GCM first, and the server's order wins.
 */
class TlsCipherSuitesTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";
  static final List<String> JDK_DEFAULTS = List.of("TLS_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256");

  @TempDir Path serverDir;
  @TempDir Path clientDir;
  final ExecutorService pool = Executors.newCachedThreadPool();
  final FakeTime time = new FakeTime();
  PemFileIdentitySource serverSource;
  PemFileIdentitySource clientSource;

  @BeforeEach
  void identities() {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    serverSource = TestPki.source(serverDir, time);
    clientSource = TestPki.source(clientDir, time);
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    serverSource.close();
    clientSource.close();
  }

  private TlsContexts.ClientTls client(String minVersion) {
    return TlsContexts.client(clientSource, true, PeerVerification.spiffeIds(List.of(API)),
        PeerObserver.NONE, Clock.systemUTC(), minVersion, null);
  }

  private SSLContext server(String minVersion) {
    return TlsContexts.server(serverSource, true, PeerVerification.anyTrusted(),
        PeerObserver.NONE, Clock.systemUTC(), minVersion);
  }

  /** Accepts one connection, handshakes, and answers "protocol suite" as the server saw it. */
  private Future<String> serveOnce(SSLServerSocket server) {
    return pool.submit(() -> {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        s.setSoTimeout(5000);
        s.startHandshake();
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
      }
    });
  }

  /** One handshake from a socket of {@code client}, adjusted by {@code tweak} first. */
  private static String call(TlsContexts.ClientTls client, SSLServerSocket server,
      Consumer<SSLSocket> tweak) throws IOException {
    try (SSLSocket s = (SSLSocket) client.socketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
      tweak.accept(s);
      s.setSoTimeout(5000);
      s.startHandshake();
      assertThat(s.getInputStream().read()).isEqualTo(1);
      return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
    }
  }

  private static SSLServerSocket listen(SSLContext c) throws IOException {
    return (SSLServerSocket) c.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @Test
  void meshClientAndServerNegotiateTls13WithAes128Gcm() throws Exception {
    try (SSLServerSocket server = listen(server("1.2"))) {
      Future<String> seen = serveOnce(server);
      assertThat(call(client("1.2"), server, s -> {})).isEqualTo("TLSv1.3 TLS_AES_128_GCM_SHA256");
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("TLSv1.3 TLS_AES_128_GCM_SHA256");
    }
  }

  @Test
  void theServersOrderWinsOverAClientThatListsAes256First() throws Exception {
    try (SSLServerSocket server = listen(server("1.2"))) {
      serveOnce(server);
      assertThat(call(client("1.2"), server, s -> s.setEnabledCipherSuites(new String[] {
          "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"})))
          .isEqualTo("TLSv1.3 TLS_AES_128_GCM_SHA256");
    }
  }

  @Test
  void tls12UsesEcdheWithAes128Gcm() throws Exception {
    try (SSLServerSocket server = listen(server("1.2"))) {
      Future<String> seen = serveOnce(server);
      assertThat(call(client("1.2"), server, s -> s.setEnabledProtocols(new String[] {"TLSv1.2"})))
          .isEqualTo("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
      assertThat(seen.get(5, TimeUnit.SECONDS))
          .isEqualTo("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }
  }

  @Test
  void aClientOfferingOnlyCbcSuitesIsRefused() throws Exception {
    try (SSLServerSocket server = listen(server("1.2"))) {
      Future<String> seen = serveOnce(server);
      assertThatThrownBy(() -> call(client("1.2"), server, s -> {
        s.setEnabledProtocols(new String[] {"TLSv1.2"});
        s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
      })).isInstanceOf(SSLHandshakeException.class);
      assertThatThrownBy(() -> seen.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("no cipher suites in common");
    }
  }

  @Test
  void theContextsEnableOnlyTheirSuitesInOrder() {
    List<String> both = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    SSLContext s = server("1.2");
    assertThat(s.createSSLEngine().getEnabledCipherSuites()).containsExactlyElementsOf(both);
    assertThat(s.getDefaultSSLParameters().getCipherSuites()).containsExactlyElementsOf(both);
    assertThat(s.createSSLEngine().getSSLParameters().getUseCipherSuitesOrder()).isTrue();
    assertThat(s.getServerSocketFactory().getDefaultCipherSuites()).containsExactlyElementsOf(both);
    assertThat(client("1.2").socketFactory().getDefaultCipherSuites())
        .containsExactlyElementsOf(both);
    assertThat(server("1.3").createSSLEngine().getEnabledCipherSuites()).containsExactly(
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
  }

  @Test
  void suitesTheJvmDisabledAreLeftOutAndNoneLeftIsAnError() {
    assertThat(TlsContexts.cipherSuites("1.2", JDK_DEFAULTS)).containsExactly(
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    assertThat(TlsContexts.cipherSuites("1.3", List.of("TLS_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))).containsExactly("TLS_AES_256_GCM_SHA384");
    assertThatThrownBy(() -> TlsContexts.cipherSuites("1.3",
        List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("TLS: none of the AEAD cipher suites mesh4j uses is enabled");
  }
}
