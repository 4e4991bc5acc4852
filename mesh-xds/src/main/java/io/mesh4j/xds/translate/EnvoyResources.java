package io.mesh4j.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The Envoy v3 resources to translate, by type, as a control plane sends them (LDS, RDS, CDS, EDS)
 * or as an Envoy static bootstrap lists them.
 *
 * <p>Immutable: the lists are copied on construction; a {@code null} list means "none". Elements
 * must not be null ({@link NullPointerException} otherwise). Protobuf messages are immutable, so
 * an instance is safe to share between threads.
 *
 * @param listeners the listeners (LDS); their HttpConnectionManager's inline {@code route_config}
 *     or {@code rds.route_config_name} is followed
 * @param routeConfigs the route configurations (RDS)
 * @param clusters the clusters (CDS)
 * @param loadAssignments the endpoint assignments (EDS), matched to EDS clusters by cluster name or
 *     {@code eds_cluster_config.service_name}
 * @param secrets static secrets (a bootstrap's {@code static_resources.secrets}): TLS contexts
 *     whose SDS secret configs name them and no {@link SdsBinding} serves become {@code pem}
 *     identity sources over their files. Secrets an xDS client receives over SDS are not listed
 *     here: they feed its {@code SdsIdentitySource}s
 */
public record EnvoyResources(
    List<Listener> listeners,
    List<RouteConfiguration> routeConfigs,
    List<Cluster> clusters,
    List<ClusterLoadAssignment> loadAssignments,
    List<Secret> secrets) {

  /** No resources at all. */
  public static final EnvoyResources EMPTY = new EnvoyResources(null, null, null, null, null);

  public EnvoyResources {
    listeners = listeners == null ? List.of() : List.copyOf(listeners);
    routeConfigs = routeConfigs == null ? List.of() : List.copyOf(routeConfigs);
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    loadAssignments = loadAssignments == null ? List.of() : List.copyOf(loadAssignments);
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
  }

  /** Resources without static secrets. */
  public EnvoyResources(List<Listener> listeners, List<RouteConfiguration> routeConfigs,
      List<Cluster> clusters, List<ClusterLoadAssignment> loadAssignments) {
    this(listeners, routeConfigs, clusters, loadAssignments, null);
  }
}
