package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/** Backends, a mesh over them and a wrapped client; closing it checks for leaks. */
final class Fixture implements AutoCloseable {
  final List<Backend> backends = new ArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  Mesh mesh;
  OkHttpClient client;

  Backend backend() {
    Backend b = new Backend();
    backends.add(b);
    return b;
  }

  Backend h2cBackend() {
    Backend b = new Backend(true);
    backends.add(b);
    return b;
  }

  OkHttpClient wrap(String yaml) {
    return wrap(yaml, UnaryOperator.identity());
  }

  OkHttpClient wrap(String yaml, UnaryOperator<Mesh.Builder> customize) {
    return wrap(yaml, customize, new OkHttpClient());
  }

  /** Wraps {@code base} (its interceptors and listeners run for each attempt). */
  OkHttpClient wrap(String yaml, UnaryOperator<Mesh.Builder> customize, OkHttpClient base) {
    mesh = customize.apply(TestSupport.meshBuilder(yaml).meterRegistry(registry)).build();
    client = MeshOkHttp.wrap(base, mesh);
    return client;
  }

  /** Total of {@code mesh.client.attempts} (all routes and clusters). */
  double attempts() {
    return registry.find(MeshMetricNames.CLIENT_ATTEMPTS).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  /** Total of {@code mesh.client.retries}. */
  double retries() {
    return registry.find(MeshMetricNames.CLIENT_RETRIES).counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  /** Outcomes reported to {@code cluster} (cancelled attempts are not reported as outcomes). */
  long reportedOutcomes(String cluster) {
    return registry.find(MeshMetricNames.ATTEMPTS).tag(MeshMetricNames.TAG_CLUSTER, cluster)
        .timers().stream().mapToLong(Timer::count).sum();
  }

  /** Requests counted as in flight by the endpoints of {@code cluster}. */
  int activeRequests(String cluster) {
    Cluster c = mesh.cluster(cluster);
    int n = 0;
    for (Endpoint e : c.endpoints()) n += e.activeRequests();
    return n;
  }

  /** Attempts holding a concurrency slot of {@code cluster}'s breaker. */
  double breakerActive(String cluster) {
    return registry.get(MeshMetricNames.CLIENT_CIRCUIT_ACTIVE)
        .tag(MeshMetricNames.TAG_CLUSTER, cluster).gauge().value();
  }

  @Override
  public void close() {
    try {
      if (client != null) TestSupport.assertNoLeaks(client);
    } finally {
      if (mesh != null) mesh.close();
      backends.forEach(Backend::close);
    }
  }
}
