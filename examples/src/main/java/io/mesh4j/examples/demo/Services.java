package io.mesh4j.examples.demo;

import io.mesh4j.Mesh;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.servlet.admin.MeshAdminServlet;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * Everything the demo runs on 127.0.0.1: one {@link Instance} per endpoint of every cluster in the
 * frontend's config, the {@link Frontend} with its mesh, and the admin dashboard. With fixed ports
 * the instances listen where the config says; with ephemeral ports (tests) they take free ports and
 * the frontend's config is rewritten to point at them. Closing stops everything. Thread-safe.
 */
final class Services implements AutoCloseable {
  private final List<Instance> instances;
  private final Map<Integer, Instance> byPort = new HashMap<>();
  private Mesh mesh;
  private Frontend frontend;
  private Server admin;

  private Services(List<Instance> instances) {
    this.instances = List.copyOf(instances);
  }

  /**
   * Starts everything for {@code config}.
   *
   * @param watchFile the file {@code config} was read from, watched for changes when the
   *     instances kept the config's ports; null for the built-in config
   * @throws IllegalArgumentException when the config names an endpoint the demo cannot run
   *     (not on 127.0.0.1 or localhost, or a port used twice)
   * @throws IOException when a server cannot start (a port in use, ...); nothing is left running
   */
  static Services start(MeshConfig config, Path watchFile, DemoOptions options) throws IOException {
    List<Instance> planned = plan(config);
    Services s = new Services(planned);
    try {
      List<ClusterConfig> clusters = new ArrayList<>();
      int next = 0;
      boolean moved = false;
      for (ClusterConfig c : config.clusters()) {
        List<EndpointConfig> endpoints = new ArrayList<>();
        for (EndpointConfig e : c.endpoints()) {
          Instance instance = planned.get(next++);
          instance.start(options.ephemeralPorts() ? 0 : e.port());
          s.byPort.put(instance.port(), instance);
          moved |= instance.port() != e.port();
          endpoints.add(new EndpointConfig("127.0.0.1", instance.port(), e.weight(), e.locality(),
              e.priority(), e.localityWeight()));
        }
        clusters.add(withEndpoints(c, endpoints));
      }
      if (moved || watchFile == null) {
        MeshConfig actual = new MeshConfig(config.version(), config.service(), clusters,
            config.outbound(), config.inbound(), config.propagate(), config.admin(),
            config.policies(), config.pathNormalization(), config.locality());
        s.mesh = Mesh.builder().config(actual).meterRegistry(prometheus()).build();
      } else {
        // edits apply while it runs
        s.mesh = Mesh.builder().configFile(watchFile).meterRegistry(prometheus()).build();
      }
      s.frontend = new Frontend(s.mesh);
      s.frontend.start(options.frontendPort());
      ServletContextHandler context = new ServletContextHandler("/");
      context.addServlet(new ServletHolder(new MeshAdminServlet(s.mesh)), "/mesh/*");
      s.admin = Jetty.start("admin", options.adminPort(), context);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** One instance per endpoint, in config order, named after its cluster. */
  private static List<Instance> plan(MeshConfig config) {
    List<Instance> out = new ArrayList<>();
    Map<Integer, String> ports = new HashMap<>();
    for (ClusterConfig c : config.clusters()) {
      HealthCheckConfig hc = c.healthCheck();
      String healthPath = hc != null ? hc.path() : InboundConfig.DEFAULT_HEALTH_PATH;
      for (int i = 0; i < c.endpoints().size(); i++) {
        EndpointConfig e = c.endpoints().get(i);
        String name = c.endpoints().size() == 1 ? c.name() : c.name() + "-" + (i + 1);
        if (!e.host().equals("127.0.0.1") && !e.host().equalsIgnoreCase("localhost")) {
          throw new IllegalArgumentException("clusters[" + c.name() + "].endpoints[" + i + "]: "
              + e.address() + " (the demo runs every endpoint itself: use 127.0.0.1:<port>)");
        }
        String other = ports.putIfAbsent(e.port(), name);
        if (other != null) {
          throw new IllegalArgumentException("clusters[" + c.name() + "].endpoints[" + i + "]: port "
              + e.port() + " is also " + other + "'s (the demo runs one instance per port)");
        }
        out.add(new Instance(name, c.name(), e.weight(), healthPath));
      }
    }
    return out;
  }

  private static ClusterConfig withEndpoints(ClusterConfig c, List<EndpointConfig> endpoints) {
    return new ClusterConfig(c.name(), c.lb(), endpoints, c.healthCheck(), c.outlierDetection(),
        c.circuitBreaker(), c.retry(), c.timeout(), c.panicThreshold(), c.slowStart(), c.hashOn(),
        c.lbCustom(), c.localityLb(), c.peakEwma(), c.tls());
  }

  /** The frontend's mesh (the one the dashboard shows). */
  Mesh mesh() {
    return mesh;
  }

  Frontend frontend() {
    return frontend;
  }

  /** Every instance, in config order. */
  List<Instance> instances() {
    return instances;
  }

  /** The instance of a cluster's endpoint listening on {@code port}, or null. */
  Instance byPort(int port) {
    return byPort.get(port);
  }

  /** {@code 127.0.0.1:port} of the frontend. */
  String frontendAuthority() {
    return "127.0.0.1:" + frontend.port();
  }

  /** The dashboard's URL. */
  String dashboardUrl() {
    return "http://127.0.0.1:" + Jetty.port(admin) + "/mesh/";
  }

  @Override
  public void close() {
    Jetty.stopQuietly(admin);
    if (frontend != null) frontend.stop();
    for (Instance i : instances) i.kill();
    if (mesh != null) mesh.close();
  }

  /** The registry /mesh/metrics scrapes (an application would pass its own). */
  private static PrometheusMeterRegistry prometheus() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }
}
