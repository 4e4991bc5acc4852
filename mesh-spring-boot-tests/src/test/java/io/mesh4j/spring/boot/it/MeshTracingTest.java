package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.Mesh;
import io.mesh4j.observe.MeshTracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Tracing through the starter: the application has mesh-opentelemetry and an OpenTelemetry SDK
 * bean (exporting to memory); one inbound request whose controller calls a 127.0.0.1 backend
 * through Boot's RestClient yields a server span, the call's span under it and the attempt's span
 * under that, in one trace.
 */
class MeshTracingTest {
  static final InMemorySpanExporter spans = InMemorySpanExporter.create();
  static OpenTelemetrySdk otel;
  static HttpServer backend;
  static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() {
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    backend = Apps.backend("items");
    String yaml = """
        version: 1
        service: traced-app
        clusters:
          - name: backend
            endpoints: [{ address: "127.0.0.1:%d" }]
        """.formatted(backend.getAddress().getPort());
    app = Apps.start(Map.of("mesh4j.config", Apps.configFile(yaml),
        "mesh4j.shutdown.drain-delay", "0s"), Map.of("openTelemetry", otel));
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    backend.stop(0);
    otel.close();
  }

  @Test
  void theMeshTracesThroughTheApplicationsOpenTelemetry() {
    assertThat(app.getBean(Mesh.class).tracer()).isSameAs(app.getBean(MeshTracer.class))
        .isNotSameAs(MeshTracer.noop());
  }

  @Test
  void anInboundRequestCallingABackendYieldsServerCallAndAttemptSpansInOneTree() throws Exception {
    spans.reset();
    OkHttpClient http = new OkHttpClient();
    String url = "http://127.0.0.1:" + Apps.port(app) + "/relay";
    try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("relayed items");
    }
    // The server span ends when the filter records the outcome, which may follow the response.
    await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().size() >= 3);
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(3);
    SpanData server = only(finished, SpanKind.SERVER, null);
    SpanData call = only(finished, SpanKind.CLIENT, server.getSpanId());
    SpanData attempt = only(finished, SpanKind.CLIENT, call.getSpanId());

    assertThat(server.getParentSpanContext().isValid()).isFalse();   // a new trace
    assertThat(call.getTraceId()).isEqualTo(server.getTraceId());
    assertThat(attempt.getTraceId()).isEqualTo(server.getTraceId());
    assertThat(server.getAttributes().asMap().toString()).contains("url.path=/relay");
    assertThat(call.getAttributes().asMap().toString()).contains("mesh4j.cluster=backend");
    assertThat(attempt.getAttributes().asMap().toString())
        .contains("mesh4j.endpoint=127.0.0.1:" + backend.getAddress().getPort())
        .contains("mesh4j.attempt=1");
  }

  private static SpanData only(List<SpanData> all, SpanKind kind, String parentSpanId) {
    List<SpanData> match = all.stream()
        .filter(s -> s.getKind() == kind)
        .filter(s -> parentSpanId == null
            ? !s.getParentSpanContext().isValid()
            : s.getParentSpanId().equals(parentSpanId))
        .toList();
    assertThat(match).as("%s span with parent %s among %s", kind, parentSpanId, all).hasSize(1);
    return match.get(0);
  }
}
