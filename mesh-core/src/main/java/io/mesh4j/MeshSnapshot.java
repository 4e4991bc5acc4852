package io.mesh4j;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RouteTable;
import java.time.Instant;
import java.util.Map;

/**
 * One compiled, immutable generation of a mesh's configuration: the config itself, the outbound
 * and inbound route tables, and the clusters the routes may name.
 *
 * <p>Obtained with one volatile read from {@link Mesh#current()}; a request uses one snapshot from
 * start to end, so it never sees a half-applied reload. The {@link Cluster} objects it names are
 * long-lived (their endpoint state survives reloads); a cluster removed by a later reload answers
 * every pick with "no endpoint".
 */
public final class MeshSnapshot {
  private final MeshConfig config;
  private final RouteTable outbound;
  private final RouteTable inbound;
  private final Map<String, Cluster> clusters;
  private final long generation;
  private final Instant loadedAt;
  private final String configHash;
  private final String source;
  private final RequestPath requestPath;

  MeshSnapshot(
      MeshConfig config,
      RouteTable outbound,
      RouteTable inbound,
      Map<String, Cluster> clusters,
      long generation,
      Instant loadedAt,
      String configHash,
      String source) {
    this.config = config;
    this.outbound = outbound;
    this.inbound = inbound;
    this.clusters = Map.copyOf(clusters);
    this.generation = generation;
    this.loadedAt = loadedAt;
    this.configHash = configHash;
    this.source = source;
    this.requestPath = RequestPath.of(config.pathNormalization());
  }

  /** The validated config this snapshot was compiled from. */
  public MeshConfig config() {
    return config;
  }

  /** The rules the client side applies to the calls it makes. */
  public RouteTable outbound() {
    return outbound;
  }

  /** The rules the server side applies to the requests it receives. */
  public RouteTable inbound() {
    return inbound;
  }

  /**
   * How request paths are made canonical under this config ({@code path_normalization}): both
   * adapters decide on, and forward, what this returns.
   */
  public RequestPath requestPath() {
    return requestPath;
  }

  /** The cluster of that name in this snapshot, or {@code null}. */
  public Cluster cluster(String name) {
    return clusters.get(name);
  }

  /** Every cluster of this snapshot by name. */
  public Map<String, Cluster> clusters() {
    return clusters;
  }

  /** 1 for the first config, +1 for each successful reload. */
  public long generation() {
    return generation;
  }

  /** When this snapshot became current. */
  public Instant loadedAt() {
    return loadedAt;
  }

  /** A short SHA-256 prefix of the config's content, to tell configs apart in logs and admin. */
  public String configHash() {
    return configHash;
  }

  /**
   * Where the config came from: a file path, {@code "code"}, {@code "text"}, or the source named
   * in {@link Mesh#reload(MeshConfig, String)} (e.g. {@code "xds"}).
   */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "MeshSnapshot{generation=" + generation + ", hash=" + configHash + ", " + config + "}";
  }
}
