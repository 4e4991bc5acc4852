package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordBinding}: a section whose keys are its record's components is read, built and
 * written from its declarations alone. The test-only section below shows what a new field costs:
 * a record component and a declaration.
 */
class RecordBindingTest {

  /** A section as a new feature would add it. */
  record Probe(int maxThings, Duration window, boolean enabled, double share) {}

  static final ConfigSchema.Section PROBE = new ConfigSchema.Section("probe", "probe")
      .field("max_things", ConfigSchema.integer(1, 50), "`10`", "")
      .field("window", ConfigSchema.duration(true), "`5s`", "")
      .field("enabled", ConfigSchema.bool(), "`true`", "")
      .field("share", ConfigSchema.percent(), "`25`", "");

  static final RecordBinding<Probe> BINDING = new RecordBinding<>(
      PROBE, Probe.class, new Probe(10, Duration.ofSeconds(5), true, 25));

  @Test
  void aNewSectionIsWrittenFromItsDeclarationsDefaultsLeftOutOrShown() {
    Probe p = new Probe(12, Duration.ofMillis(1500), true, 25);

    assertThat(BINDING.write(p, false).toString()).isEqualTo("{\"max_things\":12,\"window\":\"1500ms\"}");
    assertThat(BINDING.write(p, true).toString())
        .isEqualTo("{\"max_things\":12,\"window\":\"1500ms\",\"enabled\":true,\"share\":25.0}");
  }

  @Test
  void unsetValuesTakeTheDefaultsAndBadOnesAreNamedByKeyAsTheBuilderReportsThem() {
    Object[] values = new Object[BINDING.size()];
    values[BINDING.index("enabled")] = false;

    assertThat(BINDING.with(values)).isEqualTo(new Probe(10, Duration.ofSeconds(5), false, 25));
    assertThat(BINDING.problem("max_things", 51)).isEqualTo("max_things: 51 (expected: 1-50)");
    assertThat(BINDING.problem("window", Duration.ZERO))
        .isEqualTo("window: 0s (expected: a duration > 0)");
    assertThat(BINDING.problem("max_things", 50)).isNull();
  }

