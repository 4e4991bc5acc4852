package io.mesh4j.kubernetes;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mesh4j.config.Locality;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The pod's own locality, for {@code Mesh.Builder.locality(...)}: found once, when created, and
 * fixed afterwards (a pod never moves between nodes).
 *
 * <ul>
 *   <li>{@link #fromEnvironment}: the {@code TOPOLOGY_REGION} and {@code TOPOLOGY_ZONE} variables,
 *       which a Deployment fills from the downward API where the cluster exposes node topology
 *       labels to pods, or from its own templating;
 *   <li>{@link #fromNode}: the {@code topology.kubernetes.io/region} and {@code
 *       topology.kubernetes.io/zone} labels of the node named by {@code NODE_NAME} (downward API
 *       {@code spec.nodeName}); needs {@code get} on {@code nodes}.
 * </ul>
 *
 * <pre>{@code
 * env:
 *   - name: NODE_NAME
 *     valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
 * }</pre>
 */
public final class KubernetesLocality implements Supplier<Locality> {
  /** The node label of the region. */
  public static final String REGION_LABEL = "topology.kubernetes.io/region";
  /** The node label of the zone. */
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  /** The variable the downward API fills with the node's name. */
  public static final String NODE_NAME_ENV = "NODE_NAME";

  private final Locality locality;

  private KubernetesLocality(Locality locality) {
    this.locality = locality;
  }

  /** From {@code TOPOLOGY_REGION} / {@code TOPOLOGY_ZONE} in {@code env}; unset parts unknown. */
  public static KubernetesLocality fromEnvironment(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    return new KubernetesLocality(
        new Locality(env.get("TOPOLOGY_REGION"), env.get("TOPOLOGY_ZONE"), null));
  }

  /**
   * From the topology labels of the node named by {@code NODE_NAME} in {@code env}.
   *
   * @throws IllegalStateException naming the variable or the node when {@code NODE_NAME} is unset
   *     or the node does not exist
   */
  public static KubernetesLocality fromNode(KubernetesClient client, Map<String, String> env) {
    Objects.requireNonNull(client, "client");
    String nodeName = Objects.requireNonNull(env, "env").get(NODE_NAME_ENV);
    if (nodeName == null || nodeName.isEmpty()) {
      throw new IllegalStateException(NODE_NAME_ENV + ": unset (expected: the node name, from the"
          + " downward API field spec.nodeName)");
    }
    Node node = client.nodes().withName(nodeName).get();
    if (node == null) {
      throw new IllegalStateException(NODE_NAME_ENV + ": node '" + nodeName + "' not found");
    }
    Map<String, String> labels = node.getMetadata().getLabels() == null
        ? Map.of() : node.getMetadata().getLabels();
    return new KubernetesLocality(new Locality(labels.get(REGION_LABEL), labels.get(ZONE_LABEL), null));
  }

  /** The locality found. */
  @Override
  public Locality get() {
    return locality;
  }

  /** The region found, or {@code null} (for {@link EndpointSliceSource#factory}). */
  public String region() {
    return locality.region();
  }

  @Override
  public String toString() {
    return "KubernetesLocality{" + locality + "}";
  }
}
