package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.mesh4j.config.CircuitBreakerConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One Envoy cluster → the expected mesh4j cluster, feature by feature. */
class ClusterTranslationTest {
  /** Envoy retries only under a route policy: the cluster's own policy never retries. */
  static final RetryConfig NO_RETRY = new RetryConfig(1, RetryConfig.DEFAULT_RETRY_ON, List.of(),
      null, RetryConfig.Backoff.DEFAULT, RetryConfig.Budget.DEFAULT, false);
  static final List<EndpointConfig> ONE = List.of(new EndpointConfig("10.0.0.1", 80, 1, null));
  static final String ONE_ENDPOINT = """
      load_assignment:
        cluster_name: c
        endpoints:
        - lb_endpoints:
          - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
      """;

  static ClusterConfig cluster(LbPolicy lb, List<EndpointConfig> endpoints, HealthCheckConfig hc,
      OutlierDetectionConfig od, CircuitBreakerConfig cb, RetryConfig retry, int panic,
      Duration slowStart) {
    return new ClusterConfig("c", lb, endpoints, hc, od, cb, retry, Duration.ofSeconds(15), panic,
        slowStart, null, null, null, null, null);
  }

  static ClusterConfig plain(LbPolicy lb) {
    return cluster(lb, ONE, null, null, null, NO_RETRY, 50, Duration.ZERO);
  }

