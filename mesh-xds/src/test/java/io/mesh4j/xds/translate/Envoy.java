package io.mesh4j.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/** Envoy resources written as YAML in tests. */
final class Envoy {
  private Envoy() {}

  static RouteConfiguration routeConfig(String yaml) {
    return EnvoyBootstrap.merge(yaml, RouteConfiguration.newBuilder()).build();
  }

  static Cluster cluster(String yaml) {
    return EnvoyBootstrap.merge(yaml, Cluster.newBuilder()).build();
  }

  static Listener listener(String yaml) {
    return EnvoyBootstrap.merge(yaml, Listener.newBuilder()).build();
  }

  static ClusterLoadAssignment assignment(String yaml) {
    return EnvoyBootstrap.merge(yaml, ClusterLoadAssignment.newBuilder()).build();
  }

  /** A static cluster of one endpoint. */
  static Cluster staticCluster(String name, int port) {
    return cluster("""
        name: %s
        type: STATIC
        load_assignment:
          cluster_name: %s
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """.formatted(name, name, port));
  }

  /** Clusters a, b and shadow. */
  static List<Cluster> abShadow() {
    return List.of(staticCluster("a", 8081), staticCluster("b", 8082), staticCluster("shadow", 8083));
  }

  /** A route configuration "rc" with one virtual host "svc" (domain svc) holding {@code routes}. */
  static RouteConfiguration oneVhost(String routesFlow) {
    return routeConfig("""
        name: rc
        virtual_hosts:
        - name: svc
          domains: [svc]
          routes: [%s]
        """.formatted(routesFlow));
  }

  /** Translates {@code rc} bound outbound by its name, with clusters a, b and shadow. */
  static Translation outbound(RouteConfiguration rc) {
    return EnvoyTranslator.translate(new EnvoyResources(null, List.of(rc), abShadow(), null),
        XdsBinding.outbound(rc.getName()), null);
  }
}
