package io.mesh4j.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.Mesh;
import io.mesh4j.examples.boot.handwired.HandWiredMesh;
import io.mesh4j.examples.boot.storefront.StorefrontApplication;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter's startup baseline ({@code StartupTiming --hand-wired}) is the same application:
 * the storefront with its mesh wired by hand and the starter off splits 90/10 over the startup
 * config exactly as the starter's storefront does, and no bean of the starter exists.
 */
class HandWiredMeshTest {
  private final List<HttpServer> catalogs = new ArrayList<>();
  private ConfigurableApplicationContext storefront;

  @AfterEach
  void close() {
    if (storefront != null) storefront.close();
    catalogs.forEach(s -> s.stop(0));
  }

  @Test
  void theHandWiredStorefrontSplits90To10WithTheStarterOff() throws Exception {
    int v1 = catalog("catalog v1");
    int v2 = catalog("catalog v2");
    String yaml;
    try (InputStream in = HandWiredMesh.class.getResourceAsStream("/startup/mesh.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("127.0.0.1:18181", "127.0.0.1:" + v1)
          .replace("127.0.0.1:18182", "127.0.0.1:" + v2);
    }
    Path config = Files.createTempFile("startup", ".yaml");
    Files.writeString(config, yaml);
    storefront = new SpringApplication(StorefrontApplication.class, HandWiredMesh.class).run(
        "--server.port=0", "--server.address=127.0.0.1", "--mesh4j.config=file:" + config,
        "--mesh4j.enabled=false", "--spring.main.banner-mode=off");

    int port = ((WebServerApplicationContext) storefront).getWebServer().getPort();
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/shop/sample?n=100")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"catalog v1\":90,\"catalog v2\":10}");
    assertThat(storefront.getBeansOfType(Mesh.class)).containsOnlyKeys("mesh");
    for (String name : storefront.getBeanDefinitionNames()) {
      assertThat(storefront.getType(name).getName()).as(name).doesNotStartWith("io.mesh4j.spring");
    }
  }

  /** A catalog stub answering {@code body} to every path (the health check's included). */
  private int catalog(String body) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext("/", exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    s.start();
    catalogs.add(s);
    return s.getAddress().getPort();
  }
}
