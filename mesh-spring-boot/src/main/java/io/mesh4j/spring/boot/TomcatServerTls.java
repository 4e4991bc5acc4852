package io.mesh4j.spring.boot;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import org.apache.catalina.connector.Connector;
import org.apache.tomcat.util.net.SSLContext;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * Turns a Tomcat connector (Tomcat 10.1 and 11) into a TLS connector over {@link
 * io.mesh4j.Mesh#serverTls()}: Tomcat takes a ready context through its own {@link SSLContext}
 * interface (the recipe of docs/security.md). Client certificates are {@code required} in strict
 * mode, {@code optional} in permissive mode; Tomcat exposes a verified one to {@code MeshFilter}.
 * The connector offers the mesh context's protocols and cipher suites, in its order (server order
 * wins), not Tomcat's defaults.
 */
final class TomcatServerTls {
  private TomcatServerTls() {}

  static void apply(Connector connector, ServerTlsSettings tls) {
    SSLHostConfig host = new SSLHostConfig();
    host.setCertificateVerification(tls.requireClientCertificate ? "required" : "optional");
    // Tomcat sets its own protocols and cipher list (OpenSSL's "HIGH", CBC suites included) on
    // every engine, over the context's: hand it the mesh's. honorCipherOrder stays unset: set, it
    // makes Tomcat impose its own re-sorted order (AES-256 first); unset, the context's order wins.
    SSLParameters mesh = tls.context.getDefaultSSLParameters();
    host.setProtocols(String.join(",", mesh.getProtocols()));
    host.setCiphers(String.join(",", mesh.getCipherSuites()));
    SSLHostConfigCertificate certificate =
        new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
    certificate.setSslContext(new MeshContext(tls));
    host.addCertificate(certificate);
    connector.setSecure(true);
    connector.setScheme("https");
    connector.setProperty("SSLEnabled", "true");
    connector.addSslHostConfig(host);
  }

  /** Tomcat's view of the mesh's (already initialised, self-rotating) JDK context. */
  private static final class MeshContext implements SSLContext {
    private final ServerTlsSettings tls;

    MeshContext(ServerTlsSettings tls) {
      this.tls = tls;
    }

    @Override
    public void init(KeyManager[] kms, TrustManager[] tms, SecureRandom sr) {
      // initialised by the mesh; its key and trust managers read the current identity
    }

    @Override
    public void destroy() {}

    @Override
    public SSLSessionContext getServerSessionContext() {
      return tls.context.getServerSessionContext();
    }

    @Override
    public SSLEngine createSSLEngine() {
      return tls.context.createSSLEngine();
    }

    @Override
    public SSLServerSocketFactory getServerSocketFactory() {
      return tls.context.getServerSocketFactory();
    }

    @Override
    public SSLParameters getSupportedSSLParameters() {
      return tls.context.getSupportedSSLParameters();
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return tls.certificateChain();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return tls.acceptedIssuers();
    }
  }
}
