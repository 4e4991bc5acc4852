package io.mesh4j.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Envoy's own java-control-plane (V3DiscoveryServer + SimpleCache) serving ADS on 127.0.0.1, with
 * every DiscoveryRequest it receives recorded (DiscoveryServerCallbacks.onV3StreamRequest). It can
 * be stopped and started again on the same port with a fresh cache, as a restarted control plane.
 */
final class ControlPlane implements AutoCloseable {
  static final String GROUP = "mesh";

  private final List<DiscoveryRequest> requests = new ArrayList<>();
  private final SslContext ssl;
  private volatile SimpleCache<String> cache;
  private volatile Server server;
  private int port;

  ControlPlane() throws IOException {
    this(null);
  }

  ControlPlane(SslContext ssl) throws IOException {
    this.ssl = ssl;
    start();
  }

  /** Starts serving (again) on the same port, with an empty cache. */
  void start() throws IOException {
    cache = new SimpleCache<>(node -> GROUP);
    DiscoveryServerCallbacks callbacks = new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        synchronized (requests) {
          requests.add(request);
          requests.notifyAll();
        }
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        throw new AssertionError("the client speaks state of the world, not delta");
      }
    };
    V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, cache);
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(discovery.getAggregatedDiscoveryServiceImpl());
    if (ssl != null) b.sslContext(ssl);
    server = b.build().start();
    port = server.getPort();
  }

  /** Stops serving and drops every connection at once, as a crashed control plane. */
  void stop() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  int port() {
    return port;
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  void set(Snapshot snapshot) {
    cache.setSnapshot(GROUP, snapshot);
  }

  /** Every request received so far, in order. */
  List<DiscoveryRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Waits for a request (among all received, earlier ones included) matching {@code p}. */
  DiscoveryRequest awaitRequest(Predicate<DiscoveryRequest> p, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requests) {
      while (true) {
        for (DiscoveryRequest r : requests) {
          if (p.test(r)) return r;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("no matching request within " + timeout
            + "; received: " + requests);
        requests.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** Forgets the requests received so far. */
  void clearRequests() {
    synchronized (requests) {
      requests.clear();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
