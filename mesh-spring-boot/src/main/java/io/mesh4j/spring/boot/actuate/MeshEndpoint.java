package io.mesh4j.spring.boot.actuate;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.route.DescribedRequest;
import io.mesh4j.route.RouteTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The Actuator endpoint {@code mesh}: what the mesh is serving and why.
 *
 * <ul>
 *   <li>{@code GET /actuator/mesh}: service, config generation, hash, source and load time, the
 *       last rejected reload, external config sources, draining, every cluster with its endpoints'
 *       state, and the virtual hosts and routes of both directions;
 *   <li>{@code GET /actuator/mesh/outbound?url=http://inventory/api/items} (or {@code inbound}):
 *       which route a {@code GET} of that URL takes, and why the routes before it did not match;
 *   <li>{@code POST /actuator/mesh} with {@code {"draining": true}}: drains (or undrains) this
 *       instance. Write access is off by default ({@link Access#READ_ONLY}); turn it on with {@code
 *       management.endpoint.mesh.access=unrestricted}.
 * </ul>
 *
 * <p>Thread-safe; every read takes one snapshot.
 */
@Endpoint(id = "mesh", defaultAccess = Access.READ_ONLY)
public class MeshEndpoint {
  private final Mesh mesh;

  public MeshEndpoint(Mesh mesh) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
  }

  /** The whole state, as described in the class comment. */
  @ReadOperation
  public Map<String, Object> mesh() {
    MeshSnapshot s = mesh.current();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("service", s.config().service());
    out.put("draining", mesh.isDraining());
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("generation", s.generation());
    config.put("hash", s.configHash());
    config.put("source", s.source());
    config.put("loadedAt", s.loadedAt().toString());
    Mesh.ReloadError error = mesh.lastReloadError();
    if (error != null) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("source", error.source());
      e.put("at", error.at().toString());
      e.put("errors", error.exception().errors().stream().map(ConfigError::toString).toList());
      config.put("lastReloadError", e);
    }
    Map<String, Object> sources = new LinkedHashMap<>();
    mesh.configSources().forEach((name, status) -> sources.put(name, status.status()));
    config.put("sources", sources);
    out.put("config", config);
    Map<String, Object> clusters = new TreeMap<>();
    s.clusters().forEach((name, cluster) -> clusters.put(name, cluster(cluster)));
    out.put("clusters", clusters);
    Map<String, Object> routes = new LinkedHashMap<>();
    routes.put("outbound", virtualHosts(s.config().outbound().virtualHosts()));
    routes.put("inbound", virtualHosts(s.config().inbound().virtualHosts()));
    out.put("routes", routes);
    return out;
  }

  /**
   * Explains how a {@code GET} of {@code url} is routed in {@code direction} ({@code outbound} or
   * {@code inbound}).
   *
   * @throws InvalidEndpointRequestException naming the bad argument (Actuator answers 400)
   */
  @ReadOperation
  public Map<String, Object> explain(@Selector String direction, String url) {
    RouteTable table;
    if ("outbound".equals(direction)) {
      table = mesh.current().outbound();
    } else if ("inbound".equals(direction)) {
      table = mesh.current().inbound();
    } else {
      String reason = "direction: '" + direction + "' (expected: outbound or inbound)";
      throw new InvalidEndpointRequestException(reason, reason);
    }
    DescribedRequest request;
    try {
      request = DescribedRequest.parse("GET", url, List.of(), null, null);
    } catch (IllegalArgumentException e) {
      throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage());
    }
    return table.explain(request).toJsonMap();
  }

  /** Drains ({@code true}) or undrains ({@code false}) this instance; answers the new state. */
  @WriteOperation
  public Map<String, Object> drain(boolean draining) {
    if (draining) {
      mesh.drain();
    } else {
      mesh.undrain();
    }
    return Map.of("draining", mesh.isDraining());
  }

  private static Map<String, Object> cluster(Cluster cluster) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("usable", cluster.usableCount());
    c.put("panic", cluster.panic());
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (EndpointStatus st : cluster.statuses()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("address", st.endpoint().address());
      e.put("healthy", st.healthy());
      e.put("ejected", st.ejected());
      if (st.ejected()) e.put("ejectionReason", String.valueOf(st.ejectionReason()));
      e.put("weight", st.effectiveWeight());
      e.put("successes", st.successes());
      e.put("failures", st.failures());
      endpoints.add(e);
    }
    c.put("endpoints", endpoints);
    return c;
  }

  private static List<Map<String, Object>> virtualHosts(List<VirtualHostConfig> hosts) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (VirtualHostConfig vh : hosts) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("name", vh.name());
      v.put("domains", vh.domains());
      v.put("routes", vh.routes().stream().map(RouteConfig::name).toList());
      out.add(v);
    }
    return out;
  }
}
