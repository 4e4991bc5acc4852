package io.mesh4j.kubernetes;

import static io.mesh4j.kubernetes.Slices.NS;
import static io.mesh4j.kubernetes.Slices.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.kubernetes.Slices.Ep;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A watch answered with {@code 410 Gone} (its resource version expired): the informer lists again
 * and watches on, and the cluster never sees an empty endpoint list meanwhile. The mock server
 * runs in CRUD mode; one expectation, matched before the CRUD handling, answers the first watch
 * with 410.
 */
class WatchExpiryTest {
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

  @Test
  void aWatchExpiredWith410ResyncsWithNoEmptyMoment() throws Exception {
    client.resource(Slices.slice("inventory-0", 8080,
        List.of(Ep.ready("10.0.0.1", "a"), Ep.ready("10.0.0.2", "b")))).create();
    String rv = client.discovery().v1().endpointSlices().inNamespace(NS)
        .withLabel(EndpointSliceSource.SERVICE_NAME_LABEL, SERVICE).list().getMetadata()
        .getResourceVersion();
    server.expect().get()
        .withPath("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?allowWatchBookmarks=true"
            + "&labelSelector=kubernetes.io%2Fservice-name%3Dinventory&resourceVersion=" + rv
            + "&timeoutSeconds=600&watch=true")
        .andReturn(410, new StatusBuilder().withCode(410).withReason("Expired")
            .withMessage("too old resource version").build())
        .once();
    int before = server.getRequestCount();
    AtomicInteger smallest = new AtomicInteger(Integer.MAX_VALUE);
    Slices.Rebuilds rebuilds = new Slices.Rebuilds() {
      @Override
      public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
        if (total > 0 || smallest.get() != Integer.MAX_VALUE) smallest.accumulateAndGet(total, Math::min);
        super.pickerRebuilt(cluster, usable, total, panic);
      }
    };
    try (Mesh mesh = Mesh.builder()
        .config(ConfigLoader.load("version: 1\nservice: s\nclusters:\n  - name: inventory\n"))
        .eventListener(rebuilds)
        .endpointSource(SERVICE, EndpointSliceSource.factory(client, NS, SERVICE, "http", null))
        .build()) {
      assertThat(rebuilds.await(mesh, e -> e.size() == 2, Duration.ofSeconds(30))).isTrue();

      // a change after the 410 arrives, so the informer listed and watches again
      client.resource(Slices.slice("inventory-1", 8080, List.of(Ep.ready("10.0.0.3", "c"))))
          .create();
      assertThat(rebuilds.await(mesh, e -> e.size() == 3, Duration.ofSeconds(60))).isTrue();
    }

    int lists = 0;
    int expired = 0;
    int total = server.getRequestCount();
    for (int i = 0; i < total; i++) {
      RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
      if (r == null || i < before) continue;
      String target = r.getPath();
      if (!target.contains("endpointslices")) continue;
      if (target.contains("watch=true") && target.contains("resourceVersion=" + rv)) expired++;
      else if (!target.contains("watch=true")) lists++;
    }
    assertThat(expired).as("watches started at the expired version").isGreaterThanOrEqualTo(1);
    assertThat(lists).as("lists: the first and the resync").isGreaterThanOrEqualTo(2);
    assertThat(smallest.get()).as("fewest endpoints the picker ever had").isEqualTo(2);
  }
}
