package io.mesh4j.kubernetes;

import static io.mesh4j.kubernetes.Slices.NS;
import static io.mesh4j.kubernetes.Slices.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.Locality;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.kubernetes.Slices.Ep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link EndpointSliceSource} against fabric8's Kubernetes mock server in CRUD mode (the real REST
 * and watch protocol over a loopback socket; no kube-apiserver can run on these machines).
 */
class EndpointSliceSourceTest {
  static MockApi api;
  static KubernetesClient client;

  @BeforeAll
  static void startApi() {
    api = new MockApi();
    client = api.client;
  }

  @AfterAll
  static void stopApi() {
    api.close();
  }

  static final MeshConfig CONFIG = ConfigLoader.load("""
      version: 1
      service: checkout
      clusters:
        - name: inventory
          locality_lb: { mode: zone_aware }
      """);

  @Test
  void aThousandEndpointsInTenSlicesReachThePickerAndEachChangeFollows() throws Exception {
    for (int s = 0; s < 10; s++) {
      List<Ep> eps = new ArrayList<>();
      for (int i = 0; i < 100; i++) eps.add(Ep.ready("10.1." + s + "." + (i + 1), "zone-" + (s % 3)));
      client.resource(Slices.slice("inventory-" + s, 8080, eps)).create();
    }
    Slices.Rebuilds rebuilds = new Slices.Rebuilds();
    try (Mesh mesh = Mesh.builder().config(CONFIG).eventListener(rebuilds)
        .locality(() -> new Locality(null, "zone-0", null))
        .endpointSource(SERVICE, EndpointSliceSource.factory(client, NS, SERVICE, "http", null))
        .build()) {
      assertThat(rebuilds.await(mesh, e -> e.size() == 1000, Duration.ofSeconds(30))).isTrue();
      assertThat(mesh.cluster(SERVICE).localityShares().zoneRouting()).isEqualTo("direct");

      long[] micros = new long[20];
      for (int run = 0; run < micros.length; run++) {
        EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace(NS)
            .withName("inventory-" + (run % 10)).get();
        String address = "10.2." + run + ".1";
        slice.getEndpoints().get(0).setAddresses(List.of(address));
        long start = System.nanoTime();
        client.resource(slice).update();
        assertThat(rebuilds.await(mesh, e -> Slices.has(e, address + ":8080"), Duration.ofSeconds(10)))
            .as("run %d", run).isTrue();
        micros[run] = (System.nanoTime() - start) / 1_000;
      }
      assertThat(mesh.cluster(SERVICE).endpoints()).hasSize(1000);
      Arrays.sort(micros);
      String line = "EndpointSlice update -> picker, 1000 endpoints / 10 slices, 20 runs: p50 "
          + micros[9] / 1000.0 + " ms, p99 (max of 20) " + micros[19] / 1000.0 + " ms";
      System.out.println(line);
      Files.writeString(Path.of("target", "slice-latency.txt"), line + "\n");
    }
  }

  @Test
  void readyNotTerminatingEndpointsOnlyWithTheNamedPortAndTheHintedZone() {
    EndpointSlice slice = Slices.slice("s", 8080, List.of(
        Ep.ready("10.0.0.1", "a"),
        new Ep("10.0.0.2", "a", false, false),
        new Ep("10.0.0.3", "a", false, true),
        new Ep("10.0.0.4", "a", true, true)));
    slice.getEndpoints().get(0).setHints(new io.fabric8.kubernetes.api.model.discovery.v1
        .EndpointHintsBuilder().addNewForZone().withName("b").endForZone().build());
    slice.getEndpoints().get(0).setConditions(null);
    EndpointSlice otherPort = new EndpointSliceBuilder(Slices.slice("t", 9090,
        List.of(Ep.ready("10.0.0.5", "a")))).editFirstPort().withName("grpc").endPort().build();

    assertThat(EndpointSliceSource.endpoints(List.of(otherPort, slice), "http", "eu"))
        .containsExactly(new EndpointConfig("10.0.0.1", 8080, 1, new Locality("eu", "b", null), 0, 1));
  }

  @Test
  void theOwnLocalityComesFromTheNodeLabels() {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-7")
        .addToLabels(KubernetesLocality.REGION_LABEL, "eu-west-1")
        .addToLabels(KubernetesLocality.ZONE_LABEL, "eu-west-1b").endMetadata().build()).create();

    KubernetesLocality here = KubernetesLocality.fromNode(client, Map.of("NODE_NAME", "node-7"));

    assertThat(here.get()).isEqualTo(new Locality("eu-west-1", "eu-west-1b", null));
    assertThat(KubernetesLocality.fromEnvironment(Map.of("TOPOLOGY_ZONE", "z")).get())
        .isEqualTo(Locality.ofZone("z"));
  }
}
