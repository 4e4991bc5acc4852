package io.mesh4j.config;

import java.util.List;
import java.util.Map;

/**
 * What a matched route does: exactly one of forward ({@code to}), split, redirect, respond or
 * pass. Immutable.
 */
public sealed interface ActionConfig
    // listed, so that the class file (and the API listing) does not follow compilation order
    permits ActionConfig.Forward, ActionConfig.Split, ActionConfig.Redirect, ActionConfig.Respond,
        ActionConfig.Pass {

  /** Forward to one cluster ({@code to: inventory}). */
  record Forward(String cluster) implements ActionConfig {}

  /** Split traffic between clusters in proportion to the weights, exactly over each cycle. */
  record Split(List<WeightedCluster> clusters) implements ActionConfig {
    public Split {
      clusters = List.copyOf(clusters);
    }
  }

  /**
   * One entry of a split. {@code weight} is 0..10000; the sum must be positive.
   *
   * @param cluster the cluster, or {@code null} for the {@code local} entry
   * @param local whether this entry is the local application ({@code { local: true, weight: 95
   *     }}); only in inbound splits, at most one per split, exclusive with {@code cluster}
   */
  record WeightedCluster(String cluster, int weight, boolean local) {}

  /**
   * Answer with a redirect whose Location is built from this config and the request's own path
   * and query only. Null components keep the request's value.
   *
   * @param code 301 (default), 302, 303, 307 or 308
   */
  record Redirect(
      String scheme,
      String host,
      Integer port,
      String path,
      String prefixRewrite,
      boolean stripQuery,
      int code)
      implements ActionConfig {}

  /** Answer directly with this status, body and headers (a real HTTP response). */
  record Respond(int status, String body, Map<String, String> headers) implements ActionConfig {
    public Respond {
      body = body == null ? "" : body;
      headers = OrderedMaps.copyOf(headers);
    }
  }

  /** Hand the request to the local application (inbound only). */
  record Pass() implements ActionConfig {
    /** The shared instance. */
    public static final Pass INSTANCE = new Pass();
  }
}