  @Test
  void theRealBindingsReadBuildAndWriteAsTheHandWrittenCodeDid() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
            outlier_detection: { max_ejection_percent: 20, base_ejection_time: 10s }
            circuit_breaker: { sliding_window: 50, minimum_calls: 5 }
        """);
    ClusterConfig a = c.clusters().get(0);

    assertThat(a.outlierDetection()).isEqualTo(new OutlierDetectionConfig(
        5, 5, Duration.ofSeconds(10), 20, Duration.ofSeconds(300), true));
    assertThat(a.circuitBreaker()).isEqualTo(new CircuitBreakerConfig(
        50, Duration.ofSeconds(2), 100, 50, 5, Duration.ofSeconds(10), 1024));
    assertThat(MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").endpoint("127.0.0.1:8081")
            .outlierDetection(o -> o.maxEjectionPercent(20).baseEjectionTime(Duration.ofSeconds(10)))
            .circuitBreaker(cb -> cb.slidingWindow(50).minimumCalls(5)))
        .build()).isEqualTo(c);
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED).at("/clusters/0").toString())
        .contains("\"outlier_detection\":{\"base_ejection_time\":\"10s\",\"max_ejection_percent\":20}")
        .contains("\"circuit_breaker\":{\"sliding_window\":50,\"minimum_calls\":5}");
  }

  @Test
  void routeAndRetrySectionsAreReadBuiltAndWrittenFromTheirDeclarations() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
            retry: { backoff: { base: 40ms }, budget: { percent: 5 } }
          - name: m
            endpoints: [127.0.0.1:8082]
        outbound:
          virtual_hosts:
            - name: v
              routes:
                - match: { prefix: /v1 }
                  to: a
                  rewrite: { prefix: /v2 }
                  mirror: { cluster: m, percent: 10 }
                  fault: { delay: { fixed: 2s, percent: 1 }, abort: { status: 503, percent: 0.5 } }
                  rate_limit: { requests_per_second: 2.5 }
        """);
    RetryConfig retry = c.clusters().get(0).retry();
    RouteConfig r = c.outbound().virtualHosts().get(0).routes().get(0);

    // Derived defaults: backoff max is 10 x base; burst is the rate rounded up.
    assertThat(retry.backoff()).isEqualTo(
        new RetryConfig.Backoff(Duration.ofMillis(40), Duration.ofMillis(400)));
    assertThat(retry.budget()).isEqualTo(new RetryConfig.Budget(5, 10));
    assertThat(r.rewrite()).isEqualTo(new RewriteConfig("/v2", null, null, null));
    assertThat(r.mirror()).isEqualTo(new MirrorConfig("m", 10));
    assertThat(r.fault()).isEqualTo(new FaultConfig(
        new FaultConfig.Delay(Duration.ofSeconds(2), 1), new FaultConfig.Abort(503, 0.5)));
    assertThat(r.rateLimit()).isEqualTo(new RateLimitConfig(2.5, 3, null, RateLimitConfig.DEFAULT_MAX_KEYS));
    assertThat(MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").endpoint("127.0.0.1:8081")
            .retry(rt -> rt.backoff(Duration.ofMillis(40), Duration.ofMillis(400)).budget(5, 10)))
        .cluster(b -> b.name("m").endpoint("127.0.0.1:8082"))
        .outbound(v -> v.name("v").route(rb -> rb.prefix("/v1").to("a").rewritePrefix("/v2").mirror("m", 10)
            .faultDelay(Duration.ofSeconds(2), 1).faultAbort(503, 0.5).rateLimit(2.5)))
        .build()).isEqualTo(c);
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED)
            .at("/outbound/virtual_hosts/0/routes/0").toString())
        .contains("\"rewrite\":{\"prefix\":\"/v2\"}")
        .contains("\"mirror\":{\"cluster\":\"m\",\"percent\":10.0}")
        .contains("\"fault\":{\"delay\":{\"fixed\":\"2s\",\"percent\":1.0},"
            + "\"abort\":{\"status\":503,\"percent\":0.5}}")
        .contains("\"rate_limit\":{\"requests_per_second\":2.5,\"burst\":3}");
  }

  @Test
  void aMissingRequiredNumberIsReportedFromItsDeclaredRange() {
    assertThatThrownBy(() -> ConfigLoader.load("""
        version: 1
        service: s
        inbound:
          virtual_hosts:
            - name: v
              routes:
                - fault: { abort: { percent: 1 } }
                  rate_limit: { burst: 2 }
        """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("routes[0].fault.abort.status: missing (expected: 200-599)")
        .hasMessageContaining("routes[0].rate_limit.requests_per_second: missing (expected: > 0)");
  }

  @Test
  void aSectionThatDisagreesWithItsRecordFailsNamingTheKey() {
    ConfigSchema.Section renamed = new ConfigSchema.Section("probe", "probe")
        .field("max_things", ConfigSchema.integer(1, 50), "`10`", "")
        .field("windows", ConfigSchema.duration(true), "`5s`", "")
        .field("enabled", ConfigSchema.bool(), "`true`", "")
        .field("share", ConfigSchema.percent(), "`25`", "");
    ConfigSchema.Section short3 = new ConfigSchema.Section("probe", "probe")
        .field("max_things", ConfigSchema.integer(1, 50), "`10`", "");
    Probe d = new Probe(10, Duration.ofSeconds(5), true, 25);

    assertThatThrownBy(() -> new RecordBinding<>(renamed, Probe.class, d))
        .hasMessage("probe.windows: Probe has no component windows (components: maxThings,"
            + " window, enabled, share; or declare a codec for the key)");
    assertThatThrownBy(() -> new RecordBinding<>(short3, Probe.class, d))
        .hasMessage("Probe.window has no key in probe (declare one, or name it in a codec)");
  }

  @Test
  void theBuilderRejectsABadValueAtOnceWithTheKeyAsBefore() {
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("a")
            .outlierDetection(o -> o.maxEjectionPercent(101))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_ejection_percent: 101 (expected: 0-100)");
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("a")
            .circuitBreaker(cb -> cb.waitInOpen(null))))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("wait_in_open");
    assertThatThrownBy(() -> MeshConfig.builder().outbound(v -> v.name("v")
            .route(r -> r.to("a").rateLimit(Double.POSITIVE_INFINITY))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate_limit.requests_per_second: Infinity (expected: > 0)");
    assertThatThrownBy(() -> MeshConfig.builder().outbound(v -> v.name("v")
            .route(r -> r.to("a").faultAbort(600, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault.abort.status: 600 (expected: 200-599)");
  }
}
