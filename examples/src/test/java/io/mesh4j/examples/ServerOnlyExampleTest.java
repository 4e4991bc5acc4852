package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs {@link ServerOnlyExample} in Jetty on 127.0.0.1, with time standing still. */
class ServerOnlyExampleTest {
  final FakeTime time = new FakeTime();
  final OkHttpClient client = new OkHttpClient();
  Mesh mesh;
  Server server;

  @BeforeEach
  void setUp() throws Exception {
    mesh = Mesh.builder().config(ConfigLoader.load(ServerOnlyExample.CONFIG))
        .ticker(time).scheduler(time).build();
    server = ServerOnlyExample.start(mesh, 0);
  }

  @AfterEach
  void tearDown() throws Exception {
    server.stop();
    mesh.close();
    client.connectionPool().evictAll();
  }

  record Answer(int status, String body, String retryAfter) {}

  Answer get(String path) throws IOException {
    Request request = new Request.Builder().url(server.getURI().resolve(path).toString()).build();
    try (Response r = client.newCall(request).execute()) {
      return new Answer(r.code(), r.body().string(), r.header("Retry-After"));
    }
  }

  @Test
  void theApiAnswersItsBurstThen429UntilTokensRefill() throws IOException {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/api/orders")).isEqualTo(new Answer(200, "orders: /api/orders\n", null));
    }
    Answer limited = get("/api/orders");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.retryAfter()).isEqualTo("1");

    time.advance(Duration.ofSeconds(1));   // 5 requests per second: 5 tokens back
    for (int i = 0; i < 5; i++) assertThat(get("/api/orders").status()).isEqualTo(200);
    assertThat(get("/api/orders").status()).isEqualTo(429);
  }

  @Test
  void internalPathsAreDeniedOutsideTheOpsNetworkAndOtherPathsPass() throws IOException {
    assertThat(get("/internal/stats").status()).isEqualTo(403);
    for (int i = 0; i < 20; i++) {
      assertThat(get("/about")).isEqualTo(new Answer(200, "orders: /about\n", null));
    }
  }
}
