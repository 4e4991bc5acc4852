package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.WorkloadIdentity;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;

/**
 * What the embedded server needs to terminate the mesh's inbound TLS: {@link Mesh#serverTls()} and
 * whether client certificates are required ({@code strict}) or only requested ({@code
 * permissive}). Decided once, when Boot creates the web server; the context itself follows
 * rotations and reloads on every handshake.
 */
final class ServerTlsSettings {
  private final Mesh mesh;
  final SSLContext context;
  final boolean requireClientCertificate;

  private ServerTlsSettings(Mesh mesh, InboundTlsConfig inbound) {
    this.mesh = mesh;
    this.context = mesh.serverTls();
    this.requireClientCertificate = inbound.mode() == InboundTlsConfig.Mode.STRICT;
  }

  /**
   * The settings for {@code factory}, or {@code null} when the mesh config has no {@code
   * inbound.tls} (the server is left as Boot made it).
   *
   * @throws IllegalStateException when Boot's own {@code server.ssl} is enabled too
   */
  static ServerTlsSettings of(Mesh mesh, ConfigurableWebServerFactory factory) {
    InboundTlsConfig inbound = mesh.current().config().inbound().tls();
    if (inbound == null) return null;
    if (factory instanceof AbstractConfigurableWebServerFactory f && Ssl.isEnabled(f.getSsl())) {
      throw new IllegalStateException("mesh4j: the web server's TLS is configured twice: by"
          + " server.ssl.* and by the mesh config's inbound.tls (source " + inbound.source()
          + "). Remove server.ssl.* to serve the mesh's workload certificate, or set"
          + " mesh4j.server-tls.enabled=false to keep server.ssl.*");
    }
    return new ServerTlsSettings(mesh, inbound);
  }

  /** The certificate chain served now (for containers that ask), leaf first. */
  X509Certificate[] certificateChain() {
    WorkloadIdentity id = currentIdentity();
    return id == null ? new X509Certificate[0]
        : id.certificateChain().toArray(new X509Certificate[0]);
  }

  /** The CA certificates client certificates must chain to now. */
  X509Certificate[] acceptedIssuers() {
    WorkloadIdentity id = currentIdentity();
    return id == null ? new X509Certificate[0]
        : id.trustBundle().toArray(new X509Certificate[0]);
  }

  private WorkloadIdentity currentIdentity() {
    InboundTlsConfig inbound = mesh.current().config().inbound().tls();
    if (inbound == null) return null;
    IdentitySource source = mesh.identitySource(inbound.source());
    return source == null ? null : source.current();
  }
}
