package io.mesh4j.endpoint;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import java.util.List;

/**
 * Where one cluster's endpoints come from: static config, DNS, or (later) a control plane. A
 * source pushes the cluster's <em>whole</em> endpoint list to its {@link Listener} whenever it
 * changes; the cluster applies each list like a config reload (an endpoint that stays keeps its
 * state, a removed one is dropped, a new one starts).
 *
 * <p>Lifecycle: the cluster calls {@link #start} once, {@link #update} on each config reload that
 * keeps the cluster, and {@link #close} when the cluster goes away or replaces the source. A
 * source may push from any thread (synchronously inside {@code start}/{@code update} too), but
 * must push one list at a time and in order; it must not push after {@code close} returns
 * (a cluster ignores a closed source's lists anyway). Implementations must be thread-safe.
 */
public interface EndpointSource extends AutoCloseable {

  /** Starts the source; it pushes its first list as soon as it has one. */
  void start(Listener listener);

  /**
   * Offers the cluster's new config after a reload. Returns {@code true} when the source took it
   * (and will push a new list if the endpoints changed), {@code false} when the cluster should
   * close this source and start a fresh one from its {@link Factory}. The default takes nothing.
   */
  default boolean update(ClusterConfig config) {
    return false;
  }

  /** Stops the source: no more pushes, no threads or timers left. Idempotent. */
  @Override
  void close();

  /** Receives endpoint lists. */
  @FunctionalInterface
  interface Listener {
    /**
     * The cluster's complete endpoint list now, in a stable order. When two entries share an
     * address, the first wins.
     */
    void onEndpoints(List<EndpointConfig> endpoints);
  }

  /** Creates the source of a cluster from its config. */
  @FunctionalInterface
  interface Factory {
    /** A new, not yet started source for {@code config}'s cluster. */
    EndpointSource create(ClusterConfig config);
  }
}
