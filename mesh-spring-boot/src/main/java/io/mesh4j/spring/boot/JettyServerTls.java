package io.mesh4j.spring.boot;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Puts TLS over {@link io.mesh4j.Mesh#serverTls()} in front of every Jetty 12 {@link
 * ServerConnector} Boot made: client certificates needed in strict mode, wanted in permissive mode,
 * no host-name check of clients (they are checked by identity), and a {@link
 * SecureRequestCustomizer} (without Jetty's SNI host check: SPIFFE certificates name no host) so
 * the client certificate reaches {@code MeshFilter}.
 */
final class JettyServerTls {
  private JettyServerTls() {}

  static void apply(Server server, ServerTlsSettings tls) {
    for (Connector c : server.getConnectors()) {
      if (!(c instanceof ServerConnector connector)) continue;
      if (connector.getConnectionFactory(SslConnectionFactory.class) != null) continue;
      HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
      if (http == null) continue;
      HttpConfiguration config = http.getHttpConfiguration();
      if (config.getCustomizer(SecureRequestCustomizer.class) == null) {
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        config.addCustomizer(secure);
      }
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setSslContext(tls.context);
      if (tls.requireClientCertificate) ssl.setNeedClientAuth(true);
      else ssl.setWantClientAuth(true);
      ssl.setEndpointIdentificationAlgorithm(null);
      String next = connector.getDefaultProtocol();
      connector.addFirstConnectionFactory(new SslConnectionFactory(ssl, next));
    }
  }
}
