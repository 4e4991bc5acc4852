package io.mesh4j.endpoint;

import io.mesh4j.config.Locality;
import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.internal.PeakEwma;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of one cluster: its identity ({@code cluster} + {@code host:port}) and the mutable
 * state mesh4j keeps about it (weight, active requests, latency estimate, health, ejection).
 *
 * <p>An {@code Endpoint} object is owned by its cluster's registry and lives as long as the
 * endpoint stays in the cluster, across config reloads: a reload that keeps an endpoint keeps this
 * object and its state. Thread-safe; reads on the hot path are plain volatile reads. Only mesh4j
 * changes an endpoint (through {@code io.mesh4j.internal.EndpointInternals}).
 */
public final class Endpoint {
  private final String cluster;
  private final String host;
  private final int port;
  private final String address;
  private final String key;
  private final AtomicInteger activeRequests = new AtomicInteger();
  private final PeakEwma latency = new PeakEwma();
  private volatile int weight;
  private volatile Locality locality;
  private volatile int priority;
  private volatile int localityWeight;

  static {
    // Counting requests and changing weight or locality are the engine's (io.mesh4j.internal).
    EndpointInternals.install(new EndpointInternals.Access() {
      @Override
      public void requestStarted(Endpoint e) {
        e.requestStarted();
      }

      @Override
      public void requestFinished(Endpoint e) {
        e.requestFinished();
      }

      @Override
      public void weight(Endpoint e, int weight) {
        e.weight(weight);
      }

      @Override
      public void locality(Endpoint e, Locality locality, int priority, int localityWeight) {
        e.locality(locality, priority, localityWeight);
      }

      @Override
      public PeakEwma latency(Endpoint e) {
        return e.latency;
      }
    });
  }

  /** An endpoint in {@code zone} (may be {@code null}), priority 0, locality weight 1. */
  public Endpoint(String cluster, String host, int port, int weight, String zone) {
    this(cluster, host, port, weight, Locality.ofZone(zone), 0, 1);
  }

  /**
   * An endpoint with its locality ({@code null} reads as {@link Locality#UNKNOWN}), priority
   * level (0 preferred) and locality weight.
   */
  public Endpoint(String cluster, String host, int port, int weight, Locality locality,
      int priority, int localityWeight) {
    this.cluster = cluster;
    this.host = host;
    this.port = port;
    this.address = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    this.key = cluster + "/" + address;
    this.weight = weight;
    this.locality = locality == null ? Locality.UNKNOWN : locality;
    this.priority = priority;
    this.localityWeight = localityWeight;
  }

  /** The cluster this endpoint belongs to. */
  public String cluster() {
    return cluster;
  }

  /** IP literal (IPv6 without brackets) or DNS name. */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** {@code host:port}, IPv6 in brackets. */
  public String address() {
    return address;
  }

  /** {@code cluster/host:port}: the identity that survives reloads. */
  public String key() {
    return key;
  }

  /** The configured weight, 1..10000. */
  public int weight() {
    return weight;
  }

  /** Changes the weight (a reload did); the owner rebuilds pickers afterwards. */
  void weight(int weight) {
    this.weight = weight;
  }

  /** The zone of {@link #locality()}, or {@code null}. */
  public String zone() {
    return locality.zone();
  }

  /** Where the endpoint runs; never {@code null} ({@link Locality#UNKNOWN} when not said). */
  public Locality locality() {
    return locality;
  }

  /** The endpoint's priority level; 0 is preferred. */
  public int priority() {
    return priority;
  }

  /** The weight of the endpoint's locality under {@code locality_lb.mode: weighted}. */
  public int localityWeight() {
    return localityWeight;
  }

  /**
   * Changes the locality settings (a reload or an endpoint source did); the owner rebuilds
   * pickers afterwards.
   */
  void locality(Locality locality, int priority, int localityWeight) {
    this.locality = locality == null ? Locality.UNKNOWN : locality;
    this.priority = priority;
    this.localityWeight = localityWeight;
  }

  /** Requests in flight to this endpoint right now. */
  public int activeRequests() {
    return activeRequests.get();
  }

  /** Counts a request as started; pair with exactly one {@link #requestFinished()}. */
  void requestStarted() {
    activeRequests.incrementAndGet();
  }

  /** Counts a request as finished. */
  void requestFinished() {
    activeRequests.decrementAndGet();
  }

  @Override
  public String toString() {
    return key;
  }
}
