package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A virtual host's deny holds for every spelling of its host: trailing dot, case, port. */
class MeshFilterHostSpellingTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: blocked
            domains: [blocked.example]
            routes:
              - name: deny
                match: { prefix: / }
                respond: { status: 403, body: "blocked" }
          - name: rest
            domains: ["*"]
            routes:
              - name: app
                match: { prefix: / }
                pass: {}
      """;

  final OkHttpClient client = Fixtures.client();
  final List<String> received = new CopyOnWriteArrayList<>();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, new FakeTime(), new SimpleMeterRegistry());
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> {
          received.add(req.getHeader("host") + " " + req.getRequestURI());
          write(res, 200, "app");
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private Response get(String host) throws Exception {
    return client.newCall(new Request.Builder().url(server.url("/internal/x"))
        .header("Host", host).build()).execute();
  }

  @ParameterizedTest
  @ValueSource(strings = {"blocked.example", "blocked.example.", "BLOCKED.Example.:8080",
      "Blocked.Example:8080"})
  void everySpellingOfTheBlockedHostIsDeniedAndTheServletReceivesNothing(String host)
      throws Exception {
    try (Response r = get(host)) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).isEqualTo("blocked");
    }
    assertThat(received).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"other.example", "blocked.example..", "notblocked.example."})
  void anotherHostStillReachesTheServlet(String host) throws Exception {
    try (Response r = get(host)) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("app");
    }
    assertThat(received).containsExactly(host + " /internal/x");
  }
}
