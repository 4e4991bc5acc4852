package io.mesh4j.benchmarks.e2e;

import java.util.function.LongSupplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Scenarios C, D, G and J: plain OkHttp to one local hop in a process of its own that forwards to
 * the backends — an HAProxy or nginx sidecar ({@link #of}), a mesh4j gateway JVM ({@link
 * #gateway}), or Jetty's own reverse proxy ({@link #jettyProxy}). The hop's CPU is its process's, read from {@code /proc}.
 */
final class SidecarScenario implements Scenario {
  private final String key;
  private final String label;
  private final LongSupplier cpuNanos;
  private final OkHttpClient client = HttpClients.newClient();
  private final Request request;

  private SidecarScenario(String key, String label, int port, LongSupplier cpuNanos) {
    this.key = key;
    this.label = label;
    this.cpuNanos = cpuNanos;
    this.request = HttpClients.get("http://127.0.0.1:" + port + "/");
  }

  /** Scenarios C and D: a sidecar proxy that round-robins the backends. */
  static SidecarScenario of(String key, Sidecar sidecar) {
    return new SidecarScenario(key,
        "plain OkHttp through the " + sidecar.name() + " sidecar (" + sidecar.version() + ")",
        sidecar.port(), sidecar::cpuNanos);
  }

  /**
   * Scenario G: a mesh4j gateway, {@link GatewayServer} in its own JVM: Jetty 12 with MeshFilter
   * forwarding every request through mesh-gateway, with scenario B's full default policy — the hop
   * to compare with scenario D's nginx.
   */
  static SidecarScenario gateway(GatewayProcess gateway) {
    boolean blocking = "false".equals(System.getProperty(GatewayServer.ASYNC_PROPERTY));
    return new SidecarScenario("G",
        "plain OkHttp through a mesh4j gateway in its own JVM ("
            + String.join(" ", GatewayProcess.JVM_FLAGS)
            + "): Jetty 12, MeshFilter with an inbound `to: backend` route forwarding through"
            + " mesh-gateway" + (blocking ? " (blocking: no async support)" : " (async servlet)")
            + ", B's full default policy; its CPU is in the sidecar column",
        gateway.port(), gateway::cpuNanos);
  }

  /**
   * Scenario J: Jetty's own reverse proxy ({@link JettyProxyServer}) in its own JVM, no mesh4j: the
   * floor for a hop built on Jetty's server and client.
   */
  static SidecarScenario jettyProxy(GatewayProcess proxy) {
    return new SidecarScenario("J",
        "plain OkHttp through Jetty 12's own reverse proxy in its own JVM ("
            + String.join(" ", GatewayProcess.JVM_FLAGS)
            + "): `ProxyHandler.Reverse` on a core server, round robin, no servlet layer, no mesh4j;"
            + " its CPU is in the sidecar column",
        proxy.port(), proxy::cpuNanos);
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public Exchange newExchange() {
    byte[] buffer = new byte[8192];
    return () -> HttpClients.exchange(client, request, buffer);
  }

  @Override
  public long sidecarCpuNanos() {
    return cpuNanos.getAsLong();
  }

  /** Closes the client only: the hop's process is stopped by whoever started it. */
  @Override
  public void close() {
    HttpClients.shutdown(client);
  }
}
