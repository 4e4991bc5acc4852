/**
 * OpenTelemetry tracing for mesh4j: {@link io.mesh4j.opentelemetry.MeshOpenTelemetry#tracer}
 * implements mesh-core's {@link io.mesh4j.observe.MeshTracer} with the OpenTelemetry API, and
 * {@link io.mesh4j.opentelemetry.OpenTelemetryExemplars} lets a Prometheus meter registry attach
 * trace ids to the mesh's latency meters as exemplars. See {@code docs/tracing.md}.
 */
package io.mesh4j.opentelemetry;
