package io.mesh4j.opentelemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * Trace ids for Prometheus exemplars: a {@code io.prometheus.metrics.tracer.common.SpanContext}
 * that reads OpenTelemetry's current span, for {@code micrometer-registry-prometheus} 1.13 and
 * later. mesh4j makes its server span current while {@code mesh.server.requests} records and its
 * call span current while {@code mesh.client.requests} records, so their samples carry the trace
 * id of the request they measured.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(
 *     PrometheusConfig.DEFAULT, new PrometheusRegistry(), Clock.SYSTEM,
 *     new OpenTelemetryExemplars());
 * Mesh mesh = Mesh.builder().meterRegistry(registry)
 *     .tracer(MeshOpenTelemetry.tracer(otel)).build();
 * }</pre>
 *
 * <p>Needs {@code io.micrometer:micrometer-registry-prometheus} on the class path (an optional
 * dependency of this module). Only sampled spans become exemplars. Stateless and thread-safe.
 */
public final class OpenTelemetryExemplars implements io.prometheus.metrics.tracer.common.SpanContext {
  /** The span attribute set on a span chosen as an exemplar. */
  public static final String EXEMPLAR_ATTRIBUTE = "exemplar";

  @Override
  public String getCurrentTraceId() {
    SpanContext c = Span.current().getSpanContext();
    return c.isValid() ? c.getTraceId() : null;
  }

  @Override
  public String getCurrentSpanId() {
    SpanContext c = Span.current().getSpanContext();
    return c.isValid() ? c.getSpanId() : null;
  }

  @Override
  public boolean isCurrentSpanSampled() {
    SpanContext c = Span.current().getSpanContext();
    return c.isValid() && c.isSampled();
  }

  @Override
  public void markCurrentSpanAsExemplar() {
    Span.current().setAttribute(EXEMPLAR_ATTRIBUTE, true);
  }
}
