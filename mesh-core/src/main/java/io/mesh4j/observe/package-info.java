/**
 * The tracing SPI of the mesh: a {@link io.mesh4j.observe.MeshTracer} makes one server span per
 * inbound request, one call span per forwarded outbound call and one attempt span per attempt,
 * hedge and mirror copy. mesh-core knows no tracing library; {@code mesh-opentelemetry}
 * implements this SPI with the OpenTelemetry API. Without a tracer ({@link
 * io.mesh4j.observe.MeshTracer#noop()}) the engine creates nothing and allocates nothing.
 */
package io.mesh4j.observe;
