package io.mesh4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.MeshFilter;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.api.trace.SpanKind;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The mesh's latency meters carry the trace id of the request they measured as a Prometheus
 * exemplar, with micrometer-registry-prometheus and {@link OpenTelemetryExemplars}.
 */
class ExemplarsTest {

  @Test
  void serverAndClientRequestTimersCarryTheTraceIdAsAnExemplar() throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
        new PrometheusRegistry(), Clock.SYSTEM, new OpenTelemetryExemplars());
    // Prometheus keeps exemplars on histogram buckets: publish the mesh timers as histograms.
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig c) {
        if (!id.getName().startsWith("mesh.")) return c;
        return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(c);
      }
    });
    List<SpanData> spans;
    try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider
            .builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
        JettyServer backend = JettyServer.start(
            new MeshFilter(Mesh.builder().config(ConfigLoader.load("version: 1\nservice: b\n")).build()),
            Map.of("/*", new HttpServlet() {
              @Override
              protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
                res.getWriter().print("ok");
              }
            }))) {
      Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
          version: 1
          service: front
          clusters:
            - name: backend
              endpoints: [{ address: 127.0.0.1:%d }]
          """.formatted(backend.port()))).meterRegistry(registry)
          .tracer(MeshOpenTelemetry.tracer(otel)).build();
      OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
      try (JettyServer front = JettyServer.start(new MeshFilter(mesh), Map.of("/*", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
              try (Response r = client.newCall(new Request.Builder().url("http://backend/x").build())
                  .execute()) {
                res.getWriter().print(r.body().string());
              }
            }
          }))) {
        try (Response r = new OkHttpClient().newCall(new Request.Builder().url(front.url("/go"))
            .build()).execute()) {
          assertThat(r.body().string()).isEqualTo("ok");
        }
        JettyServer.await("the server span", () -> exporter.getFinishedSpanItems().stream()
            .anyMatch(s -> s.getKind() == SpanKind.SERVER));
        spans = List.copyOf(exporter.getFinishedSpanItems()); // closing the SDK clears the exporter
      } finally {
        mesh.close();
      }
    }
    String traceId = spans.get(0).getTraceId();
    SpanData server = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    SpanData call = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT
        && s.getAttributes().get(OtelTracer.Attr.ATTEMPT) == null).findFirst().orElseThrow();

    String scrape = registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
    String client = prometheusName(MeshMetricNames.CLIENT_REQUESTS);
    String serverName = prometheusName(MeshMetricNames.SERVER_REQUESTS);
    assertThat(scrape.lines().filter(l -> l.startsWith(client + "_seconds_bucket")
        && l.contains("trace_id=\"" + traceId + "\"") && l.contains("span_id=\"" + call.getSpanId() + "\"")))
        .as(scrape).isNotEmpty();
    assertThat(scrape.lines().filter(l -> l.startsWith(serverName + "_seconds_bucket")
        && l.contains("trace_id=\"" + traceId + "\"") && l.contains("span_id=\"" + server.getSpanId() + "\"")))
        .as(scrape).isNotEmpty();
  }

  private static String prometheusName(String meter) {
    return meter.replace('.', '_');
  }
}
