package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MeshFilterRoutingTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: moved
                match: { prefix: /v1/ }
                redirect: { prefix_rewrite: /v2/, code: 308 }
              - name: maintenance
                match: { path: /maintenance }
                respond: { status: 503, body: "down for maintenance", headers: { retry-after: "30", content-type: text/x-note } }
              - name: gone
                match: { path: /gone, methods: [DELETE] }
                respond: { status: 204 }
              - name: broken
                match: { prefix: /broken }
                fault: { abort: { status: 502, percent: 100 } }
                pass: {}
              - name: slow
                match: { prefix: /slow }
                fault: { delay: { fixed: 2s, percent: 100 } }
                pass: {}
              - name: app
                match: { prefix: /app }
                headers: { add: { x-mesh-route: app }, remove: [x-debug] }
                pass: {}
      propagate:
        headers: [x-request-id, traceparent, x-canary]
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = Fixtures.client();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> {
          StringBuilder b = new StringBuilder("app " + req.getMethod() + " " + req.getRequestURI() + "\n");
          TreeMap<String, String> headers = new TreeMap<>();
          for (String n : Collections.list(req.getHeaderNames())) {
            String lower = n.toLowerCase();
            if (lower.startsWith("x-") || lower.equals("traceparent")) {
              headers.put(lower, String.join("|", Collections.list(req.getHeaders(n))));
            }
          }
          headers.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
          b.append("context=").append(MeshContext.current().headers()).append('\n');
          write(res, 200, b.toString());
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private Response get(String path) throws Exception {
    return client.newCall(new Request.Builder().url(server.url(path)).build()).execute();
  }

  @Test
  void aRedirectRouteAnswersWithItsCodeAndRewrittenLocationWithoutCallingTheApplication() throws Exception {
    try (Response r = get("/v1/items/7?color=red")) {
      assertThat(r.code()).isEqualTo(308);
      // Relative: the client resolves it against the URL it asked for; no Host header is echoed.
      assertThat(r.header("Location")).isEqualTo("/v2/items/7?color=red");
      assertThat(r.body().string()).isEmpty();
    }
    await("the redirect to be recorded", () -> count(registry, "self/moved", "3xx", "redirect") == 1);
  }

  @Test
  void aRespondRouteAnswersWithItsStatusBodyAndHeaders() throws Exception {
    try (Response r = get("/maintenance")) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.body().string()).isEqualTo("down for maintenance");
      assertThat(r.header("retry-after")).isEqualTo("30");
      assertThat(r.header("content-type")).isEqualTo("text/x-note");
    }
    try (Response r = client.newCall(new Request.Builder().url(server.url("/gone")).delete().build()).execute()) {
      assertThat(r.code()).isEqualTo(204);
      assertThat(r.body().string()).isEmpty();
    }
    try (Response r = get("/gone")) {
      assertThat(r.code()).as("GET does not match the DELETE-only route").isEqualTo(200);
    }
    await("three requests recorded", () -> Fixtures.totalRequests(registry) == 3);
    assertThat(count(registry, "self/maintenance", "5xx", "respond")).isEqualTo(1);
    assertThat(count(registry, "self/gone", "2xx", "respond")).isEqualTo(1);
    assertThat(count(registry, "none", "2xx", "pass")).isEqualTo(1);
  }

  @Test
  void aPassRouteHandsTheRequestToTheApplicationWithItsHeaderChanges() throws Exception {
    Request request = new Request.Builder().url(server.url("/app/cart"))
        .header("x-debug", "1").header("x-mesh-route", "client").header("x-request-id", "req-1")
        .build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("x-request-id")).isEqualTo("req-1");
      assertThat(r.body().string()).isEqualTo("""
          app GET /app/cart
          x-mesh-route=client|app
          x-request-id=req-1
          context={x-request-id=req-1}
          """);
    }
    await("the pass to be recorded", () -> count(registry, "self/app", "2xx", "pass") == 1);
  }

  @Test
  void aRequestNoRouteMatchesGoesToTheApplicationUnchanged() throws Exception {
    try (Response r = client.newCall(new Request.Builder().url(server.url("/other"))
        .header("x-debug", "1").header("x-request-id", "abc").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("""
          app GET /other
          x-debug=1
          x-request-id=abc
          context={x-request-id=abc}
          """);
    }
    await("recorded", () -> count(registry, "none", "2xx", "pass") == 1);
  }

  @Test
  void theRequestIdIsGeneratedWhenMissingOrInvalidAndShownToTheApplicationAndClient() throws Exception {
    for (String sent : new String[] {null, ""}) {
      Request.Builder b = new Request.Builder().url(server.url("/app/x"));
      if (sent != null) b.header("x-request-id", sent);
      try (Response r = client.newCall(b.build()).execute()) {
        String id = r.header("x-request-id");
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(r.body().string()).isEqualTo("app GET /app/x\nx-mesh-route=app\nx-request-id=" + id
            + "\ncontext={x-request-id=" + id + "}\n");
      }
    }
  }

  @Test
  void propagatedHeadersAreAttachedToTheApplicationThreadsMeshContext() throws Exception {
    Request request = new Request.Builder().url(server.url("/app/p"))
        .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .header("x-canary", "true").header("x-request-id", "r-9").header("x-other", "no")
        .build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.body().string()).endsWith("context={x-request-id=r-9, "
          + "traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01, x-canary=true}\n");
    }
  }

  @Test
  void aFaultAbortAnswersWithItsStatusAndNeverReachesTheApplication() throws Exception {
    try (Response r = get("/broken/thing")) {
      assertThat(r.code()).isEqualTo(502);
      assertThat(r.body().string()).isEqualTo("fault filter abort\n");
    }
    await("recorded", () -> count(registry, "self/broken", "5xx", "fault") == 1);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }

  @Test
  void aFaultDelayHoldsTheRequestUntilTheMeshClockHasMovedByTheDelay() throws Exception {
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
      try (Response r = get("/slow/x")) {
        return r.code() + " " + r.body().string().lines().findFirst().orElse("");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    await("the delay to be scheduled", () -> time.pendingTasks() == 1);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(2));

    time.advance(Duration.ofMillis(1999));
    assertThat(answer).isNotDone();
    assertThat(time.pendingTasks()).isEqualTo(1);

    time.advance(Duration.ofMillis(1));
    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("200 app GET /slow/x");
    await("recorded", () -> count(registry, "self/slow", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(registry, "self/slow", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(2000.0);
  }

  @Test
  void aReloadAppliesFromTheNextRequest() throws Exception {
    try (Response r = get("/maintenance")) {
      assertThat(r.code()).isEqualTo(503);
    }
    mesh.reload(ConfigLoader.load(CONFIG.replace("status: 503, body: \"down for maintenance\"",
        "status: 200, body: \"back\"")));
    try (Response r = get("/maintenance")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("back");
    }
  }

  @Test
  void eachRequestIsRecordedOnceWithServiceRouteStatusClassAndOutcome() throws Exception {
    for (String path : new String[] {"/app/a", "/app/b", "/maintenance", "/v1/x", "/broken"}) {
      get(path).close();
    }
    await("five recorded", () -> Fixtures.totalRequests(registry) == 5);
    assertThat(registry.find("mesh.server.requests").timers())
        .extracting(t -> t.getId().getTag("service") + " " + t.getId().getTag("route") + " "
            + t.getId().getTag("status") + " " + t.getId().getTag("outcome") + " " + t.count())
        .containsExactlyInAnyOrder(
            "shop self/app 2xx pass 2",
            "shop self/maintenance 5xx respond 1",
            "shop self/moved 3xx redirect 1",
            "shop self/broken 5xx fault 1");
  }

  @Test
  void anApplicationExceptionIsRecordedAsAnErrorWithTheContainers500() throws Exception {
    server.close();
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> {
          throw new IllegalStateException("boom");
        }))
        .start();
    try (Response r = get("/app/x")) {
      assertThat(r.code()).isEqualTo(500);
    }
    await("recorded", () -> count(registry, "self/app", "5xx", "error") == 1);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }
}
