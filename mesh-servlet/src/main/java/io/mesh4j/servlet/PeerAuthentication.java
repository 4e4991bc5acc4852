package io.mesh4j.servlet;

import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;

/**
 * {@code inbound.tls}: tells how a request's peer was authenticated (mutual TLS, TLS without a
 * client certificate, plaintext), counts it in {@code mesh.server.peer.authn{service, mode,
 * peer}}, and in {@code strict} mode refuses anything but mutual TLS, so plaintext never reaches
 * the application. The certificate is the one the container verified (with {@code
 * Mesh.serverTls()}, against the identity source's bundle). Counters are made once per mode and
 * peer kind. Thread-safe.
 */
final class PeerAuthentication {
  static final String MTLS = "mtls";
  static final String TLS = "tls";
  static final String PLAINTEXT = "plaintext";
  private static final String[] PEERS = {MTLS, TLS, PLAINTEXT};

  private final MeterRegistry registry;
  private final String service;
  /** [mode][peer]; filled on first use. */
  private final Counter[][] counters =
      new Counter[InboundTlsConfig.Mode.values().length][PEERS.length];

  PeerAuthentication(MeterRegistry registry, String service) {
    this.registry = registry;
    this.service = service;
  }

  /** {@code 0} mtls, {@code 1} tls without a client certificate, {@code 2} plaintext. */
  static int kind(HttpServletRequest req) {
    if (req.getAttribute(PeerIdentities.CERTIFICATES_ATTRIBUTE) instanceof X509Certificate[] c
        && c.length > 0) {
      return 0;
    }
    return req.isSecure() ? 1 : 2;
  }

  /**
   * Counts the request and tells whether it may go on: always in {@code permissive} mode, only
   * over mutual TLS in {@code strict} mode.
   */
  boolean admit(InboundTlsConfig tls, HttpServletRequest req) {
    int kind = kind(req);
    int mode = tls.mode().ordinal();
    Counter c = counters[mode][kind];
    if (c == null) {
      c = Counter.builder(MeshMetricNames.SERVER_PEER_AUTHN)
          .description("Inbound requests by TLS mode and how the peer was authenticated")
          .tag(MeshMetricNames.TAG_SERVICE, service)
          .tag(MeshMetricNames.TAG_MODE, tls.mode().configName())
          .tag(MeshMetricNames.TAG_PEER, PEERS[kind])
          .register(registry);
      counters[mode][kind] = c;
    }
    c.increment();
    return kind == 0 || tls.mode() == InboundTlsConfig.Mode.PERMISSIVE;
  }
}
