package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MeshFilterRateLimitTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: search
                match: { prefix: /search }
                rate_limit: { requests_per_second: 2, burst: 3 }
                pass: {}
              - name: slowpoke
                match: { prefix: /slowpoke }
                rate_limit: { requests_per_second: 0.1, burst: 1 }
                pass: {}
              - name: keyed
                match: { prefix: /keyed }
                rate_limit: { requests_per_second: 1, burst: 2, key: { header: x-api-key } }
                pass: {}
              - name: rest
                match: { prefix: / }
                pass: {}
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = Fixtures.client();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh)).servlet("/*", Fixtures.text("ok")).start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private String call(String path) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url(server.url(path)).build()).execute()) {
      String retryAfter = r.header("Retry-After");
      return r.code() + (retryAfter == null ? "" : " retry-after=" + retryAfter) + " " + r.body().string().trim();
    }
  }

  @Test
  void theBurstPassesThenEachExtraRequestGets429WithRetryAfter() throws Exception {
    assertThat(call("/search?q=1")).isEqualTo("200 ok");
    assertThat(call("/search?q=2")).isEqualTo("200 ok");
    assertThat(call("/search?q=3")).isEqualTo("200 ok");
    assertThat(call("/search?q=4")).isEqualTo("429 retry-after=1 rate limited");
    assertThat(call("/search?q=5")).isEqualTo("429 retry-after=1 rate limited");
    assertThat(call("/other")).as("other routes have no limit").isEqualTo("200 ok");

    await("six recorded", () -> Fixtures.totalRequests(registry) == 6);
    assertThat(count(registry, "self/search", "2xx", "pass")).isEqualTo(3);
    assertThat(count(registry, "self/search", "4xx", "ratelimited")).isEqualTo(2);
    assertThat(counter(registry, MeshMetricNames.SERVER_RATELIMITED, "route", "self/search")).isEqualTo(2.0);
  }

  private String callWithKey(String key) throws Exception {
    Request.Builder b = new Request.Builder().url(server.url("/keyed"));
    if (key != null) b.header("X-Api-Key", key);
    try (Response r = client.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  @Test
  void aKeyedLimitGivesEachClientItsOwnBurstAndKeylessRequestsShareOne() throws Exception {
    assertThat(callWithKey("alice")).isEqualTo("200 ok");
    assertThat(callWithKey("alice")).isEqualTo("200 ok");
    assertThat(callWithKey("alice")).isEqualTo("429 rate limited");
    assertThat(callWithKey("bob")).as("another client, another bucket").isEqualTo("200 ok");
    assertThat(callWithKey("bob")).isEqualTo("200 ok");
    assertThat(callWithKey(null)).isEqualTo("200 ok");
    assertThat(callWithKey(null)).isEqualTo("200 ok");
    assertThat(callWithKey(null)).as("requests without the header share one bucket")
        .isEqualTo("429 rate limited");

    time.advance(Duration.ofSeconds(1));
    assertThat(callWithKey("alice")).isEqualTo("200 ok");
    assertThat(callWithKey("alice")).isEqualTo("429 rate limited");

    await("all recorded", () -> Fixtures.totalRequests(registry) == 10);
    assertThat(counter(registry, MeshMetricNames.SERVER_RATELIMITED, "route", "self/keyed"))
        .isEqualTo(3.0);
  }

  @Test
  void concurrentRequestsOfOneClientGetExactlyTheBurst() throws Exception {
    int clients = 8;
    OkHttpClient parallel = client.newBuilder()
        .connectionPool(new ConnectionPool(clients, 1, TimeUnit.MINUTES))
        .dispatcher(new Dispatcher()).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> results = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      results.add(pool.submit(() -> {
        go.await();
        int ok = 0;
        for (int i = 0; i < 3; i++) {
          Request req = new Request.Builder().url(server.url("/keyed"))
              .header("x-api-key", "carol").build();
          try (Response r = parallel.newCall(req).execute()) {
            if (r.code() == 200) ok++;
          }
        }
        return ok;
      }));
    }
    go.countDown();
    int ok = 0;
    for (Future<Integer> f : results) ok += f.get(30, TimeUnit.SECONDS);
    pool.shutdown();
    assertThat(ok).isEqualTo(2);
  }

  @Test
  void theBucketRefillsFromTheMeshClock() throws Exception {
    for (int i = 0; i < 3; i++) assertThat(call("/search")).isEqualTo("200 ok");
    assertThat(call("/search")).startsWith("429");

    time.advance(Duration.ofMillis(499));
    assertThat(call("/search")).as("a token takes 500 ms").startsWith("429");
    time.advance(Duration.ofMillis(1));
    assertThat(call("/search")).isEqualTo("200 ok");
    assertThat(call("/search")).startsWith("429");

    time.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) assertThat(call("/search")).as("full again, never above burst").isEqualTo("200 ok");
    assertThat(call("/search")).startsWith("429");
  }

  @Test
  void retryAfterIsTheWaitForTheNextTokenRoundedUpToSeconds() throws Exception {
    assertThat(call("/slowpoke")).isEqualTo("200 ok");
    assertThat(call("/slowpoke")).isEqualTo("429 retry-after=10 rate limited");
    time.advance(Duration.ofMillis(8500));
    assertThat(call("/slowpoke")).isEqualTo("429 retry-after=2 rate limited");
    time.advance(Duration.ofMillis(1500));
    assertThat(call("/slowpoke")).isEqualTo("200 ok");
  }

  @Test
  void concurrentClientsGetExactlyTheBurstWhileTimeStandsStill() throws Exception {
    int clients = 8;
    int each = 5;
    OkHttpClient parallel = client.newBuilder()
        .connectionPool(new ConnectionPool(clients, 1, TimeUnit.MINUTES))
        .dispatcher(new Dispatcher()).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<int[]>> results = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      results.add(pool.submit(() -> {
        go.await();
        int[] codes = new int[2];
        for (int i = 0; i < each; i++) {
          try (Response r = parallel.newCall(new Request.Builder().url(server.url("/search")).build()).execute()) {
            codes[r.code() == 200 ? 0 : 1]++;
            assertThat(r.code()).isIn(200, 429);
          }
        }
        return codes;
      }));
    }
    go.countDown();
    int ok = 0;
    int limited = 0;
    for (Future<int[]> f : results) {
      int[] codes = f.get(30, TimeUnit.SECONDS);
      ok += codes[0];
      limited += codes[1];
    }
    pool.shutdown();
    assertThat(ok).isEqualTo(3);
    assertThat(limited).isEqualTo(clients * each - 3);
    await("all recorded", () -> Fixtures.totalRequests(registry) == clients * each);
    assertThat(counter(registry, MeshMetricNames.SERVER_RATELIMITED, "route", "self/search"))
        .isEqualTo(clients * each - 3.0);
  }

  @Test
  void aReloadKeepsTheBucketOfARouteWhoseLimitDidNotChange() throws Exception {
    for (int i = 0; i < 3; i++) call("/search");
    assertThat(call("/search")).startsWith("429");

    mesh.reload(ConfigLoader.load(CONFIG.replace("name: rest", "name: everything-else")));
    assertThat(call("/search")).as("same route, same limit: still empty").startsWith("429");

    mesh.reload(ConfigLoader.load(CONFIG.replace("requests_per_second: 2, burst: 3",
        "requests_per_second: 2, burst: 4")));
    for (int i = 0; i < 4; i++) assertThat(call("/search")).as("a new limit starts full").isEqualTo("200 ok");
    assertThat(call("/search")).startsWith("429");
  }
}
