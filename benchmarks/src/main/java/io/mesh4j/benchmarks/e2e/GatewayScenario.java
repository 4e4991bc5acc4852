package io.mesh4j.benchmarks.e2e;

import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Scenario G: plain OkHttp (set up as in C and D) through a mesh4j gateway, {@link GatewayServer}
 * in its own JVM: Jetty 12 with MeshFilter forwarding every request through mesh-gateway, with
 * scenario B's full default policy. The hop to compare with scenario D's nginx; its CPU is the
 * gateway JVM's, read from {@code /proc} like a sidecar's.
 */
final class GatewayScenario implements Scenario {
  private final GatewayProcess gateway;
  private final OkHttpClient client = HttpClients.newClient();
  private final Request request;

  GatewayScenario(GatewayProcess gateway) {
    this.gateway = gateway;
    this.request = HttpClients.get("http://127.0.0.1:" + gateway.port() + "/");
  }

  @Override
  public String key() {
    return "G";
  }

  @Override
  public String label() {
    return "plain OkHttp through a mesh4j gateway in its own JVM (" + String.join(" ", GatewayProcess.JVM_FLAGS)
        + "): Jetty 12, MeshFilter with an inbound `to: backend` route forwarding through mesh-gateway"
        + ("false".equals(System.getProperty(GatewayServer.ASYNC_PROPERTY)) ? " (blocking: no async support)" : " (async servlet)")
        + ", B's full default policy; its CPU is in the sidecar column";
  }

  @Override
  public Exchange newExchange() {
    byte[] buffer = new byte[8192];
    return () -> HttpClients.exchange(client, request, buffer);
  }

  @Override
  public long sidecarCpuNanos() {
    return gateway.cpuNanos();
  }

  /** Closes the client only: the gateway JVM is stopped by whoever started it. */
  @Override
  public void close() {
    HttpClients.shutdown(client);
  }
}
