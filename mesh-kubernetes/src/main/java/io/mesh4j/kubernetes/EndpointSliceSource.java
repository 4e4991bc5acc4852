package io.mesh4j.kubernetes;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.Locality;
import io.mesh4j.endpoint.EndpointSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EndpointSource} that follows the {@code discovery.k8s.io/v1} EndpointSlices of one
 * Kubernetes Service (label {@code kubernetes.io/service-name}) through a fabric8 informer. Never
 * the deprecated {@code Endpoints} resource.
 *
 * <h2>What becomes an endpoint</h2>
 *
 * <ul>
 *   <li>An endpoint whose {@code ready} condition is true (unset counts as true, as the API says)
 *       and that is not {@code terminating}. A terminating endpoint leaves the list as soon as the
 *       informer sees it, so it gets no new request; requests already sent to it finish, since
 *       the mesh never cuts a connection on removal.
 *   <li>Its first address (the API says consumers use the first), with the slice's port named
 *       {@code portName} (or the slice's only port when {@code portName} is {@code null}); a
 *       slice without that port contributes nothing.
 *   <li>Its locality: {@code region} as given to the source (a Service lives in one cluster, so
 *       in one region) and the zone from {@code hints.forZones} when the slice controller set
 *       hints (topology-aware routing: the zone whose callers should use it), else from {@code
 *       zone}.
 *   <li>Weight 1, priority 0. Endpoints are ordered by slice name, then as listed.
 * </ul>
 *
 * <h2>Failures</h2>
 *
 * <p>The informer lists, then watches; when the watch expires ({@code 410 Gone}) it lists again
 * and replaces its store in one step, and this source recomputes from the store, so the cluster
 * never sees an empty moment. API errors (5xx, a dropped connection) are retried by the informer
 * with backoff while the last list stays in force: a transient API failure never empties a
 * cluster. Only slices that are really deleted remove endpoints.
 *
 * <p>Thread-safe. Pushes happen on the informer's thread, one at a time, and only when the
 * endpoint list changed.
 */
public final class EndpointSliceSource implements EndpointSource {
  private static final Logger log = LoggerFactory.getLogger(EndpointSliceSource.class);

  /** The label the EndpointSlice controller puts on every slice of a Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final String portName;
  private final String region;
  private final Object lock = new Object();

  // Guarded by lock.
  private SharedIndexInformer<EndpointSlice> informer;
  private Listener listener;
  private List<EndpointConfig> last;
  private boolean closed;

  private EndpointSliceSource(
      KubernetesClient client, String namespace, String service, String portName, String region) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.portName = portName;
    this.region = region;
  }

  /**
   * A factory of sources that each follow {@code service} in {@code namespace}.
   *
   * @param client the Kubernetes client ({@link KubernetesClients}); the caller closes it
   * @param namespace the Service's namespace
   * @param service the Service's name
   * @param portName the port to use, by name; {@code null} for the slice's only port
   * @param region the region stamped on every endpoint's locality (the service's own region,
   *     e.g. {@code KubernetesLocality.region()}), or {@code null}
   * @throws IllegalArgumentException if the namespace or service name is empty
   */
  public static EndpointSource.Factory factory(
      KubernetesClient client, String namespace, String service, String portName, String region) {
    Objects.requireNonNull(client, "client");
    requireName("namespace", namespace);
    requireName("service", service);
    return config -> new EndpointSliceSource(client, namespace, service, portName, region);
  }

  private static void requireName(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty()) throw new IllegalArgumentException(what + ": \"\" (expected: a name)");
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    SharedIndexInformer<EndpointSlice> i;
    synchronized (lock) {
      if (closed || this.listener != null) return;
      this.listener = listener;
      i = client.discovery().v1().endpointSlices().inNamespace(namespace)
          .withLabel(SERVICE_NAME_LABEL, service)
          .runnableInformer(0);
      i.exceptionHandler((started, t) -> {
        log.warn("EndpointSlices of {}/{}: {}; retrying, the last list stays in force",
            namespace, service, t.toString());
        return true;
      });
      i.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(EndpointSlice obj) {
          recompute();
        }

        @Override
        public void onUpdate(EndpointSlice oldObj, EndpointSlice newObj) {
          recompute();
        }

        @Override
        public void onDelete(EndpointSlice obj, boolean deletedFinalStateUnknown) {
          recompute();
        }

        @Override
        public void onNothing() {
          recompute();
        }
      });
      informer = i;
    }
    i.start().thenRun(this::recompute);
  }

  /** Recomputes the list from the informer's store and pushes it when it changed. */
  private void recompute() {
    synchronized (lock) {
      if (closed || informer == null || !informer.hasSynced()) return;
      List<EndpointConfig> now = endpoints(informer.getStore().list(), portName, region);
      if (now.equals(last)) return;
      last = now;
      listener.onEndpoints(now);
    }
  }

  /** The endpoints of {@code slices} (see the class doc), in a stable order. */
  static List<EndpointConfig> endpoints(List<EndpointSlice> slices, String portName, String region) {
    List<EndpointSlice> sorted = new ArrayList<>(slices);
    sorted.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    List<EndpointConfig> out = new ArrayList<>();
    for (EndpointSlice slice : sorted) {
      Integer port = port(slice, portName);
      if (port == null || slice.getEndpoints() == null) continue;
      for (Endpoint e : slice.getEndpoints()) {
        if (!usable(e.getConditions()) || e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        String host = e.getAddresses().get(0);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        out.add(new EndpointConfig(host, port, 1, new Locality(region, zone(e), null), 0, 1));
      }
    }
    return List.copyOf(out);
  }

  private static Integer port(EndpointSlice slice, String portName) {
    List<EndpointPort> ports = slice.getPorts();
    if (ports == null || ports.isEmpty()) return null;
    if (portName == null) return ports.size() == 1 ? ports.get(0).getPort() : null;
    for (EndpointPort p : ports) {
      if (portName.equals(p.getName())) return p.getPort();
    }
    return null;
  }

  /** Ready (unset counts as ready) and not terminating. */
  static boolean usable(EndpointConditions c) {
    if (c == null) return true;
    return !Boolean.FALSE.equals(c.getReady()) && !Boolean.TRUE.equals(c.getTerminating());
  }

  private static String zone(Endpoint e) {
    if (e.getHints() != null && e.getHints().getForZones() != null) {
      for (ForZone z : e.getHints().getForZones()) {
        if (z.getName() != null && !z.getName().isEmpty()) return z.getName();
      }
    }
    return e.getZone();
  }

  /**
   * Whether the informer holds a live watch now; {@code false} before the first list and while it
   * re-establishes a lost watch (the last list stays in force meanwhile).
   */
  public boolean watching() {
    SharedIndexInformer<EndpointSlice> i;
    synchronized (lock) {
      i = informer;
    }
    return i != null && i.isWatching();
  }

  /** Keeps following the same Service whatever the cluster's new config says. */
  @Override
  public boolean update(ClusterConfig config) {
    return true;
  }

  @Override
  public void close() {
    SharedIndexInformer<EndpointSlice> i;
    synchronized (lock) {
      if (closed) return;
      closed = true;
      i = informer;
      informer = null;
    }
    if (i != null) i.close();
  }

  @Override
  public String toString() {
    return "EndpointSliceSource{" + namespace + "/" + service
        + (portName == null ? "" : ", port " + portName) + "}";
  }
}
