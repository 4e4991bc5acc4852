package io.mesh4j.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.ArrayList;
import java.util.List;

/** Envoy v3 resources for the tests, built the way a control plane builds them. */
final class Envoy {
  private Envoy() {}

  static final ConfigSource ADS =
      ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

  /** A listener whose HttpConnectionManager takes its routes from RDS {@code routeConfig}. */
  static Listener listener(String name, String routeConfig) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(name)
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(routeConfig))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(name)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15001)))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** A route configuration with one virtual host {@code host} (domain {@code host}). */
  static RouteConfiguration routes(String name, String host, Route... routes) {
    return RouteConfiguration.newBuilder().setName(name)
        .addVirtualHosts(VirtualHost.newBuilder().setName(host).addDomains(host)
            .addAllRoutes(List.of(routes)))
        .build();
  }

  static Route prefix(String name, String prefix, String cluster) {
    return Route.newBuilder().setName(name)
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(cluster))
        .build();
  }

  static Route split(String name, String prefix, String c1, int w1, String c2, int w2) {
    return Route.newBuilder().setName(name)
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
            .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(c1)
                .setWeight(UInt32Value.of(w1)))
            .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(c2)
                .setWeight(UInt32Value.of(w2)))))
        .build();
  }

  /** An EDS cluster (endpoints from the ClusterLoadAssignment of the same name, over ADS). */
  static Cluster edsCluster(String name) {
    return Cluster.newBuilder().setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .build();
  }

  /** A cluster mesh4j cannot express: outlier detection that splits local-origin errors. */
  static Cluster untranslatable(String name) {
    return edsCluster(name).toBuilder()
        .setOutlierDetection(OutlierDetection.newBuilder().setSplitExternalLocalOriginErrors(true))
        .build();
  }

  /** Endpoints {@code 127.0.0.1:port} with these weights: {@code ports[i]} weighs {@code weights[i]}. */
  static ClusterLoadAssignment endpoints(String cluster, int[] ports, int[] weights) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int i = 0; i < ports.length; i++) {
      l.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
              SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(ports[i]))))
          .setLoadBalancingWeight(UInt32Value.of(weights[i])));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(l).build();
  }

  static Snapshot snapshot(String version, List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes) {
    return Snapshot.create(clusters, endpoints, listeners, routes, new ArrayList<>(), version);
  }
}
