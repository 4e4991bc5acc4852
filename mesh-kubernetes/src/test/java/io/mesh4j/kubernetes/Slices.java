package io.mesh4j.kubernetes;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.event.MeshEventListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/** EndpointSlices for tests, and a way to await what a cluster's picker sees. */
final class Slices {
  static final String NS = "shop";
  static final String SERVICE = "inventory";

  private Slices() {}

  /** One endpoint: address, zone, and its ready / terminating conditions. */
  record Ep(String address, String zone, boolean ready, boolean terminating) {
    static Ep ready(String address, String zone) {
      return new Ep(address, zone, true, false);
    }
  }

  static EndpointSlice slice(String name, int port, List<Ep> endpoints) {
    List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> eps = new ArrayList<>();
    for (Ep e : endpoints) {
      eps.add(new EndpointBuilder()
          .withAddresses(e.address())
          .withZone(e.zone())
          .withNewConditions()
          .withReady(e.ready())
          .withServing(e.ready() || e.terminating())
          .withTerminating(e.terminating())
          .endConditions()
          .build());
    }
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels(EndpointSliceSource.SERVICE_NAME_LABEL, SERVICE)
        .endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort()
        .withEndpoints(eps)
        .build();
  }

  /**
   * Signals every picker rebuild, so a test can wait for a condition on a cluster with a deadline
   * instead of sleeping.
   */
  static class Rebuilds extends MeshEventListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    @Override
    public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Waits until {@code condition} holds for the cluster's endpoints; false at the deadline. */
    boolean await(Mesh mesh, Predicate<List<Endpoint>> condition, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      lock.lock();
      try {
        while (true) {
          Cluster c = mesh.cluster(SERVICE);
          if (c != null && condition.test(c.endpoints())) return true;
          long left = deadline - System.nanoTime();
          if (left <= 0) return false;
          changed.awaitNanos(Math.min(left, Duration.ofMillis(50).toNanos()));
        }
      } finally {
        lock.unlock();
      }
    }
  }

  static boolean has(List<Endpoint> endpoints, String address) {
    for (Endpoint e : endpoints) if (e.address().equals(address)) return true;
    return false;
  }
}
