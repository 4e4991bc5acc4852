package io.mesh4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.ratelimit.TokenBucket;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-mesh state: one home, carried across reloads while settings hold, never rolled back. */
class MeshRuntimeTest {
  static final String V1 =
      """
      version: 1
      service: shop
      clusters:
        - name: a
          endpoints: [{ address: 127.0.0.1:9001 }]
          circuit_breaker: { max_concurrent_requests: 10 }
        - name: b
          endpoints: [{ address: 127.0.0.1:9002 }]
      """;

  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(V1)).ticker(time).scheduler(time)
      .meterRegistry(registry).build();
  final MeshRuntime runtime = MeshInternals.runtime(mesh);

  @AfterEach
  void close() {
    mesh.close();
  }

  @Test
  void aReloadKeepsABreakerWhoseSettingsDidNotChangeAndReplacesOneWhoseDid() {
    runtime.update(mesh.current());
    ClusterResilience a = runtime.cluster("a");
    ClusterResilience b = runtime.cluster("b");

    runtime.update(mesh.reload(ConfigLoader.load(V1.replace("max_concurrent_requests: 10",
        "max_concurrent_requests: 20"))));

    assertThat(runtime.cluster("b")).isSameAs(b);
    assertThat(runtime.cluster("a").breaker).isNotSameAs(a.breaker);
    assertThat(runtime.cluster("a").budget).isSameAs(a.budget);
    assertThat(runtime.cluster("a").breaker.maxConcurrentRequests()).isEqualTo(20);
  }

  @Test
  void anOlderSnapshotNeverRollsTheStateBack() {
    MeshSnapshot first = mesh.current();
    MeshSnapshot second = mesh.reload(ConfigLoader.load(V1.replace("""
        - name: b
          endpoints: [{ address: 127.0.0.1:9002 }]
      """, "")));
    runtime.update(second);
    runtime.update(first);

    assertThat(runtime.cluster("b")).isNull();
    assertThat(runtime.cluster("a")).isNotNull();
  }

  @Test
  void aRoutesBucketIsKeptWhileItsRateLimitHoldsAndSharedByEveryCaller() {
    RateLimitConfig two = new RateLimitConfig(2, 2, null, RateLimitConfig.DEFAULT_MAX_KEYS);
    TokenBucket bucket = runtime.bucket("self/r", two);

    assertThat(runtime.bucket("self/r", new RateLimitConfig(2, 2, null, RateLimitConfig.DEFAULT_MAX_KEYS))).isSameAs(bucket);
    assertThat(runtime.bucket("self/other", two)).isNotSameAs(bucket);
    assertThat(runtime.bucket("self/r", new RateLimitConfig(5, 5, null, RateLimitConfig.DEFAULT_MAX_KEYS))).isNotSameAs(bucket);
  }

  @Test
  void theBreakerGaugesAreRegisteredOncePerMeshAndReadTheCurrentBreaker() {
    runtime.update(mesh.current());
    runtime.update(mesh.reload(ConfigLoader.load(V1)));

    assertThat(registry.find(MeshMetricNames.CLIENT_CIRCUIT_ACTIVE).gauges()).hasSize(2);
    runtime.cluster("a").breaker.tryAcquire();
    assertThat(registry.get(MeshMetricNames.CLIENT_CIRCUIT_ACTIVE)
        .tag(MeshMetricNames.TAG_CLUSTER, "a").gauge().value()).isEqualTo(1.0);
  }
}
