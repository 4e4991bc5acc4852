package io.mesh4j.xds.translate;

import java.util.Objects;

/**
 * Which two SDS secrets make one mesh4j identity source: a {@code tls_certificate} secret
 * (certificate chain and private key) and a {@code validation_context} secret (the trusted CAs).
 * The translator writes {@code tls.source: <source>} for an Envoy TLS context whose SDS secret
 * configs name these secrets, and declares {@code identity_sources: [{name: <source>}]}.
 *
 * <p>An Envoy context that only validates (no certificate: mesh4j's {@code simple} mode) uses the
 * first binding whose {@code validationContext} it names. Immutable.
 *
 * @param source the identity source's name ({@code tls.source})
 * @param certificate the {@code tls_certificate} secret's name
 * @param validationContext the {@code validation_context} secret's name
 */
public record SdsBinding(String source, String certificate, String validationContext) {

  public SdsBinding {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(validationContext, "validationContext");
    if (source.isBlank()) throw new IllegalArgumentException("source: blank");
    if (certificate.isBlank()) throw new IllegalArgumentException("certificate: blank");
    if (validationContext.isBlank()) {
      throw new IllegalArgumentException("validationContext: blank");
    }
  }
}