  static Stream<Arguments> clusters() {
    return Stream.of(
        Arguments.of("ROUND_ROBIN is weighted_round_robin",
            "name: c\ntype: STATIC\nlb_policy: ROUND_ROBIN\n" + ONE_ENDPOINT,
            plain(LbPolicy.WEIGHTED_ROUND_ROBIN)),
        Arguments.of("LEAST_REQUEST",
            "name: c\nlb_policy: LEAST_REQUEST\nleast_request_lb_config: {choice_count: 2}\n" + ONE_ENDPOINT,
            plain(LbPolicy.LEAST_REQUEST)),
        Arguments.of("RING_HASH",
            "name: c\nlb_policy: RING_HASH\n" + ONE_ENDPOINT,
            plain(LbPolicy.RING_HASH)),
        Arguments.of("RANDOM",
            "name: c\nlb_policy: RANDOM\n" + ONE_ENDPOINT,
            plain(LbPolicy.RANDOM)),
        Arguments.of("weights and zones; UNHEALTHY, DRAINING and TIMEOUT endpoints left out, DEGRADED kept",
            """
            name: c
            type: STRICT_DNS
            load_assignment:
              cluster_name: c
              endpoints:
              - locality: { region: eu, zone: eu-1a }
                lb_endpoints:
                - endpoint: { address: { socket_address: { address: inventory.internal, port_value: 8080 } } }
                  load_balancing_weight: 5
                - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 8080 } } }
                  health_status: UNHEALTHY
                - endpoint: { address: { socket_address: { address: 10.0.0.3, port_value: 8080 } } }
                  health_status: DRAINING
                - endpoint: { address: { socket_address: { address: 10.0.0.4, port_value: 8080 } } }
                  health_status: TIMEOUT
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: '::1', port_value: 8080 } } }
                  health_status: DEGRADED
                - endpoint: { address: { socket_address: { address: 10.0.0.5, port_value: 8080 } } }
                  health_status: HEALTHY
            """,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, List.of(
                new EndpointConfig("inventory.internal", 8080, 5,
                    new io.mesh4j.config.Locality("eu", "eu-1a", null), 0, 1),
                new EndpointConfig("::1", 8080, 1, null),
                new EndpointConfig("10.0.0.5", 8080, 1, null)),
                null, null, null, NO_RETRY, 50, Duration.ZERO)),
        Arguments.of("HTTP health check with expected statuses (half-open ranges)",
            """
            name: c
            health_checks:
            - timeout: 2s
              interval: 10s
              unhealthy_threshold: 2
              healthy_threshold: 3
              http_health_check:
                path: /healthz
                expected_statuses: [{start: 200, end: 300}, {start: 418, end: 419}]
            """ + ONE_ENDPOINT,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, ONE, new HealthCheckConfig("http", "/healthz",
                Duration.ofSeconds(10), Duration.ofSeconds(2), 2, 3,
                List.of(new StatusRange(200, 299), new StatusRange(418, 418))),
                null, null, NO_RETRY, 50, Duration.ZERO)),
        Arguments.of("TCP health check",
            """
            name: c
            health_checks:
            - { timeout: 1s, interval: 5s, unhealthy_threshold: 3, healthy_threshold: 2, tcp_health_check: {} }
            """ + ONE_ENDPOINT,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, ONE, new HealthCheckConfig("tcp", null,
                Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 2, null),
                null, null, NO_RETRY, 50, Duration.ZERO)),
        Arguments.of("outlier detection with gateway failures enforced",
            """
            name: c
            outlier_detection:
              consecutive_5xx: 7
              consecutive_gateway_failure: 3
              enforcing_consecutive_gateway_failure: 100
              enforcing_success_rate: 0
              base_ejection_time: 10s
              max_ejection_percent: 50
              max_ejection_time: 100s
            """ + ONE_ENDPOINT,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, ONE, null, new OutlierDetectionConfig(7, 3,
                Duration.ofSeconds(10), 50, Duration.ofSeconds(100), true),
                null, NO_RETRY, 50, Duration.ZERO)),
        Arguments.of("circuit breaker max_requests and retry budget",
            """
            name: c
            circuit_breakers:
              thresholds:
              - { priority: DEFAULT, max_requests: 100, retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: 5 } }
            """ + ONE_ENDPOINT,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, ONE, null, null,
                ClusterTranslator.concurrencyOnly(100),
                new RetryConfig(1, RetryConfig.DEFAULT_RETRY_ON, List.of(), null,
                    RetryConfig.Backoff.DEFAULT, new RetryConfig.Budget(25, 5), false),
                50, Duration.ZERO)),
        Arguments.of("healthy_panic_threshold and slow start",
            """
            name: c
            common_lb_config: { healthy_panic_threshold: { value: 25 } }
            round_robin_lb_config: { slow_start_config: { slow_start_window: 30s } }
            """ + ONE_ENDPOINT,
            cluster(LbPolicy.WEIGHTED_ROUND_ROBIN, ONE, null, null, null, NO_RETRY, 25,
                Duration.ofSeconds(30))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clusters")
  void translatesEachClusterFeature(String feature, String envoyCluster, ClusterConfig expected) {
    Translation t = translate(Envoy.cluster(envoyCluster));

    assertThat(t.rejected()).isEmpty();
    assertThat(t.issues()).allMatch(i -> i.severity() == Severity.IGNORED);
    assertThat(t.config().clusters()).containsExactly(expected);
  }

  static Translation translate(Cluster... clusters) {
    return EnvoyTranslator.translate(new EnvoyResources(null, null, List.of(clusters), null),
        new XdsBinding(null, null), null);
  }

  @Test
  void anEdsClusterTakesTheLoadAssignmentOfItsServiceName() {
    Cluster c = Envoy.cluster("""
        name: inventory
        type: EDS
        eds_cluster_config: { service_name: inventory-v1, eds_config: { ads: {} } }
        """);
    var cla = Envoy.assignment("""
        cluster_name: inventory-v1
        endpoints:
        - lb_endpoints:
          - endpoint: { address: { socket_address: { address: 10.1.0.1, port_value: 9000 } } }
            load_balancing_weight: 3
        """);

    Translation t = EnvoyTranslator.translate(
        new EnvoyResources(null, null, List.of(c), List.of(cla)), new XdsBinding(null, null), null);

    assertThat(t.config().cluster("inventory").endpoints())
        .containsExactly(new EndpointConfig("10.1.0.1", 9000, 3, null));
  }

  @Test
  void edsLocalitiesPrioritiesAndLocalityWeightsAreTranslated() {
    Cluster c = Envoy.cluster("""
        name: inventory
        type: EDS
        common_lb_config: { locality_weighted_lb_config: {} }
        eds_cluster_config: { eds_config: { ads: {} } }
        """);
    var cla = Envoy.assignment("""
        cluster_name: inventory
        policy: { overprovisioning_factor: 200 }
        endpoints:
        - locality: { region: eu, zone: eu-1a, sub_zone: r1 }
          load_balancing_weight: 3
          lb_endpoints:
          - endpoint: { address: { socket_address: { address: 10.1.0.1, port_value: 9000 } } }
        - locality: { region: us, zone: us-1a }
          priority: 1
          lb_endpoints:
          - endpoint: { address: { socket_address: { address: 10.2.0.1, port_value: 9000 } } }
        - locality: { region: ap, zone: ap-1a }
          load_balancing_weight: 0
          lb_endpoints:
          - endpoint: { address: { socket_address: { address: 10.3.0.1, port_value: 9000 } } }
        """);

    Translation t = EnvoyTranslator.translate(
        new EnvoyResources(null, null, List.of(c), List.of(cla)), new XdsBinding(null, null), null);

    ClusterConfig inventory = t.config().cluster("inventory");
    assertThat(inventory.endpoints()).containsExactly(
        new EndpointConfig("10.1.0.1", 9000, 1, new io.mesh4j.config.Locality("eu", "eu-1a", "r1"),
            0, 3),
        new EndpointConfig("10.2.0.1", 9000, 1, new io.mesh4j.config.Locality("us", "us-1a", null),
            1, 1));
    assertThat(inventory.localityLb()).isEqualTo(new io.mesh4j.config.LocalityLbConfig(
        io.mesh4j.config.LocalityLbConfig.Mode.WEIGHTED, 6, 2.0));
    assertThat(t.issues()).extracting(TranslationIssue::toString).containsExactly(
        "Cluster inventory: eds_cluster_config.eds_config: endpoints come over the same ADS"
            + " stream, or not at all",
        "ClusterLoadAssignment inventory: endpoints[2].load_balancing_weight: 0: a locality of"
            + " weight 0 gets no traffic; its endpoints are left out");
  }

  @Test
  void priorityLevelsAloneTurnOnEnvoysPriorityFailover() {
    Translation t = translate(Envoy.cluster("""
        name: c
        load_assignment:
          cluster_name: c
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
          - priority: 1
            lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.2, port_value: 80 } } }
        """));

    ClusterConfig c = t.config().cluster("c");
    assertThat(c.endpoints()).extracting(EndpointConfig::priority).containsExactly(0, 1);
    assertThat(c.localityLb()).isEqualTo(io.mesh4j.config.LocalityLbConfig.DEFAULT);
  }

  @Test
  void defaultOutlierDetectionIsEnvoysWithGatewayFailuresNotEnforcedAndSaysSuccessRateIsMissing() {
    Translation t = translate(Envoy.cluster("name: c\noutlier_detection: {}\n" + ONE_ENDPOINT));

    assertThat(t.config().cluster("c").outlierDetection()).isEqualTo(new OutlierDetectionConfig(
        5, 0, Duration.ofSeconds(30), 10, Duration.ofSeconds(300), true));
    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED, "Cluster", "c",
        "outlier_detection.enforcing_success_rate", "Envoy's default success-rate ejection (100% "
            + "enforced with 5+ hosts) is not available; only consecutive-failure detection runs "
            + "(set enforcing_success_rate: 0 to say so)"));
  }

  @Test
  void aRouteHashPolicyTellsARingHashClusterWhatToHash() {
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: c, hash_policy: [{header: {header_name: X-User}}]}}");
    Cluster c = Envoy.cluster("name: c\nlb_policy: RING_HASH\n" + ONE_ENDPOINT);

    Translation t = EnvoyTranslator.translate(new EnvoyResources(null, List.of(rc), List.of(c), null),
        XdsBinding.outbound("rc"), null);

    assertThat(t.issues()).isEmpty();
    assertThat(t.config().cluster("c").hashOn())
        .isEqualTo(new HashOnConfig(HashOnConfig.Kind.HEADER, "x-user"));
  }

  @Test
  void aHashPolicyOnARoundRobinClusterIsIgnoredAsEnvoyDoes() {
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: c, hash_policy: [{connection_properties: {source_ip: true}}]}}");
    Cluster c = Envoy.cluster("name: c\n" + ONE_ENDPOINT);

    Translation t = EnvoyTranslator.translate(new EnvoyResources(null, List.of(rc), List.of(c), null),
        XdsBinding.outbound("rc"), null);

    assertThat(t.accepted()).isTrue();
    assertThat(t.config().cluster("c").hashOn()).isNull();
    assertThat(t.issues()).extracting(TranslationIssue::toString).containsExactly(
        "Cluster c: lb_policy: the hash policy of RouteConfiguration rc "
            + "virtual_hosts[0].routes[0].route.hash_policy[0] has no effect: the cluster does not "
            + "balance by hash (as in Envoy)");
  }

  @Test
  void clusterNamesMeshCannotHoldAreRewrittenAndRoutesFollow() {
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: 'outbound|80||a b'}}");
    Cluster c = Envoy.cluster("name: 'outbound|80||a b'\n" + ONE_ENDPOINT);

    Translation t = EnvoyTranslator.translate(new EnvoyResources(null, List.of(rc), List.of(c), null),
        XdsBinding.outbound("rc"), null);

    assertThat(t.config().clusters()).extracting(ClusterConfig::name).containsExactly("outbound|80||a_b");
    assertThat(t.config().outbound().virtualHosts().get(0).routes().get(0).action())
        .isEqualTo(new io.mesh4j.config.ActionConfig.Forward("outbound|80||a_b"));
    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED, "Cluster",
        "outbound|80||a b", "name", "written as \"outbound|80||a_b\" (mesh4j cluster names: "
            + "letters, digits and . _ - | :)"));
  }
}
