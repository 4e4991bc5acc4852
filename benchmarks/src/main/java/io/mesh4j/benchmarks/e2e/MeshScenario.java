package io.mesh4j.benchmarks.e2e;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Scenario B: the same OkHttp client set-up as A, wrapped by mesh4j ({@link MeshOkHttp#wrap}) with
 * the full default policy of {@link MeshBenchConfig}: weighted round robin, HTTP health checks,
 * outlier detection, retries with their budget, a circuit breaker and the mesh's metrics (a
 * private {@code SimpleMeterRegistry}). Requests name the cluster's authority, {@code
 * http://backend/}; the mesh picks the port.
 */
final class MeshScenario implements Scenario {
  private final Mesh mesh;
  private final OkHttpClient client;
  private final Request request = HttpClients.get("http://" + MeshBenchConfig.AUTHORITY + "/");

  private MeshScenario(Mesh mesh, OkHttpClient client) {
    this.mesh = mesh;
    this.client = client;
  }

  /** A mesh over {@code ports} and a wrapped client; the mesh is closed again if wrapping fails. */
  static MeshScenario create(int[] ports) {
    Mesh mesh = Mesh.builder().config(ConfigLoader.load(MeshBenchConfig.yaml(ports))).build();
    try {
      return new MeshScenario(mesh, MeshOkHttp.wrap(HttpClients.newClient(), mesh));
    } catch (RuntimeException e) {
      mesh.close();
      throw e;
    }
  }

  /** The mesh behind the client, for tests. */
  Mesh mesh() {
    return mesh;
  }

  /** The wrapped client, for tests. */
  OkHttpClient client() {
    return client;
  }

  @Override
  public String key() {
    return "B";
  }

  @Override
  public String label() {
    return "OkHttp wrapped by mesh4j (MeshOkHttp.wrap), full default policy: weighted round robin,"
        + " HTTP health checks, outlier detection, retries with budget, circuit breaker, metrics";
  }

  @Override
  public Exchange newExchange() {
    byte[] buffer = new byte[8192];
    return () -> HttpClients.exchange(client, request, buffer);
  }

  @Override
  public void close() {
    HttpClients.shutdown(client);
    mesh.close();
  }
}
