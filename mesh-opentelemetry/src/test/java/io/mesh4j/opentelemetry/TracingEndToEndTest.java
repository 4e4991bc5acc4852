package io.mesh4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.MeshFilter;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 end to end, in real Jetty 12 and real OkHttp on loopback: a client calls a frontend
 * (MeshFilter, traced) whose servlet calls a backend (MeshFilter, traced) through a mesh OkHttp
 * client; every span goes to one in-memory exporter.
 */
class TracingEndToEndTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER_SPAN = "00f067aa0ba902b7";
  static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01";

  static final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  static OpenTelemetrySdk otel;
  static Mesh backendMesh;
  static Mesh frontendMesh;
  static JettyServer backend;
  static JettyServer frontend;
  static OkHttpClient meshClient;
  static final OkHttpClient plain = new OkHttpClient();
  static ExecutorService appExecutor;

  static final AtomicBoolean failNext = new AtomicBoolean();
  static final AtomicInteger helloCount = new AtomicInteger();
  static final AtomicInteger stallCount = new AtomicInteger();
  static final AtomicReference<String> stallDeadlineHeader = new AtomicReference<>();
  static volatile CountDownLatch stallRelease = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
    appExecutor = Executors.newFixedThreadPool(2);

    backendMesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: backend
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - { name: api, match: { prefix: /api/ }, pass: {} }
        """)).tracer(MeshOpenTelemetry.tracer(otel)).build();
    backend = JettyServer.start(new MeshFilter(backendMesh), Map.of(
        "/api/hello", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            helloCount.incrementAndGet();
            if (failNext.getAndSet(false)) {
              res.setStatus(503);
              return;
            }
            res.getWriter().print("user=" + Baggage.current().getEntryValue("user")
                + " baggage-header=" + req.getHeader("baggage"));
          }
        },
        "/api/stall", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            stallCount.incrementAndGet();
            stallDeadlineHeader.set(req.getHeader("x-envoy-expected-rq-timeout-ms"));
            try {
              stallRelease.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            res.getWriter().print("late");
          }
        }));

    frontendMesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: frontend
        clusters:
          - name: backend
            endpoints: [{ address: 127.0.0.1:%d }]
            retry: { attempts: 2, retry_on: [5xx], backoff: { base: 1ms, max: 2ms } }
        outbound:
          virtual_hosts:
            - name: backend
              domains: [backend]
              routes:
                - { name: api, match: { prefix: /api/ }, to: backend }
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - { name: front, match: { prefix: /front/ }, pass: {} }
        propagate:
          headers: [x-request-id]
          deadline_headers: [grpc-timeout, x-envoy-expected-rq-timeout-ms]
        """.formatted(backend.port()))).tracer(MeshOpenTelemetry.tracer(otel)).build();
    meshClient = MeshOkHttp.wrap(new OkHttpClient(), frontendMesh);
    frontend = JettyServer.start(new MeshFilter(frontendMesh), Map.of(
        "/front/sync", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            res.getWriter().print(callBackend("/api/hello"));
          }
        },
        "/front/enqueue", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            CompletableFuture<String> body = new CompletableFuture<>();
            meshClient.newCall(backendRequest("/api/hello")).enqueue(new Callback() {
              @Override
              public void onResponse(Call call, Response response) throws IOException {
                try (response) {
                  body.complete(response.code() + " " + response.body().string());
                }
              }

              @Override
              public void onFailure(Call call, IOException e) {
                body.completeExceptionally(e);
              }
            });
            res.getWriter().print(body.join());
          }
        },
        "/front/async", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) {
            AsyncContext async = req.startAsync();
            async.start(() -> {
              try {
                async.getResponse().getWriter().print(callBackend("/api/hello"));
              } catch (IOException e) {
                ((HttpServletResponse) async.getResponse()).setStatus(500);
              }
              async.complete();
            });
          }
        },
        "/front/executor", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            CompletableFuture<String> body = new CompletableFuture<>();
            MeshContext.propagating(appExecutor).execute(() -> {
              try {
                body.complete(callBackend("/api/hello"));
              } catch (IOException e) {
                body.completeExceptionally(e);
              }
            });
            res.getWriter().print(body.join());
          }
        },
        "/front/stall", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 2; i++) {
              long t0 = System.nanoTime();
              try {
                callBackend("/api/stall");
                out.append("answered ");
              } catch (MeshException e) {
                out.append(e.reason().tag()).append(' ').append(e.attempts()).append(' ')
                    .append(e.requestSent()).append(' ')
                    .append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).append(';');
              }
            }
            res.getWriter().print(out);
          }
        }));
  }

  static Request backendRequest(String path) {
    return new Request.Builder().url("http://backend" + path).build();
  }

  static String callBackend(String path) throws IOException {
    try (Response r = meshClient.newCall(backendRequest(path)).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    stallRelease.countDown();
    frontend.close();
    backend.close();
    frontendMesh.close();
    backendMesh.close();
    appExecutor.shutdownNow();
    otel.close();
  }

  @BeforeEach
  void reset() {
    exporter.reset();
    failNext.set(false);
  }

  static String frontend(String path, Map<String, String> headers) throws IOException {
    Request.Builder b = new Request.Builder().url(frontend.url(path));
    headers.forEach(b::header);
    try (Response r = plain.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  /** Waits (with a deadline) until the exporter holds {@code n} spans; returns them by start. */
  static List<SpanData> spans(int n) {
    JettyServer.await(n + " spans", () -> exporter.getFinishedSpanItems().size() >= n);
    List<SpanData> all = exporter.getFinishedSpanItems().stream()
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
    assertThat(all).as("spans").hasSize(n);
    return all;
  }

  static SpanData one(List<SpanData> spans, Predicate<SpanData> p, String what) {
    List<SpanData> found = spans.stream().filter(p).toList();
    assertThat(found).as(what).hasSize(1);
    return found.get(0);
  }

  static <T> T attr(SpanData s, AttributeKey<T> key) {
    return s.getAttributes().get(key);
  }

  @Test
  void aRetriedCallIsOneTraceServerSpanThenCallSpanThenTwoAttemptSpansAndTheBackendContinuesIt()
      throws IOException {
    failNext.set(true);
    int before = helloCount.get();

    String body = frontend("/front/sync", Map.of("traceparent", TRACEPARENT, "baggage", "user=alice"));

    assertThat(body).isEqualTo("200 200 user=alice baggage-header=user=alice");
    assertThat(helloCount.get() - before).isEqualTo(2);
    // frontend server, call, 2 attempts, 2 backend servers
    List<SpanData> spans = spans(6);
    assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));

    SpanData server = one(spans, s -> s.getKind() == SpanKind.SERVER && s.getName().equals("GET /front/*"), "frontend server span");
    assertThat(server.getParentSpanId()).isEqualTo(CALLER_SPAN);
    assertThat(server.getParentSpanContext().isRemote()).isTrue();
    assertThat(attr(server, OtelTracer.Attr.HTTP_ROUTE)).isEqualTo("/front/*");
    assertThat(attr(server, OtelTracer.Attr.ROUTE)).isEqualTo("front");
    assertThat(attr(server, OtelTracer.Attr.VIRTUAL_HOST)).isEqualTo("self");
    assertThat(attr(server, OtelTracer.Attr.ACTION)).isEqualTo("pass");
    assertThat(attr(server, OtelTracer.Attr.AUTHZ)).isEqualTo("allow");
    assertThat(attr(server, OtelTracer.Attr.STATUS)).isEqualTo(200L);
    assertThat(attr(server, OtelTracer.Attr.OUTCOME)).isEqualTo("pass");
    assertThat(attr(server, OtelTracer.Attr.METHOD)).isEqualTo("GET");

    SpanData call = one(spans, s -> s.getKind() == SpanKind.CLIENT
        && attr(s, OtelTracer.Attr.ATTEMPT) == null, "call span");
    assertThat(call.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(call.getName()).isEqualTo("GET /api/*");
    assertThat(attr(call, OtelTracer.Attr.URL_TEMPLATE)).isEqualTo("/api/*");
    assertThat(attr(call, OtelTracer.Attr.SERVER_ADDRESS)).isEqualTo("backend");
    assertThat(attr(call, OtelTracer.Attr.CLUSTER)).isEqualTo("backend");
    assertThat(attr(call, OtelTracer.Attr.ROUTE)).isEqualTo("api");
    assertThat(attr(call, OtelTracer.Attr.OUTCOME)).isEqualTo("response");
    assertThat(attr(call, OtelTracer.Attr.STATUS)).isEqualTo(200L);

    List<SpanData> attempts = spans.stream()
        .filter(s -> attr(s, OtelTracer.Attr.ATTEMPT) != null).toList();
    assertThat(attempts).hasSize(2);
    SpanData first = attempts.get(0);
    SpanData second = attempts.get(1);
    for (SpanData a : attempts) {
      assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId());
      assertThat(attr(a, OtelTracer.Attr.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
      assertThat(attr(a, OtelTracer.Attr.SERVER_PORT)).isEqualTo((long) backend.port());
      assertThat(attr(a, OtelTracer.Attr.ENDPOINT)).isEqualTo("127.0.0.1:" + backend.port());
      assertThat(attr(a, OtelTracer.Attr.REQUEST_SENT)).isTrue();
    }
    assertThat(attr(first, OtelTracer.Attr.ATTEMPT)).isEqualTo(1L);
    assertThat(attr(first, OtelTracer.Attr.STATUS)).isEqualTo(503L);
    assertThat(attr(first, OtelTracer.Attr.RETRY_REASON)).isNull();
    assertThat(attr(second, OtelTracer.Attr.ATTEMPT)).isEqualTo(2L);
    assertThat(attr(second, OtelTracer.Attr.RESEND_COUNT)).isEqualTo(1L);
    assertThat(attr(second, OtelTracer.Attr.RETRY_REASON)).isEqualTo("status");
    assertThat(attr(second, OtelTracer.Attr.STATUS)).isEqualTo(200L);

    // The backend's server spans continue the trace, each under the attempt that reached it.
    List<SpanData> backendServers = spans.stream()
        .filter(s -> s.getKind() == SpanKind.SERVER && s.getName().equals("GET /api/*")).toList();
    assertThat(backendServers).hasSize(2);
    assertThat(backendServers).extracting(SpanData::getParentSpanId)
        .containsExactlyInAnyOrder(first.getSpanId(), second.getSpanId());
    assertThat(backendServers).extracting(s -> attr(s, OtelTracer.Attr.STATUS))
        .containsExactlyInAnyOrder(503L, 200L);
  }

  @Test
  void callsFromEnqueueAnAsyncServletAndAWrappedExecutorNestUnderTheServerSpan() throws IOException {
    for (String path : List.of("/front/enqueue", "/front/async", "/front/executor")) {
      exporter.reset();
      String body = frontend(path, Map.of("traceparent", TRACEPARENT, "baggage", "user=bob"));
      assertThat(body).as(path).isEqualTo("200 200 user=bob baggage-header=user=bob");
      List<SpanData> spans = spans(4); // frontend server, call, attempt, backend server
      assertThat(spans).as(path).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));
      SpanData server = one(spans, s -> s.getName().equals("GET /front/*"), path + " server");
      SpanData call = one(spans, s -> s.getKind() == SpanKind.CLIENT
          && attr(s, OtelTracer.Attr.ATTEMPT) == null, path + " call");
      SpanData attempt = one(spans, s -> attr(s, OtelTracer.Attr.ATTEMPT) != null, path + " attempt");
      SpanData back = one(spans, s -> s.getKind() == SpanKind.SERVER
          && s.getName().equals("GET /api/*"), path + " backend");
      assertThat(call.getParentSpanId()).as(path).isEqualTo(server.getSpanId());
      assertThat(attempt.getParentSpanId()).as(path).isEqualTo(call.getSpanId());
      assertThat(back.getParentSpanId()).as(path).isEqualTo(attempt.getSpanId());
    }
  }

  @Test
  void withoutAnInboundTraceTheServerSpanStartsANewTraceThatTheBackendJoins() throws IOException {
    assertThat(frontend("/front/sync", Map.of())).startsWith("200 200");
    List<SpanData> spans = spans(4);
    String traceId = spans.get(0).getTraceId();
    assertThat(traceId).isNotEqualTo(TRACE_ID);
    assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(traceId));
    SpanData server = one(spans, s -> s.getName().equals("GET /front/*"), "server");
    assertThat(server.getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void anInboundDeadlineBoundsTheCallAndACallAfterItExpiredSendsNothing() throws IOException {
    stallRelease = new CountDownLatch(1);
    int before = stallCount.get();
    try {
      long t0 = System.nanoTime();
      String body = frontend("/front/stall", Map.of("x-envoy-expected-rq-timeout-ms", "300"));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

      String[] calls = body.substring(4).split(";");
      assertThat(body).startsWith("200 ");
      assertThat(calls).hasSize(2);
      String[] first = calls[0].split(" ");
      assertThat(first[0]).isEqualTo("deadline-exceeded");
      assertThat(first[1]).isEqualTo("1");
      assertThat(Long.parseLong(first[3])).isBetween(250L, 1_500L);
      assertThat(calls[1]).startsWith("deadline-exceeded 0 false ");
      assertThat(took).isLessThan(3_000L);
      // Only the first call reached the backend, carrying the time it had left.
      assertThat(stallCount.get() - before).isEqualTo(1);
      assertThat(Long.parseLong(stallDeadlineHeader.get())).isBetween(1L, 300L);
    } finally {
      stallRelease.countDown();
    }
    List<SpanData> spans = spans(5); // server, 2 calls, 1 attempt, backend server (released)
    List<SpanData> calls = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT
        && attr(s, OtelTracer.Attr.ATTEMPT) == null).toList();
    assertThat(calls).hasSize(2);
    assertThat(calls).allSatisfy(c -> {
      assertThat(attr(c, OtelTracer.Attr.OUTCOME)).isEqualTo("deadline-exceeded");
    });
    assertThat(attr(calls.get(1), OtelTracer.Attr.DEADLINE_EXCEEDED)).isTrue();
  }
}
