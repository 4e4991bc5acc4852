package io.mesh4j.config;

import java.time.Duration;

/**
 * A named source of the workload's certificate, key and trust bundle ({@code
 * identity_sources[]}), referred to by {@code tls.source}. Immutable.
 *
 * @param name unique; letters, digits and {@code . _ - | :}
 * @param pem PEM files watched for changes, or {@code null}: then a source of that name must be
 *     registered in code ({@code Mesh.builder().identitySource(...)}: the SPIFFE Workload API, SDS,
 *     a source of your own)
 */
public record IdentitySourceConfig(String name, Pem pem) {

  /**
   * PEM files, polled for changes ({@code identity_sources[].pem}).
   *
   * @param certChain the certificate chain file, leaf first
   * @param privateKey the private key file (the path; its content is never shown)
   * @param trustBundle the CA certificates file
   * @param refresh how often the files are checked (default 5s)
   */
  public record Pem(String certChain, String privateKey, String trustBundle, Duration refresh) {
    /** The default {@code refresh}. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

    public Pem {
      refresh = refresh == null ? DEFAULT_REFRESH : refresh;
    }
  }
}
