package io.mesh4j.opentelemetry;

import io.mesh4j.observe.MeshTracer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Objects;

/**
 * The entry point of {@code mesh-opentelemetry}: a {@link MeshTracer} over an {@link
 * OpenTelemetry} instance, for {@link io.mesh4j.Mesh.Builder#tracer}.
 *
 * <pre>{@code
 * OpenTelemetry otel = ...;   // the application's SDK, or GlobalOpenTelemetry.get()
 * Mesh mesh = Mesh.builder()
 *     .configFile(Path.of("mesh.yaml"))
 *     .tracer(MeshOpenTelemetry.tracer(otel))
 *     .build();
 * }</pre>
 *
 * <p>The tracer extracts the inbound trace context and baggage, and injects each attempt's, in W3C
 * {@code traceparent}/{@code tracestate} and {@code baggage} unless given another propagator. It
 * keeps no global state: two meshes may trace to two {@code OpenTelemetry} instances.
 */
public final class MeshOpenTelemetry {
  /** The instrumentation scope name of mesh4j's spans. */
  public static final String INSTRUMENTATION_NAME = "io.mesh4j";

  private MeshOpenTelemetry() {}

  /**
   * A tracer making spans with {@code openTelemetry}'s tracer provider, propagating W3C trace
   * context and baggage.
   */
  public static MeshTracer tracer(OpenTelemetry openTelemetry) {
    return tracer(openTelemetry, TextMapPropagator.composite(
        W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
  }

  /**
   * A tracer making spans with {@code openTelemetry}'s tracer provider, extracting and injecting
   * with {@code propagator} (for example {@code openTelemetry.getPropagators().getTextMapPropagator()}
   * to follow the SDK's configuration, B3 included).
   */
  public static MeshTracer tracer(OpenTelemetry openTelemetry, TextMapPropagator propagator) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    Objects.requireNonNull(propagator, "propagator");
    return new OtelTracer(openTelemetry.getTracer(INSTRUMENTATION_NAME), propagator);
  }
}
