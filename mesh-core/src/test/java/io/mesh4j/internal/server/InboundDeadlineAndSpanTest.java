package io.mesh4j.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.time.FakeTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the inbound pipeline puts into the request's context and tells its server span: the
 * deadline from {@code propagate.deadline_headers} and a {@code pass} route's {@code timeout}, and
 * route, authz, rate-limit and outcome events, without any server or tracing library.
 */
class InboundDeadlineAndSpanTest {
  static final String CONFIG =
      """
      version: 1
      service: shop
      inbound:
        authz:
          rules:
            - { name: no-internal, action: deny, match: { prefix: /internal/ } }
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - { name: slow, match: { prefix: /slow }, pass: {}, timeout: 500ms }
              - name: limited
                match: { prefix: /limited }
                rate_limit: { requests_per_second: 1, burst: 1 }
                pass: {}
              - { name: rest, match: { prefix: / }, pass: {} }
      propagate:
        deadline_headers: [grpc-timeout, x-envoy-expected-rq-timeout-ms]
      """;

  final FakeTime time = new FakeTime();
  final Recorder tracer = new Recorder();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(CONFIG)).ticker(time).scheduler(time)
      .tracer(tracer).build();
  final InboundPipeline pipeline = new InboundPipeline(mesh, s -> null);

  @AfterEach
  void close() {
    mesh.close();
  }

  private InboundExchange decide(String path, Map<String, String> headers) throws Exception {
    View view = new View(path, headers);
    long start = time.read();
    InboundExchange ex = new InboundExchange(pipeline.traced(MeshContext.EMPTY, view), time, start);
    pipeline.decide(pipeline.plan(), view, ex, (status, body, h) -> { });
    return ex;
  }

  @Test
  void aGrpcTimeoutBecomesTheDeadlineForwardedInTheSameHeader() throws Exception {
    long start = time.read();
    MeshContext ctx = decide("/x", Map.of("grpc-timeout", "300m")).context();
    assertThat(ctx.hasDeadline()).isTrue();
    assertThat(ctx.deadlineNanos()).isEqualTo(start + Duration.ofMillis(300).toNanos());
    assertThat(ctx.deadlineHeader()).isEqualTo("grpc-timeout");
    time.advance(Duration.ofMillis(100));
    assertThat(ctx.remainingNanos(time)).isEqualTo(Duration.ofMillis(200).toNanos());
  }

  @Test
  void anInvalidHeaderIsSkippedForTheNextValidOne() throws Exception {
    long start = time.read();
    MeshContext ctx = decide("/x", Map.of("grpc-timeout", "soon",
        "x-envoy-expected-rq-timeout-ms", "250")).context();
    assertThat(ctx.deadlineNanos()).isEqualTo(start + Duration.ofMillis(250).toNanos());
    assertThat(ctx.deadlineHeader()).isEqualTo("x-envoy-expected-rq-timeout-ms");
  }

  @Test
  void aPassRoutesTimeoutIsTheDeadlineUnlessTheHeaderIsSooner() throws Exception {
    long start = time.read();
    MeshContext routeOnly = decide("/slow", Map.of()).context();
    assertThat(routeOnly.deadlineNanos()).isEqualTo(start + Duration.ofMillis(500).toNanos());
    assertThat(routeOnly.deadlineHeader()).isEqualTo("grpc-timeout");

    MeshContext headerLater = decide("/slow", Map.of("grpc-timeout", "2S")).context();
    assertThat(headerLater.deadlineNanos()).isEqualTo(start + Duration.ofMillis(500).toNanos());

    MeshContext headerSooner = decide("/slow", Map.of("x-envoy-expected-rq-timeout-ms", "100")).context();
    assertThat(headerSooner.deadlineNanos()).isEqualTo(start + Duration.ofMillis(100).toNanos());
    assertThat(headerSooner.deadlineHeader()).isEqualTo("x-envoy-expected-rq-timeout-ms");
  }

  @Test
  void withoutAHeaderOrRouteTimeoutThereIsNoDeadline() throws Exception {
    assertThat(decide("/x", Map.of()).context().hasDeadline()).isFalse();
  }

  @Test
  void theServerSpanHearsTheRouteTheDecisionsAndTheOutcomeOnce() throws Exception {
    InboundExchange ex = decide("/limited", Map.of());
    ex.record(Outcome.PASS, 200);
    ex.record(Outcome.ERROR, 500);
    InboundExchange limited = decide("/limited", Map.of());
    InboundExchange denied = decide("/internal/x", Map.of());

    assertThat(tracer.events).containsExactly(
        "start /limited", "route self/limited", "authz true default", "rate-limit false",
        "activate", "close", "end pass 200",
        "start /limited", "route self/limited", "authz true default", "rate-limit true",
        "activate", "close", "end ratelimited 429",
        "start /internal/x", "route self/rest", "authz false no-internal",
        "activate", "close", "end denied 403");
    assertThat(ex.context().span()).isNotSameAs(ServerSpan.NOOP);
    assertThat(limited.isRecorded()).isTrue();
    assertThat(denied.isRecorded()).isTrue();
  }

  @Test
  void aMeshWithoutATracerLeavesTheContextAsItIs() {
    try (Mesh plain = Mesh.builder().config(ConfigLoader.load(CONFIG)).ticker(time).scheduler(time)
        .build()) {
      InboundPipeline p = new InboundPipeline(plain, s -> null);
      MeshContext ctx = MeshContext.builder().requestId("r1").build();
      assertThat(p.traced(ctx, new View("/x", Map.of()))).isSameAs(ctx);
      assertThat(plain.tracer().isEnabled()).isFalse();
    }
  }

  /** A tracer that writes down what the engine tells it. */
  static final class Recorder extends MeshTracer {
    final List<String> events = new ArrayList<>();

    @Override
    public ServerSpan startServer(RequestView request) {
      events.add("start " + request.path());
      return new ServerSpan() {
        @Override public void route(Route route) {
          events.add("route " + route.virtualHost() + "/" + route.name());
        }

        @Override public void authz(boolean allowed, String rule) {
          events.add("authz " + allowed + " " + rule);
        }

        @Override public void rateLimit(boolean limited) {
          events.add("rate-limit " + limited);
        }

        @Override public TraceScope activate() {
          events.add("activate");
          return () -> events.add("close");
        }

        @Override public void end(String outcome, int status) {
          events.add("end " + outcome + " " + status);
        }
      };
    }
  }

  private record View(String path, Map<String, String> headers) implements RequestView {
    @Override public String method() { return "GET"; }
    @Override public String scheme() { return "http"; }
    @Override public String authority() { return "shop.example"; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return headers.get(name); }
    @Override public String sourceAddress() { return "10.0.0.1"; }
  }
}
