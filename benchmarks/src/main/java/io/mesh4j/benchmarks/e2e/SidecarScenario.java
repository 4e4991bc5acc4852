package io.mesh4j.benchmarks.e2e;

import okhttp3.OkHttpClient;
import okhttp3.Request;

/** Scenarios C and D: plain OkHttp to one local sidecar proxy that round-robins the backends. */
final class SidecarScenario implements Scenario {
  private final String key;
  private final Sidecar sidecar;
  private final OkHttpClient client = HttpClients.newClient();
  private final Request request;

  SidecarScenario(String key, Sidecar sidecar) {
    this.key = key;
    this.sidecar = sidecar;
    this.request = HttpClients.get("http://127.0.0.1:" + sidecar.port() + "/");
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public String label() {
    return "plain OkHttp through the " + sidecar.name() + " sidecar (" + sidecar.version() + ")";
  }

  @Override
  public Exchange newExchange() {
    byte[] buffer = new byte[8192];
    return () -> HttpClients.exchange(client, request, buffer);
  }

  @Override
  public long sidecarCpuNanos() {
    return sidecar.cpuNanos();
  }

  /** Closes the client only: the sidecar is stopped by whoever started it. */
  @Override
  public void close() {
    HttpClients.shutdown(client);
  }
}
