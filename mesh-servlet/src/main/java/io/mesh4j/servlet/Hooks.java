package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pluggable parts of one {@link MeshFilter}: its {@link AdminHandler} and {@link
 * InboundForwarder}, each set on the builder or made once, on first need, by the first factory
 * {@link ServiceLoader} finds with the context class loader of the thread that created the filter
 * (else the filter's own); and the checks that a config's forwarding routes have a forwarder.
 * Thread-safe.
 */
final class Hooks {
  private static final Logger log = LoggerFactory.getLogger(Hooks.class);

  private final AdminHandler explicitAdmin;
  private final InboundForwarder explicitForwarder;
  private final ClassLoader classLoader;
  private final Object lock = new Object();
  private volatile AdminHandler loadedAdmin;
  private volatile boolean adminLookedUp;
  private volatile InboundForwarder loadedForwarder;
  private volatile boolean forwarderLookedUp;

  Hooks(AdminHandler admin, InboundForwarder forwarder) {
    this.explicitAdmin = admin;
    this.explicitForwarder = forwarder;
    ClassLoader tccl = Thread.currentThread().getContextClassLoader();
    this.classLoader = tccl != null ? tccl : MeshFilter.class.getClassLoader();
  }

  /** The admin handler, or {@code null} when none is set or found. */
  AdminHandler admin(Mesh m) {
    if (explicitAdmin != null) return explicitAdmin;
    if (adminLookedUp) return loadedAdmin;
    synchronized (lock) {
      if (!adminLookedUp) {
        loadedAdmin = loadAdmin(m);
        adminLookedUp = true;
      }
      return loadedAdmin;
    }
  }

  /** The inbound forwarder, or {@code null} when none is set or found. */
  InboundForwarder forwarder(Mesh m) {
    if (explicitForwarder != null) return explicitForwarder;
    if (forwarderLookedUp) return loadedForwarder;
    synchronized (lock) {
      if (!forwarderLookedUp) {
        loadedForwarder = loadForwarder(m);
        forwarderLookedUp = true;
      }
      return loadedForwarder;
    }
  }

  /** The forwarder these hooks made through a factory (theirs to close), or {@code null}. */
  InboundForwarder madeForwarder() {
    return loadedForwarder;
  }

  private AdminHandler loadAdmin(Mesh m) {
    try {
      Iterator<AdminHandler.Factory> it =
          ServiceLoader.load(AdminHandler.Factory.class, classLoader).iterator();
      if (it.hasNext()) return it.next().create(m);
      log.warn("mesh4j: admin.enabled is true but no AdminHandler.Factory is on the class path; "
          + "/mesh/ paths go to the application");
    } catch (ServiceConfigurationError | RuntimeException e) {
      log.warn("mesh4j: loading the admin handler failed; /mesh/ paths go to the application", e);
    }
    return null;
  }

  private InboundForwarder loadForwarder(Mesh m) {
    try {
      Iterator<InboundForwarder.Factory> it =
          ServiceLoader.load(InboundForwarder.Factory.class, classLoader).iterator();
      if (it.hasNext()) return it.next().create(m);
    } catch (ServiceConfigurationError | RuntimeException e) {
      log.warn("mesh4j: loading the inbound forwarder failed", e);
    }
    return null;
  }

  /**
   * Why {@code s} cannot be served by the filter: the first inbound route that forwards to a
   * cluster when no {@link InboundForwarder} is available; {@code null} when it can be.
   */
  String missingForwarder(Mesh m, MeshSnapshot s) {
    String route = firstForwardingRoute(s);
    if (route == null || forwarder(m) != null) return null;
    return "mesh4j: " + route + " forwards inbound requests to a cluster, but no InboundForwarder"
        + " is available: add io.mesh4j:mesh-gateway to the application (or set one with"
        + " MeshFilter.builder(mesh).forwarder(...))";
  }

  /** The errors of a config with inbound forwarding routes, for a filter without a forwarder. */
  static List<ConfigError> forwardingErrors(MeshConfig config) {
    List<ConfigError> errors = new ArrayList<>();
    List<VirtualHostConfig> hosts = config.inbound().virtualHosts();
    for (int i = 0; i < hosts.size(); i++) {
      List<RouteConfig> routes = hosts.get(i).routes();
      for (int j = 0; j < routes.size(); j++) {
        ActionConfig a = routes.get(j).action();
        if (forwards(a)) {
          String key = a instanceof ActionConfig.Forward ? "to" : "split";
          errors.add(new ConfigError(
              "inbound.virtual_hosts[" + i + "].routes[" + j + "]." + key,
              "forwards inbound requests, but the servlet filter has no InboundForwarder"
                  + " (expected: io.mesh4j:mesh-gateway on the application's class path)"));
        }
      }
    }
    return errors;
  }

  /** Whether an inbound route with action {@code a} can send a request to a cluster. */
  private static boolean forwards(ActionConfig a) {
    return a instanceof ActionConfig.Forward
        || (a instanceof ActionConfig.Split split && split.clusters().stream()
            .anyMatch(w -> !w.local() && w.weight() > 0));
  }

  /** The config path of the first inbound route that can send a request to a cluster, or null. */
  static String firstForwardingRoute(MeshSnapshot s) {
    List<VirtualHostConfig> hosts = s.config().inbound().virtualHosts();
    for (int i = 0; i < hosts.size(); i++) {
      List<RouteConfig> routes = hosts.get(i).routes();
      for (int j = 0; j < routes.size(); j++) {
        if (forwards(routes.get(j).action())) {
          return "inbound.virtual_hosts[" + i + "].routes[" + j + "] (" + hosts.get(i).name() + "/"
              + routes.get(j).name() + ")";
        }
      }
    }
    return null;
  }
}
