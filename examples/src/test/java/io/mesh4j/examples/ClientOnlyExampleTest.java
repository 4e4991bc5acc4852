package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs {@link ClientOnlyExample} against two real backends on 127.0.0.1. */
class ClientOnlyExampleTest {
  HttpServer a;
  HttpServer b;
  Mesh mesh;
  OkHttpClient client;

  static HttpServer backend(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }

  static String address(HttpServer server) {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @BeforeEach
  void setUp() throws IOException {
    a = backend("a");
    b = backend("b");
    mesh = Mesh.of(ConfigLoader.load(ClientOnlyExample.CONFIG.formatted(address(a), address(b))));
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void tearDown() {
    a.stop(0);
    b.stop(0);
    client.connectionPool().evictAll();
    mesh.close();
  }

  @Test
  void callsAreSharedThreeToOneExactlyOverWholeCycles() throws IOException {
    List<String> lines = ClientOnlyExample.fetch(client, 8);

    assertThat(lines).hasSize(8);
    assertThat(lines.stream().filter("200 a"::equals).count()).isEqualTo(6);
    assertThat(lines.stream().filter("200 b"::equals).count()).isEqualTo(2);
  }

  @Test
  void everyCallSucceedsOnTheOtherEndpointWhenOneIsDown() throws IOException {
    b.stop(0);

    assertThat(ClientOnlyExample.fetch(client, 8)).containsOnly("200 a").hasSize(8);
  }

  @Test
  void aCallThatCannotSucceedSaysWhyInsteadOfThrowing() throws IOException {
    a.stop(0);
    b.stop(0);

    List<String> lines = ClientOnlyExample.fetch(client, 3);

    assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("failed: mesh4j: "));
    assertThat(lines.get(0)).contains("cluster inventory", "the request was not sent");
  }
}
