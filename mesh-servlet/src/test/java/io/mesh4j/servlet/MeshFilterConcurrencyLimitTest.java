package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.counter;
import static io.mesh4j.servlet.Fixtures.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code inbound.concurrency_limit} in a real Jetty 12: requests above the limit are shed with
 * 503 + {@code x-mesh-overloaded} before the application sees them; a request holds its slot until
 * its response completes, async ones included. {@code min = max} pins the limit so the test can
 * fill it exactly.
 */
class MeshFilterConcurrencyLimitTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        concurrency_limit: { algorithm: gradient2, min: 2, max: 2 }
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: static
                match: { prefix: /static }
                respond: { status: 200, body: "static" }
              - name: app
                match: { prefix: / }
                pass: {}
      admin:
        enabled: true
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final AtomicInteger appSaw = new AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);
  final ConcurrentLinkedQueue<AsyncContext> parked = new ConcurrentLinkedQueue<>();
  final ExecutorService callers = Executors.newCachedThreadPool();
  final OkHttpClient client = Fixtures.client().newBuilder()
      .connectionPool(new ConnectionPool(8, 1, TimeUnit.MINUTES))
      .dispatcher(new Dispatcher()).build();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/block", servlet((req, res) -> {
          appSaw.incrementAndGet();
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          Fixtures.write(res, 200, "done");
        }))
        .servlet("/throw", servlet((req, res) -> {
          appSaw.incrementAndGet();
          throw new IllegalStateException("application bug");
        }))
        .servlet("/async", servlet((req, res) -> {
          appSaw.incrementAndGet();
          AsyncContext ac = req.startAsync();
          ac.setTimeout(0);
          parked.add(ac);
        }))
        .servlet("/*", servlet((req, res) -> {
          appSaw.incrementAndGet();
          Fixtures.write(res, 200, "ok");
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (AsyncContext ac = parked.poll(); ac != null; ac = parked.poll()) ac.complete();
    callers.shutdownNow();
    server.close();
    mesh.close();
  }

  private String call(String path) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      String overloaded = r.header("x-mesh-overloaded");
      return r.code() + (overloaded == null ? "" : " overloaded=" + overloaded) + " "
          + r.body().string().trim();
    }
  }

  private List<Future<String>> inFlight(String path, int n) {
    List<Future<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(callers.submit(() -> call(path)));
    return out;
  }

  private double gauge(String name) {
    Gauge g = registry.find(name).tag(MeshMetricNames.TAG_SERVICE, "shop").gauge();
    return g == null ? Double.NaN : g.value();
  }

  @Test
  void aRequestAboveTheLimitIsShedWith503BeforeTheApplicationSeesIt() throws Exception {
    List<Future<String>> held = inFlight("/block", 2);
    await("two requests in the application", () -> appSaw.get() == 2);
    assertThat(gauge(MeshMetricNames.SERVER_CONCURRENCY_INFLIGHT)).isEqualTo(2.0);

    assertThat(call("/other")).isEqualTo("503 overloaded=true overloaded");
    assertThat(call("/block")).isEqualTo("503 overloaded=true overloaded");
    assertThat(appSaw.get()).as("shed requests never reach the application").isEqualTo(2);

    release.countDown();
    for (Future<String> f : held) assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("200 done");
    await("slots freed", () -> gauge(MeshMetricNames.SERVER_CONCURRENCY_INFLIGHT) == 0.0);
    assertThat(call("/other")).isEqualTo("200 ok");
    assertThat(appSaw.get()).isEqualTo(3);

    await("all recorded", () -> Fixtures.totalRequests(registry) == 5);
    assertThat(count(registry, "self/app", "5xx", "overloaded")).isEqualTo(2);
    assertThat(count(registry, "self/app", "2xx", "pass")).isEqualTo(3);
    assertThat(counter(registry, MeshMetricNames.SERVER_OVERLOADED, "service", "shop"))
        .isEqualTo(2.0);
    assertThat(gauge(MeshMetricNames.SERVER_CONCURRENCY_LIMIT)).isEqualTo(2.0);
  }

  @Test
  void anAsyncRequestHoldsItsSlotUntilItsResponseCompletes() throws Exception {
    List<Future<String>> held = inFlight("/async", 2);
    await("two async requests parked", () -> parked.size() == 2);
    assertThat(call("/other")).as("the first dispatch returned, the requests are not done")
        .isEqualTo("503 overloaded=true overloaded");

    AsyncContext first = parked.poll();
    Fixtures.write((jakarta.servlet.http.HttpServletResponse) first.getResponse(), 200, "late");
    first.complete();
    await("one response", () -> held.get(0).isDone() || held.get(1).isDone());
    assertThat((held.get(0).isDone() ? held.get(0) : held.get(1)).get()).isEqualTo("200 late");
    await("one slot freed", () -> gauge(MeshMetricNames.SERVER_CONCURRENCY_INFLIGHT) == 1.0);
    assertThat(call("/other")).isEqualTo("200 ok");
    assertThat(appSaw.get()).isEqualTo(3);
  }

  @Test
  void answersTheMeshMakesItselfAreNotLimited() throws Exception {
    List<Future<String>> held = inFlight("/block", 2);
    await("limit full", () -> appSaw.get() == 2);
    assertThat(call("/static")).isEqualTo("200 static");
    assertThat(call("/mesh/health")).isEqualTo("200 serving");
    release.countDown();
    for (Future<String> f : held) f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aReloadKeepsTheLimiterAndItsRequestsInFlightWhileTheLimitIsUnchanged() throws Exception {
    List<Future<String>> held = inFlight("/block", 2);
    await("limit full", () -> appSaw.get() == 2);

    mesh.reload(ConfigLoader.load(CONFIG.replace("body: \"static\"", "body: \"static2\"")));
    assertThat(call("/other")).as("same limit: the two in flight still count")
        .isEqualTo("503 overloaded=true overloaded");

    mesh.reload(ConfigLoader.load(CONFIG.replace("min: 2, max: 2", "min: 3, max: 3")));
    assertThat(call("/other")).as("a new limit starts afresh").isEqualTo("200 ok");
    assertThat(gauge(MeshMetricNames.SERVER_CONCURRENCY_LIMIT)).isEqualTo(3.0);

    release.countDown();
    for (Future<String> f : held) assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("200 done");
  }

  @Test
  void theAdminRoutesPageShowsTheLimitAndTheRequestsInFlight() throws Exception {
    List<Future<String>> held = inFlight("/block", 2);
    await("limit full", () -> appSaw.get() == 2);
    String json;
    try (Response r = client.newCall(new Request.Builder().url(server.url("/mesh/routes"))
        .build()).execute()) {
      assertThat(r.code()).as("admin answers are not limited").isEqualTo(200);
      json = r.body().string();
    }
    com.fasterxml.jackson.databind.JsonNode limit = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(json).at("/inbound/concurrency_limit");
    assertThat(limit.toString())
        .isEqualTo("{\"algorithm\":\"gradient2\",\"min\":2,\"max\":2,\"limit\":2,\"inflight\":2}");
    release.countDown();
    for (Future<String> f : held) f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aRequestTheApplicationFailsFreesItsSlot() throws Exception {
    for (int i = 0; i < 5; i++) assertThat(call("/throw")).startsWith("500");
    await("recorded", () -> count(registry, "self/app", "5xx", "error") == 5);
    assertThat(gauge(MeshMetricNames.SERVER_CONCURRENCY_INFLIGHT)).isZero();
    assertThat(call("/other")).isEqualTo("200 ok");
    assertThat(call("/other")).isEqualTo("200 ok");
    assertThat(appSaw.get()).isEqualTo(7);
  }
}
