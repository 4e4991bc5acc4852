package io.mesh4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The OpenTelemetry tracer's spans, attributes and parents, driven directly through the SPI. */
class OtelTracerTest {
  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider
      .builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
  final MeshTracer tracer = MeshOpenTelemetry.tracer(otel);
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
      version: 1
      service: t
      clusters:
        - name: backend
          endpoints: [{ address: 10.0.0.1:8080 }]
      outbound:
        virtual_hosts:
          - name: backend
            routes:
              - { name: exact, match: { path: /health }, to: backend }
              - { name: segments, match: { path_separated_prefix: /v1 }, to: backend }
              - { name: pattern, match: { regex: "/r/[0-9]+" }, to: backend }
              - { name: api, match: { prefix: /api/ }, to: backend }
      """)).build();
  final Endpoint a = new Endpoint("backend", "10.0.0.1", 8080, 1, null);
  final Endpoint b = new Endpoint("backend", "10.0.0.2", 8081, 1, null);

  @AfterEach
  void close() {
    mesh.close();
    otel.close();
  }

  private Route route(String path) {
    return mesh.current().outbound().match(new View("GET", "backend", path, Map.of())).route();
  }

  private SpanData named(String attrValue) {
    return exporter.getFinishedSpanItems().stream()
        .filter(s -> attrValue.equals(s.getAttributes().get(OtelTracer.Attr.ENDPOINT))
            || attrValue.equals(s.getName()))
        .findFirst().orElseThrow();
  }

  @Test
  void pathTemplatesComeFromTheRoutesPathCondition() {
    assertThat(OtelTracer.template(route("/health"))).isEqualTo("/health");
    assertThat(OtelTracer.template(route("/v1/x"))).isEqualTo("/v1/*");
    assertThat(OtelTracer.template(route("/r/12"))).isNull();
    assertThat(OtelTracer.template(route("/api/items"))).isEqualTo("/api/*");
  }

  @Test
  void attemptsHedgesMirrorsAndRefusalsAreRecordedUnderTheCall() {
    CallSpan call = tracer.startCall(null, new View("POST", "backend:9000", "/api/x", Map.of()),
        route("/api/x"), "backend");
    call.attempt(a, 1, false, null).end(0, Failure.CONNECT_FAILURE, false);
    AttemptSpan second = call.attempt(b, 2, false, "connect-failure");
    AttemptSpan hedge = call.attempt(a, 3, true, null);
    hedge.end(0, Failure.CANCELLED, true);
    second.end(502, Failure.NONE, true);
    call.refused("circuit-open");
    call.refused("budget-exhausted");
    call.mirror(b, "shadow").end(200, Failure.NONE, true);
    call.end(0, "upstream-failure", new IOException("boom"));
    call.end(0, "again", null); // ignored

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(5);
    SpanData c = spans.stream().filter(s -> s.getAttributes().get(OtelTracer.Attr.CLUSTER) != null
        && s.getAttributes().get(OtelTracer.Attr.MIRROR) == null).findFirst().orElseThrow();
    assertThat(c.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(c.getName()).isEqualTo("POST /api/*");
    assertThat(c.getAttributes().get(OtelTracer.Attr.SERVER_ADDRESS)).isEqualTo("backend");
    assertThat(c.getAttributes().get(OtelTracer.Attr.SERVER_PORT)).isEqualTo(9000L);
    assertThat(c.getAttributes().get(OtelTracer.Attr.BREAKER_REFUSED)).isTrue();
    assertThat(c.getAttributes().get(OtelTracer.Attr.BUDGET_REFUSED)).isTrue();
    assertThat(c.getEvents()).filteredOn(e -> e.getName().equals("mesh4j.refused"))
        .extracting(e -> e.getAttributes().get(OtelTracer.Attr.REFUSED))
        .containsExactly("circuit-open", "budget-exhausted");
    assertThat(c.getEvents()).extracting(e -> e.getName()).contains("exception");
    assertThat(c.getAttributes().get(OtelTracer.Attr.OUTCOME)).isEqualTo("upstream-failure");
    assertThat(c.getAttributes().get(OtelTracer.Attr.ERROR_TYPE)).isEqualTo("upstream-failure");
    assertThat(c.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);

    for (SpanData s : spans) {
      if (s != c) assertThat(s.getParentSpanId()).isEqualTo(c.getSpanId());
    }
    SpanData first = spans.stream().filter(s -> Long.valueOf(1).equals(
        s.getAttributes().get(OtelTracer.Attr.ATTEMPT))).findFirst().orElseThrow();
    assertThat(first.getAttributes().get(OtelTracer.Attr.OUTCOME)).isEqualTo("connect_failure");
    assertThat(first.getAttributes().get(OtelTracer.Attr.REQUEST_SENT)).isFalse();
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    SpanData retry = spans.stream().filter(s -> Long.valueOf(2).equals(
        s.getAttributes().get(OtelTracer.Attr.ATTEMPT))).findFirst().orElseThrow();
    assertThat(retry.getAttributes().get(OtelTracer.Attr.RETRY_REASON)).isEqualTo("connect-failure");
    assertThat(retry.getAttributes().get(OtelTracer.Attr.STATUS)).isEqualTo(502L);
    assertThat(retry.getAttributes().get(OtelTracer.Attr.SERVER_ADDRESS)).isEqualTo("10.0.0.2");
    assertThat(retry.getAttributes().get(OtelTracer.Attr.SERVER_PORT)).isEqualTo(8081L);
    SpanData lostHedge = spans.stream().filter(s -> Boolean.TRUE.equals(
        s.getAttributes().get(OtelTracer.Attr.HEDGE))).findFirst().orElseThrow();
    assertThat(lostHedge.getAttributes().get(OtelTracer.Attr.OUTCOME)).isEqualTo("cancelled");
    assertThat(lostHedge.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    SpanData mirror = spans.stream().filter(s -> Boolean.TRUE.equals(
        s.getAttributes().get(OtelTracer.Attr.MIRROR))).findFirst().orElseThrow();
    assertThat(mirror.getAttributes().get(OtelTracer.Attr.CLUSTER)).isEqualTo("shadow");
    assertThat(mirror.getAttributes().get(OtelTracer.Attr.ENDPOINT)).isEqualTo("10.0.0.2:8081");
  }

  @Test
  void anAttemptInjectsItsOwnTraceparentAndTheInboundBaggage() {
    ServerSpan server = tracer.startServer(new View("GET", "svc", "/x", Map.of(
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "baggage", "user=alice")));
    Object parent = tracer.parent(MeshContext.EMPTY.withSpan(server));
    AttemptSpan attempt = tracer.startCall(parent, new View("GET", "backend", "/api/x", Map.of()),
        route("/api/x"), "backend").attempt(a, 1, false, null);
    Map<String, String> headers = new LinkedHashMap<>();
    attempt.inject(headers::put);
    attempt.end(200, Failure.NONE, true);

    SpanData attemptData = exporter.getFinishedSpanItems().get(0);
    assertThat(headers).containsEntry("traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-" + attemptData.getSpanId() + "-01");
    assertThat(headers).containsEntry("baggage", "user=alice");
  }

  @Test
  void theCallsParentIsTheCurrentSpanWhenThereIsOneElseTheServerSpan() {
    ServerSpan server = tracer.startServer(new View("GET", "svc", "/x", Map.of()));
    MeshContext ctx = MeshContext.EMPTY.withSpan(server);
    Span app = otel.getTracer("app").spanBuilder("app").startSpan();
    try (Scope s = app.makeCurrent()) {
      assertThat(Span.fromContext((Context) tracer.parent(ctx))).isSameAs(app);
    }
    Context fromServer = (Context) tracer.parent(ctx);
    try (TraceScope s = server.activate()) {
      assertThat(Span.current().getSpanContext()).isEqualTo(Span.fromContext(fromServer).getSpanContext());
      assertThat(Baggage.current().isEmpty()).isTrue();
    }
    assertThat(Span.current().getSpanContext().isValid()).isFalse();
    app.end();
    server.end("pass", 200);
  }

  @Test
  void underAnotherInstrumentationsSpanTheServerSpanIsAnInternalChildAndIgnoresTheHeaders() {
    Span agent = otel.getTracer("agent").spanBuilder("agent server").setSpanKind(SpanKind.SERVER)
        .startSpan();
    try (Scope s = agent.makeCurrent()) {
      tracer.startServer(new View("GET", "svc", "/x", Map.of(
          "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")))
          .end("pass", 503);
    }
    agent.end();
    SpanData mine = named("GET");
    assertThat(mine.getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(mine.getParentSpanId()).isEqualTo(agent.getSpanContext().getSpanId());
    assertThat(mine.getTraceId()).isEqualTo(agent.getSpanContext().getTraceId());
    assertThat(mine.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  private record View(String method, String authority, String path, Map<String, String> headers)
      implements RequestView {
    @Override public String scheme() { return "http"; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return headers.get(name); }
    @Override public String sourceAddress() { return "10.9.9.9"; }
  }
}
