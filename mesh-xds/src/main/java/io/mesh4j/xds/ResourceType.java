package io.mesh4j.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The xDS v3 resource types the client follows, in the order Envoy depends on them; {@link #SECRET}
 * (SDS) only when it is given identity sources.
 */
enum ResourceType {
  LISTENER("Listener", "type.googleapis.com/envoy.config.listener.v3.Listener", Listener.class, true),
  ROUTE("RouteConfiguration", "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
      RouteConfiguration.class, false),
  CLUSTER("Cluster", "type.googleapis.com/envoy.config.cluster.v3.Cluster", Cluster.class, true),
  ENDPOINT("ClusterLoadAssignment",
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      ClusterLoadAssignment.class, false),
  SECRET("Secret", "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
      Secret.class, false);

  /** The short name used in status, error details and {@code TranslationIssue.resourceType}. */
  final String shortName;
  final String typeUrl;
  final Class<? extends Message> messageClass;
  /**
   * Subscribed without names (wildcard), and every response is the complete set (state of the
   * world); RDS and EDS responses may carry only some of the subscribed names.
   */
  final boolean wildcard;

  ResourceType(String shortName, String typeUrl, Class<? extends Message> messageClass,
      boolean wildcard) {
    this.shortName = shortName;
    this.typeUrl = typeUrl;
    this.messageClass = messageClass;
    this.wildcard = wildcard;
  }

  static ResourceType ofTypeUrl(String url) {
    for (ResourceType t : values()) {
      if (t.typeUrl.equals(url)) return t;
    }
    return null;
  }

  /** Unpacks one resource (bare, or wrapped in {@code envoy.service.discovery.v3.Resource}). */
  Message unpack(Any any) throws InvalidProtocolBufferException {
    if (any.is(Resource.class)) any = any.unpack(Resource.class).getResource();
    if (!any.getTypeUrl().equals(typeUrl)) {
      throw new InvalidProtocolBufferException(
          "a resource of type " + any.getTypeUrl() + " in a " + shortName + " response");
    }
    return any.unpack(messageClass);
  }

  /** The resource's name ({@code cluster_name} for a load assignment). */
  String name(Message m) {
    return switch (this) {
      case LISTENER -> ((Listener) m).getName();
      case ROUTE -> ((RouteConfiguration) m).getName();
      case CLUSTER -> ((Cluster) m).getName();
      case ENDPOINT -> ((ClusterLoadAssignment) m).getClusterName();
      case SECRET -> ((Secret) m).getName();
    };
  }

  /** The RDS names a listener's HttpConnectionManagers refer to (api listener and filter chains). */
  static List<String> rdsNames(Listener l) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    if (l.hasApiListener() && l.getApiListener().getApiListener().is(HttpConnectionManager.class)) {
      rds(l.getApiListener().getApiListener().unpack(HttpConnectionManager.class), out);
    }
    List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
    if (l.hasDefaultFilterChain()) chains.add(l.getDefaultFilterChain());
    for (FilterChain fc : chains) {
      for (Filter f : fc.getFiltersList()) {
        if (f.hasTypedConfig() && f.getTypedConfig().is(HttpConnectionManager.class)) {
          rds(f.getTypedConfig().unpack(HttpConnectionManager.class), out);
        }
      }
    }
    return out;
  }

  private static void rds(HttpConnectionManager hcm, List<String> out) {
    if (hcm.hasRds() && !hcm.getRds().getRouteConfigName().isEmpty()) {
      String n = hcm.getRds().getRouteConfigName();
      if (!out.contains(n)) out.add(n);
    }
  }

  /** The inline route configurations of a listener's HttpConnectionManagers. */
  static List<RouteConfiguration> inlineRoutes(Listener l) throws InvalidProtocolBufferException {
    List<RouteConfiguration> out = new ArrayList<>();
    if (l.hasApiListener() && l.getApiListener().getApiListener().is(HttpConnectionManager.class)) {
      HttpConnectionManager h = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
      if (h.hasRouteConfig()) out.add(h.getRouteConfig());
    }
    List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
    if (l.hasDefaultFilterChain()) chains.add(l.getDefaultFilterChain());
    for (FilterChain fc : chains) {
      for (Filter f : fc.getFiltersList()) {
        if (f.hasTypedConfig() && f.getTypedConfig().is(HttpConnectionManager.class)) {
          HttpConnectionManager h = f.getTypedConfig().unpack(HttpConnectionManager.class);
          if (h.hasRouteConfig()) out.add(h.getRouteConfig());
        }
      }
    }
    return out;
  }

  /** Every cluster name the routes of {@code rc} send to or mirror to, in order. */
  static void clusterRefs(RouteConfiguration rc, Set<String> out) {
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      for (Route r : vh.getRoutesList()) {
        if (!r.hasRoute()) continue;
        RouteAction a = r.getRoute();
        if (!a.getCluster().isEmpty()) out.add(a.getCluster());
        for (WeightedCluster.ClusterWeight w : a.getWeightedClusters().getClustersList()) {
          if (!w.getName().isEmpty()) out.add(w.getName());
        }
        for (RouteAction.RequestMirrorPolicy m : a.getRequestMirrorPoliciesList()) {
          if (!m.getCluster().isEmpty()) out.add(m.getCluster());
        }
      }
    }
  }

  /** The EDS name of an EDS cluster ({@code eds_cluster_config.service_name} or its name), else null. */
  static String edsName(Cluster c) {
    if (!c.hasType() || c.getType() != Cluster.DiscoveryType.EDS) return null;
    String s = c.getEdsClusterConfig().getServiceName();
    return s.isEmpty() ? c.getName() : s;
  }
}
