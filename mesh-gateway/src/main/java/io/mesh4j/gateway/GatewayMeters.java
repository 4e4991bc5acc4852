package io.mesh4j.gateway;

import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gateway's header-hardening counters ({@link MeshMetricNames#GATEWAY_HEADERS_REMOVED},
 * {@link MeshMetricNames#GATEWAY_REJECTED}), resolved once when the gateway is built so no
 * request looks a meter up. Thread-safe.
 */
final class GatewayMeters {
  final Counter removedUnderscore;
  final Counter removedUntrustedForwarded;
  final Counter rejectedUnderscore;
  final Counter rejectedBadRequest;

  GatewayMeters(MeterRegistry registry, String service) {
    removedUnderscore = counter(registry, MeshMetricNames.GATEWAY_HEADERS_REMOVED, service, "underscore");
    removedUntrustedForwarded = counter(
        registry, MeshMetricNames.GATEWAY_HEADERS_REMOVED, service, "untrusted_forwarded");
    rejectedUnderscore = counter(registry, MeshMetricNames.GATEWAY_REJECTED, service, "underscore");
    rejectedBadRequest = counter(registry, MeshMetricNames.GATEWAY_REJECTED, service, "bad_request");
  }

  private static Counter counter(MeterRegistry r, String name, String service, String reason) {
    return Counter.builder(name)
        .tag(MeshMetricNames.TAG_SERVICE, service)
        .tag(MeshMetricNames.TAG_REASON, reason)
        .register(r);
  }
}
