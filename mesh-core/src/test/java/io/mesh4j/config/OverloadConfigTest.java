package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code inbound.concurrency_limit} and per-client {@code rate_limit}: reader, builder, writer. */
class OverloadConfigTest {

  static final String YAML = """
      version: 1
      service: api
      inbound:
        concurrency_limit: { algorithm: vegas, min: 4, max: 200 }
        virtual_hosts:
          - name: self
            routes:
              - name: keyed
                match: { prefix: /api/ }
                rate_limit: { requests_per_second: 10, burst: 20, key: { header: X-Api-Key }, max_keys: 500 }
              - name: by-source
                match: { prefix: /public/ }
                rate_limit: { requests_per_second: 2.5, key: { source: true } }
              - name: by-principal
                match: { prefix: /peers/ }
                rate_limit: { requests_per_second: 1, key: { principal: true } }
              - name: shared
                rate_limit: { requests_per_second: 3 }
      """;

  @Test
  void theYamlFormsReadIntoTheModel() {
    MeshConfig c = ConfigLoader.load(YAML);
    assertThat(c.inbound().concurrencyLimit())
        .isEqualTo(new ConcurrencyLimitConfig(ConcurrencyLimitConfig.Algorithm.VEGAS, 4, 200));
    var routes = c.inbound().virtualHosts().get(0).routes();
    assertThat(routes.get(0).rateLimit())
        .isEqualTo(new RateLimitConfig(10, 20, RateLimitConfig.Key.header("x-api-key"), 500));
    assertThat(routes.get(1).rateLimit()).as("burst: the rate rounded up; max_keys default")
        .isEqualTo(new RateLimitConfig(2.5, 3, RateLimitConfig.Key.SOURCE, 10_000));
    assertThat(routes.get(2).rateLimit().key()).isEqualTo(RateLimitConfig.Key.PRINCIPAL);
    assertThat(routes.get(3).rateLimit()).as("the two-field form still means one bucket")
        .isEqualTo(new RateLimitConfig(3, 3, null, RateLimitConfig.DEFAULT_MAX_KEYS));
    assertThat(routes.get(3).rateLimit().perClient()).isFalse();
  }

  @Test
  void anEmptyConcurrencyLimitTakesEnvoysDefaults() {
    MeshConfig c = ConfigLoader.load("version: 1\nservice: a\ninbound: {concurrency_limit: {}}\n");
    assertThat(c.inbound().concurrencyLimit()).isEqualTo(ConcurrencyLimitConfig.DEFAULT);
    assertThat(ConfigLoader.load("version: 1\nservice: a\n").inbound().concurrencyLimit()).isNull();
  }

  @Test
  void theBuilderMakesTheSameConfigAsTheYaml() {
    MeshConfig built = MeshConfig.builder()
        .service("api")
        .concurrencyLimit(ConcurrencyLimitConfig.Algorithm.VEGAS, 4, 200)
        .inbound(v -> v.name("self")
            .route(r -> r.name("keyed").prefix("/api/")
                .rateLimitPerClient(RateLimitConfig.Key.header("X-Api-Key"), 10, 20, 500))
            .route(r -> r.name("by-source").prefix("/public/")
                .rateLimitPerClient(RateLimitConfig.Key.SOURCE, 2.5, 3))
            .route(r -> r.name("by-principal").prefix("/peers/")
                .rateLimitPerClient(RateLimitConfig.Key.PRINCIPAL, 1, 1))
            .route(r -> r.name("shared").rateLimit(3)))
        .build();
    assertThat(built).isEqualTo(ConfigLoader.load(YAML));
  }

  @Test
  void theWriterRoundTripsAndLeavesTheDefaultMaxKeysOut() {
    MeshConfig c = ConfigLoader.load(YAML);
    String yaml = ConfigWriter.yaml(c);
    assertThat(ConfigLoader.load(yaml)).isEqualTo(c);
    assertThat(yaml).contains("max_keys: 500").doesNotContain("max_keys: 10000");
    assertThat(yaml).contains("algorithm: vegas");
  }

  @Test
  void theBuilderRejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> MeshConfig.builder()
        .concurrencyLimit(ConcurrencyLimitConfig.Algorithm.GRADIENT2, 10, 5))
        .hasMessage("concurrency_limit.max: 5 (expected: >= min, 10)");
    assertThatThrownBy(() -> MeshConfig.builder()
        .concurrencyLimit(ConcurrencyLimitConfig.Algorithm.GRADIENT2, 0, 5))
        .hasMessage("concurrency_limit.min: 0 (expected: >= 1)");
    assertThatThrownBy(() -> MeshConfig.builder().inbound(v -> v.name("self")
        .route(r -> r.rateLimitPerClient(RateLimitConfig.Key.SOURCE, 1, 1, 0))))
        .hasMessage("rate_limit.max_keys: 0 (expected: >= 1)");
    assertThatThrownBy(() -> MeshConfig.builder().inbound(v -> v.name("self")
        .route(r -> r.rateLimitPerClient(RateLimitConfig.Key.SOURCE, 0, 1))))
        .hasMessage("rate_limit.requests_per_second: 0 (expected: > 0)");
    assertThatThrownBy(() -> MeshConfig.builder().inbound(v -> v.name("self")
        .route(r -> r.rateLimitPerClient(RateLimitConfig.Key.header("x api"), 1, 1))))
        .hasMessageStartingWith("rate_limit.key.header: \"x api\"");
  }

  @Test
  void maxConcurrentRequestsAcceptsAdaptiveAndStillAnInteger() {
    String yaml = """
        version: 1
        service: a
        clusters:
          - name: adaptive
            endpoints: [127.0.0.1:8080]
            circuit_breaker: { max_concurrent_requests: adaptive }
          - name: fixed
            endpoints: [127.0.0.1:8081]
            circuit_breaker: { max_concurrent_requests: 64 }
        """;
    MeshConfig c = ConfigLoader.load(yaml);
    assertThat(c.clusters().get(0).circuitBreaker().adaptiveConcurrency()).isTrue();
    assertThat(c.clusters().get(1).circuitBreaker().adaptiveConcurrency()).isFalse();
    assertThat(c.clusters().get(1).circuitBreaker().maxConcurrentRequests()).isEqualTo(64);
    String written = ConfigWriter.yaml(c);
    assertThat(written).contains("max_concurrent_requests: adaptive")
        .contains("max_concurrent_requests: 64");
    assertThat(ConfigLoader.load(written)).isEqualTo(c);

    MeshConfig built = MeshConfig.builder().service("a")
        .cluster(b -> b.name("adaptive").endpoint("127.0.0.1:8080")
            .circuitBreaker(cb -> cb.maxConcurrentRequestsAdaptive()))
        .cluster(b -> b.name("fixed").endpoint("127.0.0.1:8081")
            .circuitBreaker(cb -> cb.maxConcurrentRequests(64)))
        .build();
    assertThat(built).isEqualTo(c);
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("x")
        .circuitBreaker(cb -> cb.maxConcurrentRequests(0))))
        .hasMessageStartingWith("max_concurrent_requests: 0 (expected: >= 1)");
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("x")
        .circuitBreaker(cb -> cb.maxConcurrentRequests(-1))))
        .hasMessageStartingWith("max_concurrent_requests: -1 (expected: >= 1;");
  }
}
