package io.mesh4j.health;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import java.util.concurrent.CompletionStage;

/**
 * Checks one endpoint once, asynchronously: the SPI behind {@code health_check.probe}. mesh4j
 * ships {@code tcp} ({@link TcpHealthProbe}); mesh-okhttp supplies {@code http}. Probes are
 * registered by name in a {@link HealthProbes} handed to the mesh.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #probe} must return quickly and never block the calling thread (the mesh's
 *       scheduler thread): do I/O asynchronously or on the probe's own threads.
 *   <li>The stage completes with a {@link ProbeResult}: {@link ProbeResult#status(int)} for an
 *       HTTP answer (judged against {@code expected_statuses}), {@link ProbeResult#healthy()} or
 *       {@link ProbeResult#unhealthy(String)} otherwise. An unreachable endpoint is an unhealthy
 *       result, not an exception.
 *   <li>A probe that throws, returns {@code null} or completes exceptionally is a broken probe:
 *       the check counts as failed and a warning is logged (at most once per interval), but
 *       checking goes on.
 *   <li>The probe should honour {@link HealthCheckConfig#timeout()}; the health checker also
 *       enforces it: a result that arrives later is ignored and the check counts as failed.
 * </ul>
 *
 * <p>Implementations are called from several threads and must be thread-safe.
 */
@FunctionalInterface
public interface HealthProbe {

  /** Starts one check of {@code endpoint} under {@code config} ({@code path}, {@code timeout}). */
  CompletionStage<ProbeResult> probe(Endpoint endpoint, HealthCheckConfig config);

  /**
   * Starts one check of an endpoint of a cluster whose connections use TLS ({@code clusters[].tls}):
   * a probe that speaks a protocol over TLS (the {@code http} probe) speaks it through {@code tls},
   * so a server that requires the workload's certificate answers the check as it answers requests,
   * and a server with the wrong identity fails it. The default ignores {@code tls} and calls {@link
   * #probe(Endpoint, HealthCheckConfig)}: right for probes below TLS, such as {@code tcp}.
   */
  default CompletionStage<ProbeResult> probe(
      Endpoint endpoint, HealthCheckConfig config, ProbeTls tls) {
    return probe(endpoint, config);
  }
}
