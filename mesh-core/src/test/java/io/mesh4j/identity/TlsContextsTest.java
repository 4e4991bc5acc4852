package io.mesh4j.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real handshakes on loopback between contexts made by {@link TlsContexts}. */
class TlsContextsTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final TestPki.Held OTHER_CA = TestPki.ca("other CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path serverDir;
  @TempDir Path clientDir;
  final ExecutorService pool = Executors.newCachedThreadPool();
  final FakeTime time = new FakeTime();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Accepts one connection, handshakes, and answers the client's peer identity. */
  private Future<String> serveOnce(SSLServerSocket server) {
    return pool.submit(() -> {
      try (SSLSocket s = (SSLSocket) server.accept()) {
        s.setSoTimeout(5000);
        s.startHandshake();
        String peer;
        try {
          peer = SubjectNames.identityOf(
              (X509Certificate) s.getSession().getPeerCertificates()[0]);
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
          peer = "none";
        }
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        return peer;
      }
    });
  }

  private static SSLServerSocket listen(SSLContext c) throws IOException {
    return (SSLServerSocket) c.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private static X509Certificate call(TlsContexts.ClientTls client, SSLServerSocket server)
      throws IOException {
    try (SSLSocket s = (SSLSocket) client.socketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
      s.setSoTimeout(5000);
      s.startHandshake();
      assertThat(s.getInputStream().read()).isEqualTo(1);
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  void mutualTlsVerifiesBothSidesBySpiffeId() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    List<String> verified = new CopyOnWriteArrayList<>();
    PeerObserver observer = new PeerObserver() {
      @Override
      public void verified(String identity) {
        verified.add(identity);
      }

      @Override
      public void refused(String identity, String reason) {}
    };
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      Future<String> seen = serveOnce(server);
      X509Certificate peer = call(TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), observer, Clock.systemUTC(), "1.2", null), server);
      assertThat(SubjectNames.spiffeId(peer)).isEqualTo(API);
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(WEB);
      assertThat(verified).containsExactly(API);
    }
  }

  @Test
  void aServerWithAnotherSpiffeIdFromTheSameCaIsRefused() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, "spiffe://corp.test/ns/prod/sa/mitm"), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    List<String> refused = new CopyOnWriteArrayList<>();
    PeerObserver observer = new PeerObserver() {
      @Override
      public void verified(String identity) {}

      @Override
      public void refused(String identity, String reason) {
        refused.add(identity);
      }
    };
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      serveOnce(server);
      assertThatThrownBy(() -> call(TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), observer, Clock.systemUTC(), "1.2", null), server))
          .isInstanceOf(SSLHandshakeException.class)
          .satisfies(e -> assertThat(PeerIdentityException.find(e)).isNotNull()
              .extracting(PeerIdentityException::presented)
              .isEqualTo("spiffe://corp.test/ns/prod/sa/mitm"));
      assertThat(refused).containsExactly("spiffe://corp.test/ns/prod/sa/mitm");
    }
  }

  @Test
  void aClientWithoutCertificateIsRefusedByAStrictServer() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      Future<String> seen = serveOnce(server);
      TlsContexts.ClientTls simple = TlsContexts.client(c, false, PeerVerification.anyTrusted(),
          PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      assertThatThrownBy(() -> call(simple, server)).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> seen.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aClientOfAnotherTrustDomainIsRefused() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(OTHER_CA, "spiffe://other.test/sa/web"), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      Future<String> seen = serveOnce(server);
      TlsContexts.ClientTls client = TlsContexts.client(c, true, PeerVerification.anyTrusted(),
          PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      assertThatThrownBy(() -> call(client, server)).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> seen.get(5, TimeUnit.SECONDS))
          .hasRootCauseMessage("Path does not chain with any of the trust anchors");
    }
  }

  @Test
  void anExpiredServerCertificateIsRefused() throws Exception {
    Instant now = Instant.now();
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API, now.minus(Duration.ofDays(2)),
        now.minus(Duration.ofDays(1))), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      serveOnce(server);
      TlsContexts.ClientTls client = TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      assertThatThrownBy(() -> call(client, server)).isInstanceOf(SSLHandshakeException.class)
          .hasStackTraceContaining("validity check failed");
    }
  }

  @Test
  void aRotationIsUsedByTheNextHandshakeWithoutANewContext() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      TlsContexts.ClientTls client = TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      serveOnce(server);
      X509Certificate first = call(client, server);
      TestPki.Held rotated = TestPki.leaf(CA, API);
      TestPki.writeIdentity(serverDir, rotated, CA);
      time.advance(Duration.ofSeconds(5));
      serveOnce(server);
      assertThat(call(client, server)).isEqualTo(rotated.certificate()).isNotEqualTo(first);
    }
  }

  @Test
  void aChangeOfTheMaterialReplacesTheSessionCachesEvenForAFactoryTakenBefore() throws Exception {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time)) {
      SSLContext serverContext = TlsContexts.server(s);
      TlsContexts.ClientTls client = TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      javax.net.ssl.SSLSessionContext serverSessions = serverContext.getServerSessionContext();
      try (SSLServerSocket server = listen(serverContext)) {
        serveOnce(server);
        call(client, server);
        // The server's material changes: a new context behind the same SSLContext, so a session
        // made with the old certificate cannot be resumed by any provider.
        TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
        time.advance(Duration.ofSeconds(5));
        assertThat(serverContext.getServerSessionContext()).isNotSameAs(serverSessions);
        // The listening socket came from the factory taken before; new server sockets, and
        // client sockets from a factory taken before a change, come from the context in force.
        TestPki.Held rotated = TestPki.leaf(CA, WEB);
        TestPki.writeIdentity(clientDir, rotated, CA);
        time.advance(Duration.ofSeconds(5));
        try (SSLServerSocket again = listen(serverContext)) {
          Future<String> seen = serveOnce(again);
          call(client, again);
          assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(WEB);
        }
      }
    }
  }

  @Test
  void clearingSessionsAProviderWillNotInvalidateLeavesThemToTheNewContext() {
    javax.net.ssl.SSLSession refusing = (javax.net.ssl.SSLSession) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {javax.net.ssl.SSLSession.class}, (p, m, a) -> {
          if (m.getName().equals("invalidate")) throw new UnsupportedOperationException();
          return null;
        });
    List<String> asked = new CopyOnWriteArrayList<>();
    javax.net.ssl.SSLSessionContext ctx = new javax.net.ssl.SSLSessionContext() {
      @Override public java.util.Enumeration<byte[]> getIds() {
        return java.util.Collections.enumeration(List.of(new byte[] {1}, new byte[] {2}));
      }
      @Override public javax.net.ssl.SSLSession getSession(byte[] id) {
        asked.add("session " + id[0]);
        return refusing;
      }
      @Override public void setSessionTimeout(int seconds) { }
      @Override public int getSessionTimeout() { return 0; }
      @Override public void setSessionCacheSize(int size) { }
      @Override public int getSessionCacheSize() { return 0; }
    };

    TlsContexts.clear(ctx); // Conscrypt's sessions throw here; a rotation must not fail on it

    assertThat(asked).containsExactly("session 1"); // it stops at the first refusal
  }

  @Test
  void aNewCaIsTrustedOnceAddedAndTheOldOneNotOnceRemoved() throws Exception {
    TestPki.Held newCa = TestPki.ca("new CA");
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA, newCa);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    try (var s = TestPki.source(serverDir, time); var c = TestPki.source(clientDir, time);
        SSLServerSocket server = listen(TlsContexts.server(s))) {
      TlsContexts.ClientTls client = TlsContexts.client(c, true,
          PeerVerification.spiffeIds(List.of(API)), PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
      // the client adds the new CA, then the server moves to a certificate of the new CA
      TestPki.writeIdentity(clientDir, TestPki.leaf(newCa, WEB), CA, newCa);
      time.advance(Duration.ofSeconds(5));
      TestPki.writeIdentity(serverDir, TestPki.leaf(newCa, API), CA, newCa);
      time.advance(Duration.ofSeconds(5));
      Future<String> seen = serveOnce(server);
      assertThat(call(client, server).getIssuerX500Principal().getName()).isEqualTo("CN=new CA");
      assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo(WEB);
      // the server drops the old CA: a client still holding an old-CA certificate is refused
      TestPki.writeIdentity(serverDir, TestPki.leaf(newCa, API), newCa);
      time.advance(Duration.ofSeconds(5));
      Path oldDir = clientDir.resolveSibling(clientDir.getFileName() + "-old");
      java.nio.file.Files.createDirectories(oldDir);
      TestPki.writeIdentity(oldDir, TestPki.leaf(CA, WEB), CA, newCa);
      try (var old = TestPki.source(oldDir, time)) {
        Future<String> refused = serveOnce(server);
        TlsContexts.ClientTls stale = TlsContexts.client(old, true, PeerVerification.anyTrusted(),
            PeerObserver.NONE, Clock.systemUTC(), "1.2", null);
        assertThatThrownBy(() -> call(stale, server)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(SSLHandshakeException.class);
      }
    }
  }

  @Test
  void minVersionIsEnforced() {
    assertThat(TlsContexts.protocols("1.3")).containsExactly("TLSv1.3");
    assertThat(TlsContexts.protocols("1.2")).containsExactly("TLSv1.2", "TLSv1.3");
    assertThatThrownBy(() -> TlsContexts.protocols("1.1"))
        .hasMessage("min_version: 1.1 (expected: 1.2 or 1.3)");
  }
}
