package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.servlet.MeshFilter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's life around requests: no forwarder means a clear failure at init (and a refused
 * reload), never per request; no connection or thread leaks; the container thread released in
 * async mode; metrics on both sides.
 */
class GatewayLifecycleTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final OkHttpClient client = new OkHttpClient.Builder()
      .retryOnConnectionFailure(false)
      .readTimeout(Duration.ofSeconds(30))
      .build();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  private MockWebServer upstream(MockResponse answer) throws IOException {
    MockWebServer s = new MockWebServer();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return answer;
      }
    });
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    return closeLater(s);
  }

  private static final String V2 = """
      virtual_hosts:
        - name: self
          domains: ["*"]
          routes:
            - name: v2
              match: {prefix: /v2/}
              to: v2
      """;
  private static final String LOCAL_ONLY = """
      virtual_hosts:
        - name: self
          domains: ["*"]
          routes:
            - name: app
              match: {prefix: /}
              pass: {}
      """;

  /** Makes {@code create} see a class path without mesh-gateway's ServiceLoader registration. */
  private static <T> T withoutGatewayService(Callable<T> create) throws Exception {
    ClassLoader parent = Thread.currentThread().getContextClassLoader();
    ClassLoader hiding = new ClassLoader(parent) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith("META-INF/services/io.mesh4j.servlet.InboundForwarder")) {
          return Collections.emptyEnumeration();
        }
        return super.getResources(name);
      }
    };
    Thread.currentThread().setContextClassLoader(hiding);
    try {
      return create.call();
    } finally {
      Thread.currentThread().setContextClassLoader(parent);
    }
  }

  @Test
  void withoutAForwarderAForwardingConfigFailsAtInitNamingTheRouteAndTheModule() throws Exception {
    Mesh mesh = closeLater(Mesh.of(Configs.of("127.0.0.1:1", "", V2)));
    MeshFilter filter = withoutGatewayService(() -> new MeshFilter(mesh));

    assertThatThrownBy(() -> filter.init(null))
        .isInstanceOf(ServletException.class)
        .hasMessage("mesh4j: inbound.virtual_hosts[0].routes[0] (self/v2) forwards inbound requests"
            + " to a cluster, but no InboundForwarder is available: add io.mesh4j:mesh-gateway to"
            + " the application (or set one with MeshFilter.builder(mesh).forwarder(...))");
  }

  @Test
  void theForwarderIsFoundByServiceLoader() throws Exception {
    MockWebServer up = upstream(new MockResponse.Builder().code(200).body("found").build());
    Mesh mesh = closeLater(Mesh.of(Configs.of("127.0.0.1:" + up.getPort(), "", V2)));
    Front front = closeLater(new Front(mesh, true, null));

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/a")).build()).execute()) {
      assertThat(r.body().string()).isEqualTo("found");
    }
  }

  @Test
  void withoutAForwarderAReloadAddingAForwardingRouteIsRejectedNamingTheRoute() throws Exception {
    MockWebServer up = upstream(new MockResponse.Builder().code(200).body("remote").build());
    String endpoint = "127.0.0.1:" + up.getPort();
    Mesh mesh = closeLater(Mesh.of(Configs.of(endpoint, "", LOCAL_ONLY)));
    Front front = withoutGatewayService(() -> new Front(mesh, true, null));
    closeLater(front);
    assertThat(get(front, "/v2/a")).isEqualTo("200 local /v2/a");

    assertThatThrownBy(() -> mesh.reload(Configs.of(endpoint, "", V2)))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
            new ConfigError("inbound.virtual_hosts[0].routes[0].to", "forwards inbound requests,"
                + " but the servlet filter has no InboundForwarder (expected: io.mesh4j:mesh-gateway"
                + " on the application's class path)")));

    // The previous config keeps serving: no request fails because of the reload.
    for (int i = 0; i < 3; i++) assertThat(get(front, "/v2/a")).isEqualTo("200 local /v2/a");
    assertThat(front.localHits).hasValue(4);
    assertThat(mesh.current().generation()).isEqualTo(1);
  }

  @Test
  void withoutAForwarderAFilterThatMissedAReloadCheckStillKeepsItsPreviousRules() throws Exception {
    MockWebServer up = upstream(new MockResponse.Builder().code(200).body("remote").build());
    String endpoint = "127.0.0.1:" + up.getPort();
    Mesh mesh = closeLater(Mesh.of(Configs.of(endpoint, "", LOCAL_ONLY)));
    Front front = withoutGatewayService(() -> new Front(mesh, true, null));
    closeLater(front);
    assertThat(get(front, "/v2/a")).isEqualTo("200 local /v2/a");
    front.filter.destroy(); // removes the filter's reload check: the mesh now takes the reload

    mesh.reload(Configs.of(endpoint, "", V2));

    // The filter does not take up a config it cannot serve; requests keep the previous rules.
    for (int i = 0; i < 3; i++) assertThat(get(front, "/v2/a")).isEqualTo("200 local /v2/a");
    assertThat(mesh.current().generation()).isEqualTo(2);
  }

  private String get(Front front, String path) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(front.url(path)).build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void forwardedRequestsAreMeasuredOnTheServerAndTheClientSide() throws Exception {
    MockWebServer up = upstream(new MockResponse.Builder().code(200).body("x").build());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Mesh mesh = closeLater(Mesh.builder().meterRegistry(registry)
        .config(Configs.of("127.0.0.1:" + up.getPort(), "", V2)).build());
    Front front = closeLater(new Front(mesh, true));

    for (int i = 0; i < 3; i++) assertThat(get(front, "/v2/m")).isEqualTo("200 x");

    Timer server = registry.find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_ROUTE, "self/v2")
        .tag(MeshMetricNames.TAG_OUTCOME, MeshMetricNames.OUTCOME_FORWARD)
        .tag(MeshMetricNames.TAG_STATUS, "2xx")
        .timer();
    assertThat(server).isNotNull();
    awaitTrue(() -> server.count() == 3, "three server-side records");
    Set<String> clientRoutes = registry.getMeters().stream()
        .filter(m -> m.getId().getName().startsWith("mesh.client"))
        .map(m -> m.getId().getTag(MeshMetricNames.TAG_ROUTE))
        .filter(t -> t != null && t.startsWith("inbound/"))
        .collect(Collectors.toSet());
    assertThat(clientRoutes).containsExactly("inbound/self/v2");
  }

  @Test
  void manyForwardedRequestsLeaveNoCallConnectionOrContainerThreadBehind() throws Exception {
    MockWebServer up = upstream(new MockResponse.Builder().code(200).body("x").build());
    Mesh mesh = closeLater(Mesh.of(Configs.of("127.0.0.1:" + up.getPort(), "", V2)));
    Front front = closeLater(new Front(mesh, true));
    OkHttpClient gatewayClient = front.gateway.client();
    HttpClient jetty = front.gateway.jettyClient();
    for (int i = 0; i < 20; i++) assertThat(get(front, "/v2/w")).isEqualTo("200 x");
    // Jetty's acceptor and selector run as long-lived jobs: they are the idle baseline.
    int busyIdle = front.threads.getBusyThreads();
    // A first concurrent batch brings every pool to its working size.
    concurrently(front, 400);
    int threadsAfterFirst = Thread.activeCount();

    concurrently(front, 400);

    // (The baseline may include a thread still finishing a warm-up request, hence <=.)
    awaitTrue(() -> front.threads.getBusyThreads() <= busyIdle, "no busy container thread");
    if (jetty == null) {
      awaitTrue(() -> gatewayClient.dispatcher().runningCallsCount() == 0
          && gatewayClient.dispatcher().queuedCallsCount() == 0, "no forwarded call in flight");
      // At most one upstream connection per concurrent client request, all idle now.
      assertThat(gatewayClient.connectionPool().connectionCount()).isBetween(1, 8);
      assertThat(gatewayClient.connectionPool().idleConnectionCount())
          .isEqualTo(gatewayClient.connectionPool().connectionCount());
    } else {
      // One pool (destination) for the one endpoint of the cluster, sized from the cluster.
      assertThat(jetty.getDestinations()).hasSize(1);
      AbstractConnectionPool pool =
          (AbstractConnectionPool) jetty.getDestinations().get(0).getConnectionPool();
      assertThat(pool.getMaxConnectionCount())
          .isEqualTo(CircuitBreakerConfig.DEFAULT_MAX_CONCURRENT_REQUESTS);
      awaitTrue(() -> pool.getActiveConnectionCount() == 0, "no forwarded call in flight");
      // At most two upstream connections per concurrent client request, all idle now: the
      // response is completed towards the client as its last chunk is read, a moment before Jetty
      // returns the connection to the pool, so the client's next request may open another one.
      assertThat(pool.getConnectionCount()).isBetween(1, 16);
      assertThat(pool.getIdleConnectionCount()).isEqualTo(pool.getConnectionCount());
    }
    // Another 400 requests did not add threads: a thread leaked per request would add hundreds;
    // the slack covers pools replacing or parking a few threads (Jetty's reserved threads,
    // OkHttp's task runner).
    assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsAfterFirst + 8);
  }

  /** {@code n} forwarded GETs from 8 client threads, each checked. */
  private void concurrently(Front front, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) results.add(pool.submit(() -> get(front, "/v2/l")));
      for (Future<String> f : results) assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("200 x");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void inAsyncModeTheContainerThreadReturnsWhileTheUpstreamIsSlow() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    MockWebServer up = new MockWebServer();
    up.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        waiting.incrementAndGet();
        release.await(20, TimeUnit.SECONDS);
        return new MockResponse.Builder().code(200).body("slow").build();
      }
    });
    up.start(InetAddress.getByName("127.0.0.1"), 0);
    closeLater(up);
    Mesh mesh = closeLater(Mesh.of(Configs.of("127.0.0.1:" + up.getPort(), "", V2)));
    Front front = closeLater(new Front(mesh, true));
    assertThat(get(front, "/other")).isEqualTo("200 local /other");
    int busyIdle = front.threads.getBusyThreads();

    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) results.add(pool.submit(() -> get(front, "/v2/slow")));
      awaitTrue(() -> waiting.get() == 20, "20 forwarded calls waiting on the upstream");
      // All 20 requests are waiting on the upstream, none holding a container thread.
      awaitTrue(() -> front.threads.getBusyThreads() <= busyIdle, "no busy container thread");
      release.countDown();
      for (Future<String> f : results) assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("200 slow");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }
}
