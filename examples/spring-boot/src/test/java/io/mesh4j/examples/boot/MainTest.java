package io.mesh4j.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example as a person runs it, on free ports: the storefront's RestClient follows 90/10 over
 * mutual TLS; the catalog saw the storefront's SPIFFE ID, and refuses a caller without one.
 */
class MainTest {

  @Test
  void storefrontsRestClientSplits90To10ExactlyOver100Calls() throws Exception {
    int storefront = freePort();
    int v1 = freePort();
    int v2 = freePort();
    String yaml;
    try (InputStream in = Main.class.getResourceAsStream("/storefront/mesh.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("127.0.0.1:18181", "127.0.0.1:" + v1)
          .replace("127.0.0.1:18182", "127.0.0.1:" + v2);
    }
    Path config = Files.createTempFile("storefront", ".yaml");
    Files.writeString(config, yaml);
    List<ConfigurableApplicationContext> apps = Main.start(storefront, v1, v2, "file:" + config);
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + storefront + "/shop/sample?n=100")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"catalog v1\":90,\"catalog v2\":10}");

      HttpResponse<String> caller = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + storefront + "/shop/caller")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(caller.statusCode()).isEqualTo(200);
      assertThat(caller.body()).isEqualTo(DemoPki.spiffeId("storefront"))
          .isEqualTo("spiffe://example.mesh4j.io/ns/shop/sa/storefront");

      // The storefront's health checks of both catalogs pass over the same mutual TLS, and once
      // one has passed none fails. (The very first check of a cold JVM pays for loading JSSE and
      // the first handshake; on a loaded 2-core machine that can exceed the example's 1 s
      // timeout, which says nothing about the steady state this checks.)
      Mesh mesh = apps.get(2).getBean(Mesh.class);
      for (String cluster : List.of("catalog-v1", "catalog-v2")) {
        awaitPassedChecks(mesh, cluster, 1);
        double failedBefore = checks(mesh, cluster, MeshMetricNames.FAILURE);
        double passed = checks(mesh, cluster, MeshMetricNames.SUCCESS);
        awaitPassedChecks(mesh, cluster, passed + 2);
        assertThat(checks(mesh, cluster, MeshMetricNames.FAILURE))
            .as(cluster + " checks failed after one had passed").isEqualTo(failedBefore);
      }

      // The catalog speaks only mutual TLS: a plaintext caller never reaches it.
      HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + v1 + "/items"))
          .timeout(Duration.ofSeconds(10)).build();
      try {
        HttpResponse<String> refused = HttpClient.newHttpClient().send(plain,
            HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isNotEqualTo(200);
      } catch (IOException expected) {
        // the TLS connector closed the connection
      }
    } finally {
      for (ConfigurableApplicationContext app : apps) app.close();
      Files.deleteIfExists(config);
    }
  }

  private static void awaitPassedChecks(Mesh mesh, String cluster, double atLeast) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (checks(mesh, cluster, MeshMetricNames.SUCCESS) < atLeast) {
      assertThat(System.nanoTime() - deadline)
          .as(atLeast + " passed checks of " + cluster).isNegative();
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
  }

  private static double checks(Mesh mesh, String cluster, String result) {
    Counter c = mesh.meterRegistry().find(MeshMetricNames.HEALTH_CHECKS)
        .tag(MeshMetricNames.TAG_CLUSTER, cluster).tag(MeshMetricNames.TAG_RESULT, result).counter();
    return c == null ? 0 : c.count();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
