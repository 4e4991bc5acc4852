package io.mesh4j.spiffe;

import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import mockwebserver3.MockWebServer;
import okhttp3.Protocol;

/**
 * A MockWebServer on 127.0.0.1 serving a certificate for {@code spiffeId} signed by {@code ca}
 * (PEM files in {@code dir}) and requiring a client certificate; HTTP/1.1 only, so a response with
 * {@code Connection: close} ends its connection and the next call makes a new handshake.
 */
final class MutualTlsBackend implements AutoCloseable {
  final IdentitySource identity;
  final MockWebServer server;

  private MutualTlsBackend(IdentitySource identity, MockWebServer server) {
    this.identity = identity;
    this.server = server;
  }

  static MutualTlsBackend start(Path dir, TestPki.Held ca, String spiffeId) throws IOException {
    TestPki.writeIdentity(dir, TestPki.leaf(ca, spiffeId), ca);
    IdentitySource identity = PemFileIdentitySource.builder("server")
        .certChain(dir.resolve("tls.crt")).privateKey(dir.resolve("tls.key"))
        .trustBundle(dir.resolve("ca.crt")).build();
    MockWebServer server = new MockWebServer();
    server.useHttps(TlsContexts.server(identity).getSocketFactory());
    server.requireClientAuth();
    server.setProtocols(List.of(Protocol.HTTP_1_1));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return new MutualTlsBackend(identity, server);
  }

  @Override
  public void close() {
    server.close();
    identity.close();
  }
}
