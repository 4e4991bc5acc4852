package io.mesh4j.spring.boot;

import io.mesh4j.observe.MeshTracer;
import io.mesh4j.opentelemetry.MeshOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * Tracing: when {@code mesh-opentelemetry} is on the class path and the application has one {@link
 * OpenTelemetry} bean (Boot's own OpenTelemetry support in 3.5 and 4, or the OpenTelemetry Spring
 * Boot starter), a {@link MeshTracer} bean over it ({@link MeshOpenTelemetry#tracer(OpenTelemetry)}:
 * W3C trace context and baggage), which {@link MeshAutoConfiguration} hands to the mesh. So
 * {@code MeshFilter} makes a server span per inbound request and every call through a mesh client
 * a call span with a child span per attempt, under the application's exporter and sampler.
 *
 * <p>Backs off when the application defines its own {@code MeshTracer} (which the mesh then uses);
 * off with {@code mesh4j.tracing.enabled=false}. {@code mesh-opentelemetry} is an optional
 * dependency: the starter does not bring it, an application that traces adds it.
 */
@AutoConfiguration(
    before = MeshAutoConfiguration.class,
    afterName = {
      // The homes of the OpenTelemetry bean: Boot 3.5, Boot 4, the OpenTelemetry starter.
      "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration",
      "org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration",
      "io.opentelemetry.instrumentation.spring.autoconfigure.OpenTelemetryAutoConfiguration"
    })
@ConditionalOnClass(name = {
    "io.mesh4j.opentelemetry.MeshOpenTelemetry", "io.opentelemetry.api.OpenTelemetry"})
@ConditionalOnBooleanProperty(name = "mesh4j.enabled", matchIfMissing = true)
public class MeshTracingAutoConfiguration {

  /** The mesh's tracer over the application's OpenTelemetry. */
  @Bean
  @ConditionalOnBooleanProperty(name = "mesh4j.tracing.enabled", matchIfMissing = true)
  @ConditionalOnSingleCandidate(OpenTelemetry.class)
  @ConditionalOnMissingBean(MeshTracer.class)
  public MeshTracer meshTracer(OpenTelemetry openTelemetry) {
    return MeshOpenTelemetry.tracer(openTelemetry);
  }
}
