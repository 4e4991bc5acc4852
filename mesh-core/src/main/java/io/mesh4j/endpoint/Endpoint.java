package io.mesh4j.endpoint;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of one cluster: its identity ({@code cluster} + {@code host:port}) and the mutable
 * state mesh4j keeps about it (weight, active requests, health, ejection).
 *
 * <p>An {@code Endpoint} object is owned by its cluster's registry and lives as long as the
 * endpoint stays in the cluster, across config reloads: a reload that keeps an endpoint keeps this
 * object and its state. Thread-safe; reads on the hot path are plain volatile reads.
 */
public final class Endpoint {
  private final String cluster;
  private final String host;
  private final int port;
  private final String address;
  private final String key;
  private final AtomicInteger activeRequests = new AtomicInteger();
  private volatile int weight;
  private volatile String zone;

  public Endpoint(String cluster, String host, int port, int weight, String zone) {
    this.cluster = cluster;
    this.host = host;
    this.port = port;
    this.address = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    this.key = cluster + "/" + address;
    this.weight = weight;
    this.zone = zone;
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
  public void weight(int weight) {
    this.weight = weight;
  }

  /** Locality metadata, or {@code null}. */
  public String zone() {
    return zone;
  }

  public void zone(String zone) {
    this.zone = zone;
  }

  /** Requests in flight to this endpoint right now. */
  public int activeRequests() {
    return activeRequests.get();
  }

  /** Counts a request as started; pair with exactly one {@link #requestFinished()}. */
  public void requestStarted() {
    activeRequests.incrementAndGet();
  }

  /** Counts a request as finished. */
  public void requestFinished() {
    activeRequests.decrementAndGet();
  }

  @Override
  public String toString() {
    return key;
  }
}
