package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshFilterDrainTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: teapot
                match: { path: /teapot }
                respond: { status: 418, body: "short and stout" }
              - name: limited
                match: { path: /limited }
                rate_limit: { requests_per_second: 1, burst: 1 }
                pass: {}
        authz:
          default_action: allow
          rules:
            - { name: everything-but-health, action: deny, match: { prefix: /secret } }
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = Fixtures.client();
  final CountDownLatch entered = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  Mesh mesh;
  JettyServer server;

  private void start(String config, String contextPath) throws Exception {
    mesh = Fixtures.mesh(config, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh)).contextPath(contextPath)
        .servlet("/slow", servlet((req, res) -> {
          entered.countDown();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          write(res, 200, "finished");
        }))
        .servlet("/*", servlet((req, res) -> write(res, 200, "app " + req.getRequestURI())))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
    mesh.close();
  }

  private String call(String method, String path) throws Exception {
    RequestBody body = method.equals("POST") ? RequestBody.create(new byte[0]) : null;
    try (Response r = client.newCall(new Request.Builder().url(server.url(path)).method(method, body).build()).execute()) {
      String draining = r.header(MeshFilter.DRAINING_HEADER);
      String allow = r.header("Allow");
      return (r.code() + " " + r.body().string().trim()).trim() + (draining == null ? "" : " [draining=" + draining + "]")
          + (allow == null ? "" : " [allow=" + allow + "]");
    }
  }

  @Test
  void theHealthEndpointAnswers200WhileServingAnd503WhileDraining() throws Exception {
    start(CONFIG, "/");
    assertThat(call("GET", "/mesh/health")).isEqualTo("200 serving");
    assertThat(call("HEAD", "/mesh/health")).isEqualTo("200");
    assertThat(call("POST", "/mesh/health")).isEqualTo("405 method not allowed [allow=GET, HEAD]");

    mesh.drain();
    assertThat(call("GET", "/mesh/health")).isEqualTo("503 draining [draining=true]");
    assertThat(call("HEAD", "/mesh/health")).isEqualTo("503 [draining=true]");

    mesh.undrain();
    assertThat(call("GET", "/mesh/health")).isEqualTo("200 serving");
  }

  @Test
  void whileDrainingEveryResponseSaysSoAndRequestsAreStillServed() throws Exception {
    start(CONFIG, "/");
    assertThat(call("GET", "/app")).isEqualTo("200 app /app");

    mesh.drain();

    assertThat(call("GET", "/app")).isEqualTo("200 app /app [draining=true]");
    assertThat(call("GET", "/teapot")).isEqualTo("418 short and stout [draining=true]");
    assertThat(call("GET", "/secret")).isEqualTo("403 access denied [draining=true]");
    assertThat(call("GET", "/limited")).isEqualTo("200 app /limited [draining=true]");
    assertThat(call("GET", "/limited")).isEqualTo("429 rate limited [draining=true]");
  }

  @Test
  void aRequestInFlightWhenDrainingStartsFinishesAndCarriesTheHeader() throws Exception {
    start(CONFIG, "/");
    CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
      try {
        return call("GET", "/slow");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    mesh.drain();
    assertThat(call("GET", "/mesh/health")).isEqualTo("503 draining [draining=true]");
    release.countDown();

    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("200 finished [draining=true]");
  }

  @Test
  void theHealthEndpointIsNeitherAuthorizedNorRateLimitedNorCounted() throws Exception {
    start(CONFIG.replace("prefix: /secret", "prefix: /"), "/");
    assertThat(call("GET", "/app")).isEqualTo("403 access denied");
    for (int i = 0; i < 5; i++) assertThat(call("GET", "/mesh/health")).isEqualTo("200 serving");
    await("the denial recorded", () -> Fixtures.totalRequests(registry) == 1);
  }

  @Test
  void theHealthPathIsConfigurable() throws Exception {
    start(CONFIG.replace("inbound:\n", "inbound:\n  health_path: /healthz\n"), "/");
    assertThat(call("GET", "/healthz")).isEqualTo("200 serving");
    assertThat(call("GET", "/mesh/health")).isEqualTo("200 app /mesh/health");
    mesh.drain();
    assertThat(call("GET", "/healthz")).isEqualTo("503 draining [draining=true]");
  }

  @Test
  void underAContextPathTheHealthEndpointIsRelativeToIt() throws Exception {
    start(CONFIG, "/shop");
    assertThat(call("GET", "/shop/mesh/health")).isEqualTo("200 serving");
    mesh.drain();
    assertThat(call("GET", "/shop/mesh/health")).isEqualTo("503 draining [draining=true]");
  }
}
