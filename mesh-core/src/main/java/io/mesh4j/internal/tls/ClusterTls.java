package io.mesh4j.internal.tls;

import io.mesh4j.config.TlsConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PeerObserver;
import io.mesh4j.identity.TlsContexts;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The client TLS of one cluster: the socket factory and trust manager its attempts use (the
 * source's current certificate, the cluster's {@code verify} and {@code sni}), and what its
 * handshakes saw: the server identities verified, and refusals (counted in {@code
 * mesh.tls.peer.refused{cluster}}, the last reason kept for the admin page). Also the last
 * peer-identity refusal of each endpoint ({@link #endpointRefusals}), whether the cluster's {@code
 * verify} refused it at the handshake or a route's {@code verify} refused the connection before a
 * request on that route was written, with what was presented, what was allowed, when and how many
 * times, for the admin page and {@code explain}. Kept across reloads
 * while the cluster's {@code tls} and its source stay the same, so pooled connections survive a
 * reload. Thread-safe.
 *
 * <p>Engine internal: public only for the adapters and the admin page.
 */
public final class ClusterTls implements PeerObserver {
  private static final int MAX_PEERS = 64;
  /** Endpoints whose last refusal is kept; past that the table starts over (a refusal storm). */
  static final int MAX_REFUSED_ENDPOINTS = 64;

  private final String cluster;
  private final TlsConfig config;
  private final IdentitySource source;
  private final SSLSocketFactory socketFactory;
  private final X509TrustManager trustManager;
  private final Counter refusedCounter;
  private final ConcurrentHashMap<String, Long> verified = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final java.time.Clock clock;
  private volatile String lastRefusal;
  private final ConcurrentHashMap<String, EndpointRefusal> endpointRefusals =
      new ConcurrentHashMap<>();

  /**
   * The last peer-identity refusal of one endpoint, and how many there were.
   *
   * @param endpoint the endpoint's {@code host:port}
   * @param presented the identity its certificate asserted (SPIFFE ID, SANs or CN), or {@code null}
   *     when it asserted none
   * @param allowed what the refusing check allows, in words ({@code SPIFFE ID spiffe://...})
   * @param by {@code cluster} (the cluster's {@code tls.verify}, at the handshake) or {@code route
   *     <virtual host>/<route>} (a route's {@code verify}, before the request was written)
   * @param at when (the mesh clock)
   * @param count refusals of this endpoint since the cluster's TLS was configured
   */
  public record EndpointRefusal(String endpoint, String presented, String allowed, String by,
      java.time.Instant at, long count) {}

  private final io.mesh4j.health.ProbeTls probeTls;

  ClusterTls(String cluster, TlsConfig config, IdentitySource source, java.time.Clock clock,
      Counter refusedCounter) {
    this.cluster = cluster;
    this.config = config;
    this.source = source;
    this.clock = clock;
    this.refusedCounter = refusedCounter;
    TlsContexts.ClientTls tls = TlsContexts.client(source,
        config.mode() == TlsConfig.Mode.MUTUAL, MeshTls.verification(config.verify()), this,
        clock, config.minVersion(), config.sni());
    this.socketFactory = tls.socketFactory();
    this.trustManager = tls.trustManager();
    this.probeTls = new io.mesh4j.health.ProbeTls(socketFactory, trustManager);
  }

  /** The same socket factory and trust manager, for the cluster's health checks. */
  public io.mesh4j.health.ProbeTls probeTls() {
    return probeTls;
  }

  /** The cluster's name. */
  public String cluster() {
    return cluster;
  }

  /** The cluster's {@code tls}. */
  public TlsConfig config() {
    return config;
  }

  /** The identity source used. */
  public IdentitySource source() {
    return source;
  }

  /** Makes sockets that present the current certificate and verify the server. */
  public SSLSocketFactory socketFactory() {
    return socketFactory;
  }

  /** The trust manager the factory uses. */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  /** Server identities verified so far (at most the last 64 distinct), with when, sorted. */
  public Map<String, java.time.Instant> verifiedPeers() {
    Map<String, java.time.Instant> out = new TreeMap<>();
    verified.forEach((k, v) -> out.put(k, java.time.Instant.ofEpochMilli(v)));
    return out;
  }

  /** Handshakes in which the server was refused. */
  public long refusedCount() {
    return refused.get();
  }

  /** Why the last server was refused, or {@code null}. */
  public String lastRefusal() {
    return lastRefusal;
  }

  /**
   * The last peer-identity refusal of each endpoint that had one (at most the last {@value
   * #MAX_REFUSED_ENDPOINTS} endpoints), by {@code host:port}, sorted.
   */
  public Map<String, EndpointRefusal> endpointRefusals() {
    return new TreeMap<>(endpointRefusals);
  }

  /**
   * Records that an attempt to {@code endpoint} was refused for the peer's identity. Called by the
   * client adapter once per refused attempt; rare, so it may allocate.
   *
   * @param by {@code cluster}, or {@code route <virtual host>/<route>}
   */
  public void refusedEndpoint(String endpoint, String presented, String allowed, String by) {
    long at = clock.millis();
    if (endpointRefusals.size() >= MAX_REFUSED_ENDPOINTS
        && !endpointRefusals.containsKey(endpoint)) {
      endpointRefusals.clear();
    }
    endpointRefusals.compute(endpoint, (k, old) -> new EndpointRefusal(k, presented, allowed, by,
        java.time.Instant.ofEpochMilli(at), old == null ? 1 : old.count() + 1));
  }

  @Override
  public void verified(String identity) {
    if (identity == null) return;
    if (verified.size() >= MAX_PEERS && !verified.containsKey(identity)) verified.clear();
    verified.put(identity, clock.millis());
  }

  @Override
  public void refused(String identity, String reason) {
    refused.incrementAndGet();
    refusedCounter.increment();
    lastRefusal = reason;
  }
}
