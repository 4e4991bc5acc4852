package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client adapter's side of tracing and deadlines over real sockets, with a tracer that writes
 * down what it is told (no tracing library): the parent captured from the request's context, the
 * route and cluster, one attempt span per try with its retry reason, each attempt carrying its own
 * injected header, the mirror copy's span; the inherited deadline forwarded and never outlived.
 */
class ClientTracingTest {
  static final String CONFIG = """
      version: 1
      service: frontend
      clusters:
        - name: inventory
          endpoints: [{ address: %s }]
          retry: { attempts: 2, retry_on: [5xx], backoff: { base: 1ms, max: 1ms } }
        - { name: shadow, endpoints: [{ address: %s }] }
      outbound:
        virtual_hosts:
          - name: inventory
            routes:
              - { name: items, match: { prefix: /items }, to: inventory, mirror: { cluster: shadow } }
              - { name: rest, match: { prefix: / }, to: inventory }
      """;

  final Fixture f = new Fixture();
  final Recorder tracer = new Recorder();

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void eachAttemptGetsItsOwnSpanAndHeaderAndTheMirrorCopyItsOwnSpan() throws Exception {
    Backend main = f.backend().enqueue(new MockResponse.Builder().code(503).build()).otherwise(200, "ok");
    Backend shadow = f.backend().otherwise(200, "shadow");
    f.wrap(CONFIG.formatted(main.address(), shadow.address()), b -> b.tracer(tracer));
    ServerSpan inbound = new ServerSpan() {};
    MeshContext ctx = MeshContext.builder().requestId("r-1").build().withSpan(inbound);

    try (MeshContext.Scope s = MeshContext.attach(ctx);
        Response r = f.client.newCall(new Request.Builder().url("http://inventory/items").build())
            .execute()) {
      assertThat(r.body().string()).isEqualTo("ok");
    }
    TestSupport.await("the mirror copy's end", Duration.ofSeconds(5),
        () -> tracer.events.contains("mirror-end 200 NONE"));

    assertThat(main.take().getHeaders().get("x-trace")).isEqualTo("attempt-1");
    assertThat(main.take().getHeaders().get("x-trace")).isEqualTo("attempt-2");
    assertThat(shadow.take().getHeaders().get("x-trace")).isEqualTo("mirror");
    assertThat(tracer.parents).containsExactly(inbound);
    assertThat(tracer.events).containsSubsequence(
        "call inventory/items inventory",
        "attempt 1 " + main.port() + " false null", "attempt-end 1 503 NONE true",
        "attempt 2 " + main.port() + " false status", "attempt-end 2 200 NONE true",
        "mirror " + shadow.port() + " shadow",
        "call-end 200 response null");
  }

  @Test
  void aTracerThatThrowsNeverFailsTheCall() throws Exception {
    Backend main = f.backend().otherwise(200, "ok");
    f.wrap(CONFIG.formatted(main.address(), main.address()), b -> b.tracer(new MeshTracer() {
      @Override public CallSpan startCall(Object parent, RequestView r, Route route, String c) {
        throw new IllegalStateException("broken tracer");
      }
    }));
    try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/x").build())
        .execute()) {
      assertThat(r.body().string()).isEqualTo("ok");
    }
    assertThat(main.take().getHeaders().get("x-trace")).isNull();
  }

  @Test
  void theInheritedDeadlineIsForwardedAndAnExpiredOneSendsNothing() throws Exception {
    Backend main = f.backend().otherwise(200, "ok");
    f.wrap(CONFIG.formatted(main.address(), main.address()));
    long now = System.nanoTime();
    MeshContext live = MeshContext.EMPTY.withDeadline(now + Duration.ofSeconds(3).toNanos(), "grpc-timeout");
    try (MeshContext.Scope s = MeshContext.attach(live);
        Response r = f.client.newCall(new Request.Builder().url("http://inventory/x").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    RecordedRequest sent = main.take();
    long forwarded = io.mesh4j.internal.Deadlines.parse("grpc-timeout", sent.getHeaders().get("grpc-timeout"));
    assertThat(forwarded).isBetween(1L, Duration.ofSeconds(3).toNanos());

    MeshContext expired = MeshContext.EMPTY.withDeadline(System.nanoTime(), "grpc-timeout");
    MeshException e;
    try (MeshContext.Scope s = MeshContext.attach(expired)) {
      e = catchThrowableOfType(MeshException.class, () -> f.client.newCall(
          new Request.Builder().url("http://inventory/x").build()).execute());
    }
    assertThat(e.reason()).isEqualTo(MeshException.Reason.DEADLINE_EXCEEDED);
    assertThat(e.attempts()).isZero();
    assertThat(e.requestSent()).isFalse();
    assertThat(main.count()).isEqualTo(1);
    assertThat(f.registry.find(io.mesh4j.metrics.MeshMetricNames.CLIENT_REQUESTS)
        .tag(io.mesh4j.metrics.MeshMetricNames.TAG_OUTCOME, "deadline-exceeded").timer().count())
        .isEqualTo(1);
  }

  /** A tracer that writes down what the client tells it, and injects {@code x-trace}. */
  static final class Recorder extends MeshTracer {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Object> parents = new CopyOnWriteArrayList<>();

    @Override
    public Object parent(MeshContext context) {
      return context.span();
    }

    @Override
    public CallSpan startCall(Object parent, RequestView request, Route route, String cluster) {
      parents.add(parent);
      events.add("call " + route.virtualHost() + "/" + route.name() + " " + cluster);
      return new CallSpan() {
        @Override
        public AttemptSpan attempt(Endpoint endpoint, int attempt, boolean hedge, String reason) {
          events.add("attempt " + attempt + " " + endpoint.port() + " " + hedge + " " + reason);
          return span("attempt-" + attempt, "attempt-end " + attempt);
        }

        @Override
        public AttemptSpan mirror(Endpoint endpoint, String cluster) {
          events.add("mirror " + endpoint.port() + " " + cluster);
          return span("mirror", "mirror-end");
        }

        @Override
        public void end(int status, String outcome, Throwable error) {
          events.add("call-end " + status + " " + outcome + " " + error);
        }
      };
    }

    private AttemptSpan span(String header, String end) {
      return new AttemptSpan() {
        @Override
        public void inject(BiConsumer<String, String> h) {
          h.accept("x-trace", header);
        }

        @Override
        public void end(int status, Failure failure, boolean requestSent) {
          events.add(end + " " + status + " " + failure + (end.startsWith("mirror") ? "" : " " + requestSent));
        }
      };
    }
  }
}
