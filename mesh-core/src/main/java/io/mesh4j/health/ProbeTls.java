package io.mesh4j.health;

import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS a health check speaks to an endpoint of a cluster with {@code clusters[].tls}, as
 * Envoy's health checks use the cluster's transport socket: {@code socketFactory} presents the
 * workload's current certificate ({@code mutual}) and sends the cluster's {@code sni};
 * {@code trustManager} accepts a server only when its chain reaches the trust bundle and its identity
 * is one the cluster's {@code verify} allows. A probe that uses them has verified the server's
 * identity, so it must not check the host name as well (endpoints are addresses, certificates name
 * identities).
 *
 * @param socketFactory makes the client sockets of the cluster's TLS
 * @param trustManager the cluster's server verification, the one {@code socketFactory} uses
 */
public record ProbeTls(SSLSocketFactory socketFactory, X509TrustManager trustManager) {
  /** Checks both are given. */
  public ProbeTls {
    Objects.requireNonNull(socketFactory, "socketFactory");
    Objects.requireNonNull(trustManager, "trustManager");
  }
}
