package io.mesh4j.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of endpoints with its load-balancing, health, resilience and timeout policy.
 * Immutable; defaults applied.
 *
 * @param name unique; letters, digits and {@code . _ - | :}
 * @param lb the load-balancing policy (default weighted round robin)
 * @param endpoints the static endpoints (an endpoint source may supply more)
 * @param healthCheck active health checking, or {@code null} when absent (endpoints count as
 *     healthy)
 * @param outlierDetection passive ejection, or {@code null} when absent
 * @param circuitBreaker the failure-rate circuit breaker, or {@code null} when absent (only the
 *     default limit of {@value CircuitBreakerConfig#DEFAULT_MAX_CONCURRENT_REQUESTS} concurrent
 *     requests applies)
 * @param retry the retry policy (a safe default policy exists)
 * @param timeout the whole request, all tries (default 15s)
 * @param panicThreshold percent of usable endpoints below which all are used (0 disables)
 * @param slowStart ramp window of a new or recovered endpoint's weight; zero disables
 * @param hashOn what {@code ring_hash} hashes, or {@code null} (then, as for a request without the
 *     key, each request lands on a random ring point)
 * @param lbCustom a registered custom load-balancing policy ({@code lb: { custom: name, args }});
 *     when set it replaces {@code lb}, which keeps its default; {@code null} when absent
 * @param localityLb locality-aware load balancing ({@code locality_lb}), or {@code null} when
 *     absent (then endpoint localities and priorities do not steer traffic)
 * @param peakEwma the settings of {@code lb: peak_ewma}; {@link PeakEwmaConfig#DEFAULT} when the
 *     policy is {@code peak_ewma} and none are given, else {@code null} unless the config sets them
 *     (which the validator then rejects)
 * @param tls how the client speaks to the endpoints ({@code tls}); {@link TlsConfig#DISABLED}
 *     (plaintext) when absent
 */
public record ClusterConfig(
    String name,
    LbPolicy lb,
    List<EndpointConfig> endpoints,
    HealthCheckConfig healthCheck,
    OutlierDetectionConfig outlierDetection,
    CircuitBreakerConfig circuitBreaker,
    RetryConfig retry,
    Duration timeout,
    int panicThreshold,
    Duration slowStart,
    HashOnConfig hashOn,
    ExtensionRef lbCustom,
    LocalityLbConfig localityLb,
    PeakEwmaConfig peakEwma,
    TlsConfig tls) {

  /** Envoy's route timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);
  /** Envoy's healthy panic threshold. */
  public static final int DEFAULT_PANIC_THRESHOLD = 50;

  public ClusterConfig {
    endpoints = List.copyOf(endpoints);
    lb = lb == null ? LbPolicy.WEIGHTED_ROUND_ROBIN : lb;
    retry = retry == null ? RetryConfig.DEFAULT : retry;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    slowStart = slowStart == null ? Duration.ZERO : slowStart;
    if (peakEwma == null && lb == LbPolicy.PEAK_EWMA && lbCustom == null) {
      peakEwma = PeakEwmaConfig.DEFAULT;
    }
    tls = tls == null ? TlsConfig.DISABLED : tls;
  }
}
