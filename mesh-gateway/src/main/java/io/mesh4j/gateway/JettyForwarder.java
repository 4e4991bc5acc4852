package io.mesh4j.gateway;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.servlet.Forwarding;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.io.IOException;
import java.time.Clock;
import org.eclipse.jetty.client.HttpClient;

/**
 * The {@link GatewayTransport#JETTY} side of a {@link MeshGateway}: the Jetty client, the mesh's
 * clock and scheduler, and the {@link GatewayPlan} of the current snapshot (rebuilt on the first
 * request after a reload, published with one volatile write; a racing rebuild is harmless).
 * Thread-safe.
 */
final class JettyForwarder {
  final HttpClient client;
  final boolean ownsClient;
  final Mesh mesh;
  final GatewayMeters meters;
  final Ticker ticker;
  final Clock clock;
  final Scheduler scheduler;
  final boolean h2c;
  private volatile GatewayPlan plan;

  JettyForwarder(HttpClient client, boolean ownsClient, boolean h2c, Mesh mesh,
      GatewayMeters meters) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.h2c = h2c;
    this.mesh = mesh;
    this.meters = meters;
    this.ticker = MeshInternals.ticker(mesh);
    this.clock = mesh.clock();
    this.scheduler = MeshInternals.scheduler(mesh);
  }

  void forward(Forwarding forwarding) throws IOException {
    MeshSnapshot snapshot = mesh.current();
    new JettyForward(this, plan(snapshot), forwarding,
        snapshot.config().inbound().headersWithUnderscoresAction()).start();
  }

  /** The plan of {@code snapshot}, built on its first request. */
  GatewayPlan plan(MeshSnapshot snapshot) {
    GatewayPlan p = plan;
    if (p == null || p.snapshot != snapshot) {
      p = new GatewayPlan(snapshot, MeshInternals.runtime(mesh), mesh.meterRegistry());
      plan = p;
    }
    return p;
  }

  void close() {
    if (ownsClient) JettyClients.stop(client);
  }
}
