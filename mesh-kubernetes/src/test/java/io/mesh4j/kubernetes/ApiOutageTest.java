package io.mesh4j.kubernetes;

import static io.mesh4j.kubernetes.Slices.NS;
import static io.mesh4j.kubernetes.Slices.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.EndpointSource;
import io.mesh4j.kubernetes.Slices.Ep;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API server going away never empties the cluster: the last list stays in force. */
class ApiOutageTest {
  static MockApi api;
  static KubernetesClient client;
  static KubernetesMockServer server;

  @BeforeAll
  static void startApi() {
    api = new MockApi();
    client = api.client;
    server = api.server;
  }

  @AfterAll
  static void stopApi() {
    api.close();
  }

  /** Waits (deadline 60 s) until the source's watch state is {@code watching}. */
  private static void awaitWatching(EndpointSliceSource source, boolean watching) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (source.watching() != watching && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    assertThat(source.watching()).isEqualTo(watching);
  }

  @Test
  void failingListsAndWatchesKeepTheLastEndpoints() throws Exception {
    client.resource(Slices.slice("inventory-0", 8080,
        List.of(Ep.ready("10.0.0.1", "a"), Ep.ready("10.0.0.2", "b")))).create();
    AtomicReference<EndpointSliceSource> source = new AtomicReference<>();
    EndpointSource.Factory base = EndpointSliceSource.factory(client, NS, SERVICE, "http", null);
    Slices.Rebuilds rebuilds = new Slices.Rebuilds();
    try (Mesh mesh = Mesh.builder()
        .config(ConfigLoader.load("version: 1\nservice: s\nclusters:\n  - name: inventory\n"))
        .eventListener(rebuilds)
        .endpointSource(SERVICE, config -> {
          EndpointSliceSource s = (EndpointSliceSource) base.create(config);
          source.set(s);
          return s;
        })
        .build()) {
      assertThat(rebuilds.await(mesh, e -> e.size() == 2, Duration.ofSeconds(30))).isTrue();
      awaitWatching(source.get(), true);

      server.destroy(); // every list and watch now fails

      awaitWatching(source.get(), false); // the watch is lost; reconnects are refused
      assertThat(mesh.cluster(SERVICE).endpoints()).extracting(e -> e.address())
          .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }
  }
}
