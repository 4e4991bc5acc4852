package io.mesh4j.config;

import java.time.Duration;

/**
 * A named source of the workload's certificate, key and trust bundle ({@code
 * identity_sources[]}), referred to by {@code tls.source}. Immutable. At most one of {@code pem}
 * and {@code workloadApi} is set (the validator reports both); with neither, a source of that name
 * must be registered in code.
 *
 * @param name unique; letters, digits and {@code . _ - | :}
 * @param pem PEM files watched for changes, or {@code null}
 * @param workloadApi the SPIFFE Workload API (made by an {@link
 *     io.mesh4j.identity.IdentitySourceProvider} of kind {@code workload_api}, which {@code
 *     io.mesh4j:mesh-spiffe} provides), or {@code null}. With neither this nor {@code pem}, a
 *     source of that name must be registered in code ({@code Mesh.builder().identitySource(...)}:
 *     SDS, a source of your own)
 */
public record IdentitySourceConfig(String name, Pem pem, WorkloadApi workloadApi) {

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

  /**
   * The SPIFFE Workload API ({@code identity_sources[].workload_api}): the local agent (SPIRE's)
   * streams the workload's X.509 SVIDs and trust bundle over a Unix socket.
   *
   * @param socket the agent's address, {@code unix:///path} (or {@code unix:/path}); {@code null}:
   *     the {@code SPIFFE_ENDPOINT_SOCKET} environment variable when the source is made
   * @param spiffeId the SVID to serve, {@code spiffe://trust-domain/path}; {@code null}: the first
   *     (default) SVID the agent sends
   * @param initialTimeout how long making the source (the mesh build or reload) waits for the
   *     first SVID (default 30s)
   */
  public record WorkloadApi(String socket, String spiffeId, Duration initialTimeout) {
    /** The default {@code initial_timeout}. */
    public static final Duration DEFAULT_INITIAL_TIMEOUT = Duration.ofSeconds(30);

    public WorkloadApi {
      initialTimeout = initialTimeout == null ? DEFAULT_INITIAL_TIMEOUT : initialTimeout;
    }
  }
}
