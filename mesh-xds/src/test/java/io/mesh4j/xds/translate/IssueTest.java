package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What cannot be carried over is reported with its exact field path; nothing is dropped silently. */
class IssueTest {
  static final String NS = "not supported by mesh4j";
  static final String R = "virtual_hosts[0].routes[0].";

  static Stream<Arguments> rejectedRoutes() {
    return Stream.of(
        Arguments.of("{match: {prefix: /}, route: {cluster_header: x-target}}",
            R + "route.cluster_header", NS),
        Arguments.of("{match: {prefix: /, headers: [{name: x-n, range_match: {start: 1, end: 9}}]}, route: {cluster: a}}",
            R + "match.headers[0].range_match", NS),
        Arguments.of("{match: {prefix: /, runtime_fraction: {default_value: {numerator: 50}}}, route: {cluster: a}}",
            R + "match.runtime_fraction", NS),
        Arguments.of("{match: {prefix: /, headers: [{name: x-a, string_match: {exact: b}, treat_missing_header_as_empty: true}]}, route: {cluster: a}}",
            R + "match.headers[0].treat_missing_header_as_empty", NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, hash_policy: [{query_parameter: {name: user}}]}}",
            R + "route.hash_policy[0].query_parameter", NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: 'envoy-ratelimited'}}}",
            R + "route.retry_policy.retry_on", "envoy-ratelimited: " + NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: 5xx, num_retries: 12}}}",
            R + "route.retry_policy.num_retries", "12: mesh4j allows at most 9 retries (10 attempts)"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: 5xx, retry_priority: {name: envoy.retry_priorities.previous_priorities}}}}",
            R + "route.retry_policy.retry_priority", NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, request_mirror_policies: [{cluster: shadow}, {cluster: b}]}}",
            R + "route.request_mirror_policies[1]", "mesh4j mirrors to one cluster per route"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, request_headers_to_add: [{header: {key: x-client, value: '%DOWNSTREAM_REMOTE_ADDRESS%'}}]}",
            R + "request_headers_to_add[0].header.value", "\"%DOWNSTREAM_REMOTE_ADDRESS%\": command "
                + "operators (%...%) are not supported; mesh4j adds literal values"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, request_headers_to_add: [{header: {key: x-a, value: b}, append_action: ADD_IF_ABSENT}]}",
            R + "request_headers_to_add[0].append_action", "ADD_IF_ABSENT: " + NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, response_headers_to_add: [{header: {key: x-a, value: b}}]}",
            R + "response_headers_to_add", "mesh4j does not change response headers (only a "
                + "direct_response's own headers)"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, response_headers_to_remove: [server]}",
            R + "response_headers_to_remove", NS),
        Arguments.of("{match: {prefix: /}, redirect: {regex_rewrite: {pattern: {regex: '^/a'}, substitution: /b}}}",
            R + "redirect.regex_rewrite", NS),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, max_stream_duration: {max_stream_duration: 5s}}}",
            R + "route.max_stream_duration.max_stream_duration", "not supported (use the route timeout)"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, typed_per_filter_config: {envoy.filters.http.cors: {'@type': type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy}}}",
            R + "typed_per_filter_config[\"envoy.filters.http.cors\"]",
            "envoy.extensions.filters.http.cors.v3.CorsPolicy: " + NS),
        Arguments.of("{match: {safe_regex: {regex: '/a(?=b)'}}, route: {cluster: a, prefix_rewrite: /x}}",
            R + "route.prefix_rewrite", "not supported on a safe_regex route"),
        Arguments.of("{match: {prefix: /}, non_forwarding_action: {}}",
            R + "non_forwarding_action", NS));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("rejectedRoutes")
  void anUnsupportedRouteFieldIsRejectedByItsPath(String route, String field, String message) {
    Translation t = Envoy.outbound(Envoy.oneVhost(route));

    assertThat(t.accepted()).isFalse();
    assertThat(t.config()).isNull();
    assertThat(t.rejected()).contains(
        new TranslationIssue(Severity.REJECTED, "RouteConfiguration", "rc", field, message));
  }

  static Stream<Arguments> ignoredRoutes() {
    return Stream.of(
        Arguments.of("{match: {prefix: /}, route: {cluster: a}, decorator: {operation: op}}",
            R + "decorator", "cosmetic (names, statistics, tracing, metadata)"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, idle_timeout: 5s}}",
            R + "route.idle_timeout", "mesh4j bounds a request by its timeout only"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, priority: HIGH}}",
            R + "route.priority", "HIGH: mesh4j has no route priorities"),
        Arguments.of("{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: 5xx, retriable_status_codes: [418]}}}",
            R + "route.retry_policy.retriable_status_codes",
            "has no effect: retry_on lacks retriable-status-codes (as in Envoy)"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("ignoredRoutes")
  void aCosmeticRouteFieldIsIgnoredWithOneWarning(String route, String field, String message) {
    Translation t = Envoy.outbound(Envoy.oneVhost(route));

    assertThat(t.accepted()).isTrue();
    assertThat(t.issues()).containsExactly(
        new TranslationIssue(Severity.IGNORED, "RouteConfiguration", "rc", field, message));
  }

  static Stream<Arguments> rejectedClusters() {
    String endpoint = """
        load_assignment:
          cluster_name: c
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
        """;
    return Stream.of(
        Arguments.of("name: c\noutlier_detection: {split_external_local_origin_errors: true}\n" + endpoint,
            "outlier_detection.split_external_local_origin_errors",
            "not supported (mesh4j counts transport failures with the HTTP status failures)"),
        Arguments.of("name: c\noutlier_detection: {enforcing_consecutive_5xx: 50}\n" + endpoint,
            "outlier_detection.enforcing_consecutive_5xx",
            "50: mesh4j enforces a detection always (100) or never (0)"),
        Arguments.of("name: c\noutlier_detection: {enforcing_failure_percentage: 100}\n" + endpoint,
            "outlier_detection.enforcing_failure_percentage",
            "100: failure-percentage ejection is not supported (set 0)"),
        Arguments.of("name: c\nlb_subset_config: {fallback_policy: ANY_ENDPOINT}\n" + endpoint,
            "lb_subset_config", NS),
        Arguments.of("name: c\ntype: ORIGINAL_DST\nlb_policy: CLUSTER_PROVIDED\n",
            "type", "ORIGINAL_DST: " + NS + " (expected STATIC, STRICT_DNS, LOGICAL_DNS or EDS)"),
        Arguments.of("name: c\ntransport_socket: {name: envoy.transport_sockets.tls}\n" + endpoint,
            "transport_socket", "\"envoy.transport_sockets.tls\" without a typed_config (expected"
                + " envoy.transport_sockets.tls with an UpstreamTlsContext)"),
        Arguments.of("name: c\ntransport_socket_matches: [{name: m, transport_socket: {name: t}}]\n"
            + endpoint, "transport_socket_matches", NS),
        Arguments.of("name: c\nleast_request_lb_config: {choice_count: 3}\nlb_policy: LEAST_REQUEST\n" + endpoint,
            "least_request_lb_config.choice_count", "3: mesh4j's least_request compares 2 choices"),
        Arguments.of("name: c\nhealth_checks: [{timeout: 1s, interval: 5s, unhealthy_threshold: 1, healthy_threshold: 1, grpc_health_check: {}}]\n" + endpoint,
            "health_checks[0].grpc_health_check", NS),
        Arguments.of("name: c\nhealth_checks: [{timeout: 10s, interval: 5s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: {path: /h}}]\n" + endpoint,
            "health_checks[0].timeout", "longer than interval (mesh4j checks one endpoint at a "
                + "time: timeout must be at most interval)"),
        Arguments.of("""
            name: c
            load_assignment:
              cluster_name: c
              endpoints:
              - priority: 500
                lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
            """, "load_assignment.endpoints[0].priority",
            "500: mesh4j priorities are 0..127"),
        Arguments.of("""
            name: c
            load_assignment:
              cluster_name: c
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } }
                  load_balancing_weight: 20000
            """, "load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight",
            "20000: mesh4j weights are 1..10000"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("rejectedClusters")
  void anUnsupportedClusterFieldIsRejectedByItsPath(String cluster, String field, String message) {
    Translation t = ClusterTranslationTest.translate(Envoy.cluster(cluster));

    assertThat(t.accepted()).isFalse();
    assertThat(t.rejected()).contains(
        new TranslationIssue(Severity.REJECTED, "Cluster", "c", field, message));
  }

  @Test
  void anRdsRouteToAMissingClusterAnswers503AsEnvoyDoes() {
    Translation t = Envoy.outbound(Envoy.oneVhost(
        "{match: {prefix: /}, route: {cluster: nope, timeout: 2s, request_mirror_policies: [{cluster: gone}]}},"
            + " {match: {prefix: /x}, route: {cluster: nope, cluster_not_found_response_code: NOT_FOUND}}"));

    assertThat(t.accepted()).isTrue();
    assertThat(t.config().outbound().virtualHosts().get(0).routes())
        .extracting(io.mesh4j.config.RouteConfig::action)
        .containsExactly(new io.mesh4j.config.ActionConfig.Respond(503, "", java.util.Map.of()),
            new io.mesh4j.config.ActionConfig.Respond(404, "", java.util.Map.of()));
    assertThat(t.issues()).containsExactly(
        new TranslationIssue(Severity.IGNORED, "RouteConfiguration", "rc", R + "route.cluster",
            "\"nope\": no such cluster (yet); as in Envoy, the route answers 503 until it exists"),
        new TranslationIssue(Severity.IGNORED, "RouteConfiguration", "rc",
            "virtual_hosts[0].routes[1].route.cluster",
            "\"nope\": no such cluster (yet); as in Envoy, the route answers 404 until it exists"));
  }

  @Test
  void aMissingClusterIsRejectedWhenTheRouteTableValidatesClusters() {
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: nope}}").toBuilder()
        .setValidateClusters(com.google.protobuf.BoolValue.of(true)).build();

    Translation t = Envoy.outbound(rc);

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED,
        "RouteConfiguration", "rc", R + "route.cluster", "\"nope\": no such cluster"));
  }

  @Test
  void anRdsMirrorToAMissingClusterMirrorsNothing() {
    Translation t = Envoy.outbound(Envoy.oneVhost(
        "{match: {prefix: /}, route: {cluster: a, request_mirror_policies: [{cluster: gone}]}}"));

    assertThat(t.config().outbound().virtualHosts().get(0).routes().get(0).mirror()).isNull();
    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED,
        "RouteConfiguration", "rc", R + "route.request_mirror_policies[0].cluster",
        "\"gone\": no such cluster (yet); as in Envoy, nothing is mirrored until it exists"));
  }

  @Test
  void connectionLevelClusterSettingsAreIgnoredOneWarningEach() {
    Cluster c = Envoy.cluster("""
        name: c
        connect_timeout: 0.25s
        alt_stat_name: shop_c
        dns_refresh_rate: 10s
        type: STRICT_DNS
        """ + "load_assignment: {cluster_name: c, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: c.internal, port_value: 80}}}}]}]}");

    Translation t = ClusterTranslationTest.translate(c);

    assertThat(t.accepted()).isTrue();
    assertThat(t.issues()).extracting(TranslationIssue::field)
        .containsExactlyInAnyOrder("connect_timeout", "alt_stat_name", "dns_refresh_rate");
    assertThat(t.issues()).allMatch(i -> i.severity() == Severity.IGNORED);
  }

  @Test
  void aDomainInTwoBoundRouteConfigurationsIsRejectedWhereItRepeats() {
    var first = Envoy.routeConfig("{name: r1, virtual_hosts: [{name: v1, domains: [api], routes: [{match: {prefix: /}, route: {cluster: a}}]}]}");
    var second = Envoy.routeConfig("{name: r2, virtual_hosts: [{name: v2, domains: ['api:8080'], routes: [{match: {prefix: /}, route: {cluster: b}}]}]}");

    Translation t = EnvoyTranslator.translate(
        new EnvoyResources(null, List.of(first, second), Envoy.abShadow(), null),
        new XdsBinding(List.of("r1", "r2"), null), null);

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED,
        "RouteConfiguration", "r2", "virtual_hosts[0].domains[0]", "\"api\" is also a domain of "
            + "virtual host v1 (RouteConfiguration r1); mesh4j has one route table per direction, "
            + "where a domain belongs to one virtual host"),
        new TranslationIssue(Severity.REJECTED, "RouteConfiguration", "r2", "virtual_hosts[0].domains",
            "no domain mesh4j can match"));
  }

  @Test
  void aDomainWithAPortMatchesTheHostWithoutItAndSaysSo() {
    var rc = Envoy.routeConfig("{name: rc, virtual_hosts: [{name: v, domains: ['api:8080', 'web', 'web:80'], routes: [{match: {prefix: /}, route: {cluster: a}}]}]}");

    Translation t = Envoy.outbound(rc);

    assertThat(t.config().outbound().virtualHosts().get(0).domains()).containsExactly("api", "web");
    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED,
        "RouteConfiguration", "rc", "virtual_hosts[0].domains[0]", "\"api:8080\": the port is "
            + "dropped (mesh4j matches the host without its port), so it matches \"api\" on any port"));
  }

  @Test
  void aWildcardMeshCannotMatchIsRejected() {
    var rc = Envoy.routeConfig("{name: rc, virtual_hosts: [{name: v, domains: ['*-api.example.com'], routes: [{match: {prefix: /}, route: {cluster: a}}]}]}");

    Translation t = Envoy.outbound(rc);

    assertThat(t.rejected()).extracting(TranslationIssue::field)
        .containsExactly("virtual_hosts[0].domains[0]", "virtual_hosts[0].domains");
  }

  @Test
  void anUnknownBindingNameIsRejected() {
    Translation t = EnvoyTranslator.translate(EnvoyResources.EMPTY, XdsBinding.outbound("nope"), null);

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED, "Listener",
        "nope", "", "no listener or route configuration of this name"));
    assertThat(t.rejected().get(0).toString())
        .isEqualTo("Listener nope: no listener or route configuration of this name");
  }

  @Test
  void anIssueReadsAsTheNackErrorDetail() {
    TranslationIssue i = new TranslationIssue(Severity.REJECTED, "Cluster", "inventory",
        "outlier_detection.split_external_local_origin_errors", "not supported");

    assertThat(i).hasToString(
        "Cluster inventory: outlier_detection.split_external_local_origin_errors: not supported");
  }
}
