package io.mesh4j.examples.boot;

import io.mesh4j.identity.PemFileIdentitySource;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The example's workload identity: a {@link PemFileIdentitySource} bean named {@code workload} over
 * the PEM files {@link DemoPki} generated for this service ({@code example.pki-dir}, {@code
 * example.identity}). The starter registers every {@code IdentitySource} bean with the mesh under
 * its name, so the services' mesh.yaml declare {@code identity_sources: [{name: workload}]}
 * without {@code pem} and refer to it as {@code tls.source}.
 *
 * <p>Only because the files' place is decided at startup: in a deployment the certificates sit at
 * fixed, mounted paths, and mesh.yaml names them itself ({@code pem: {cert_chain: ..., private_key:
 * ..., trust_bundle: ...}}) with no bean at all; a SPIFFE Workload API source
 * ({@code mesh-spiffe}) is declared as a bean exactly like this one.
 */
@Configuration(proxyBeanMethods = false)
public class DemoIdentity {

  /** Polls the files every 5 s and serves a rotation to the next handshake. */
  @Bean
  PemFileIdentitySource workload(@Value("${example.pki-dir}") Path pki,
      @Value("${example.identity}") String service) {
    Path dir = pki.resolve(service);
    return PemFileIdentitySource.builder("workload")
        .certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key"))
        .trustBundle(dir.resolve("ca.crt"))
        .build();
  }
}
