package io.mesh4j.xds;

import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.RotatingIdentitySource;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.xds.translate.SdsBinding;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link IdentitySource} fed by xDS SDS: two {@code Secret} resources that an {@link XdsClient}
 * receives over its ADS stream, from the same control plane as the listeners and clusters. The
 * {@code tls_certificate} secret gives the certificate chain and private key, the {@code
 * validation_context} secret the trusted CAs ({@code trusted_ca}); together they are one {@link
 * WorkloadIdentity}.
 *
 * <p>Wiring: make the source, register it with the mesh, and hand it to the client, which
 * subscribes to its two secrets. The mesh's config does not name it: the client declares it
 * ({@code identity_sources: [{name: ...}]}) in the config it applies, once the secrets arrived,
 * for the clusters and the inbound listener whose Envoy TLS contexts name these secrets (their
 * {@code tls.source}).
 *
 * <pre>{@code
 * SdsIdentitySource sds = SdsIdentitySource.of("workload", "default", "ROOTCA");
 * Mesh mesh = Mesh.builder().config(config).identitySource(sds).build();
 * XdsClient xds = XdsClient.builder(bootstrap, mesh).identitySource(sds).start();
 * }</pre>
 *
 * <p>Updates: each Secret response is checked before it is used (the key must belong to the first
 * certificate; the CA list must hold certificates; only the fields mesh4j understands may be set).
 * A good response is ACKed, and when it changes the material the source rotates (a new generation;
 * the next TLS handshakes use it, open connections are left alone). A bad one is NACKed with the
 * reason, the last good identity keeps serving, and {@link #lastError()} says why until a good
 * update arrives.
 *
 * <p>Unlike the other sources, {@link #current()} is {@code null} until the client received the
 * first good pair of secrets: the client holds back the config that would name the source until
 * then (its status shows {@code waiting for Secret <name>}). A config that names the source before
 * (in the mesh's own file) is refused, naming it. A source serves one client. {@link #close()} does
 * nothing: the source stops changing when its client is closed. Thread-safe.
 */
public final class SdsIdentitySource extends RotatingIdentitySource {
  private final String certificate;
  private final String validationContext;
  private final AtomicBoolean attached = new AtomicBoolean();
  private volatile String server = "";

  private SdsIdentitySource(String name, String certificate, String validationContext) {
    super(name);
    this.certificate = certificate;
    this.validationContext = validationContext;
  }

  /**
   * A source called {@code name} (the name config's {@code tls.source} uses) made of these two SDS
   * secrets.
   *
   * @param certificate the {@code tls_certificate} secret's name (Istio's {@code default})
   * @param validationContext the {@code validation_context} secret's name (Istio's {@code ROOTCA})
   * @throws IllegalArgumentException when a name is blank
   */
  public static SdsIdentitySource of(String name, String certificate, String validationContext) {
    SdsBinding b = new SdsBinding(Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(certificate, "certificate"),
        Objects.requireNonNull(validationContext, "validationContext"));
    return new SdsIdentitySource(b.source(), b.certificate(), b.validationContext());
  }

  /** The {@code tls_certificate} secret's name. */
  public String certificateSecret() {
    return certificate;
  }

  /** The {@code validation_context} secret's name. */
  public String validationContextSecret() {
    return validationContext;
  }

  SdsBinding binding() {
    return new SdsBinding(name(), certificate, validationContext);
  }

  /** Binds the source to a client; false when another client has it. */
  boolean attach(String server) {
    if (!attached.compareAndSet(false, true)) return false;
    this.server = server;
    return true;
  }

  void detach() {
    attached.set(false);
  }

  /** A checked identity from the client's secrets; returns whether it changed the current one. */
  boolean accept(WorkloadIdentity identity) {
    return publish(identity);
  }

  /** An update the client NACKed: the current identity stays. */
  void reject(String message) {
    refuse(message);
  }

  @Override
  public String describe() {
    return "xds sds tls_certificate=" + certificate + " validation_context=" + validationContext
        + (server.isEmpty() ? "" : " from " + server);
  }

  /** Nothing to release: the {@link XdsClient} feeds the source until it is closed. */
  @Override
  public void close() {}
}
