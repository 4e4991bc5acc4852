package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.RouteConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One Envoy route → the expected mesh4j route, feature by feature. */
class RouteTranslationTest {
  static final Duration ENVOY_TIMEOUT = Duration.ofSeconds(15);
  static final RetryOverride NO_RETRY = new RetryOverride(1, null, null, null, null, null, null);
  static final MatchConfig PREFIX_ROOT = match(PathMatchKind.PREFIX, "/", true);

  static MatchConfig match(PathMatchKind kind, String value, boolean caseSensitive) {
    return new MatchConfig(kind, value, caseSensitive, Set.of(), List.of(), List.of(), List.of(),
        List.of(), null);
  }

  static MatchConfig headers(HeaderMatchConfig... h) {
    return new MatchConfig(PathMatchKind.PREFIX, "/", true, Set.of(), List.of(h), List.of(),
        List.of(), List.of(), null);
  }

  static MatchConfig query(QueryMatchConfig... q) {
    return new MatchConfig(PathMatchKind.PREFIX, "/", true, Set.of(), List.of(), List.of(q),
        List.of(), List.of(), null);
  }

  /** A forward to a as Envoy would do it: 15s timeout, no retries. */
  static RouteConfig toA(MatchConfig match) {
    return new RouteConfig("routes[0]", match, new ActionConfig.Forward("a"), null, null,
        ENVOY_TIMEOUT, NO_RETRY, null, null, null, null, null, null);
  }

  static HeaderMatchConfig header(String name, HeaderMatchConfig.Kind kind, String value,
      boolean invert) {
    return new HeaderMatchConfig(name, kind, value, false, invert);
  }

  static Stream<Arguments> routes() {
    ActionConfig.Forward a = new ActionConfig.Forward("a");
    return Stream.of(
        Arguments.of("prefix",
            "{match: {prefix: /api/}, route: {cluster: a}}",
            toA(match(PathMatchKind.PREFIX, "/api/", true))),
        Arguments.of("empty prefix matches every path",
            "{match: {prefix: ''}, route: {cluster: a}}",
            toA(MatchConfig.ANY)),
        Arguments.of("exact path",
            "{match: {path: /health}, route: {cluster: a}}",
            toA(match(PathMatchKind.PATH, "/health", true))),
        Arguments.of("path_separated_prefix",
            "{match: {path_separated_prefix: /api}, route: {cluster: a}}",
            toA(match(PathMatchKind.PATH_SEPARATED_PREFIX, "/api", true))),
        Arguments.of("case-insensitive prefix",
            "{match: {prefix: /API/, case_sensitive: false}, route: {cluster: a}}",
            toA(match(PathMatchKind.PREFIX, "/API/", false))),
        Arguments.of("safe_regex ignores case_sensitive, as in Envoy",
            "{match: {safe_regex: {regex: '/v[0-9]+/(?P<rest>.*)'}, case_sensitive: false}, route: {cluster: a}}",
            toA(match(PathMatchKind.REGEX, "/v[0-9]+/(?<rest>.*)", true))),
        Arguments.of("header string_match exact, inverted",
            "{match: {prefix: /, headers: [{name: X-Canary, string_match: {exact: 'yes'}, invert_match: true}]}, route: {cluster: a}}",
            toA(headers(header("x-canary", HeaderMatchConfig.Kind.EXACT, "yes", true)))),
        Arguments.of("header exact_match (older form)",
            "{match: {prefix: /, headers: [{name: x-env, exact_match: prod}]}, route: {cluster: a}}",
            toA(headers(header("x-env", HeaderMatchConfig.Kind.EXACT, "prod", false)))),
        Arguments.of("header prefix, suffix and contains",
            "{match: {prefix: /, headers: [{name: x-p, prefix_match: be}, {name: x-s, string_match: {suffix: ta}}, {name: x-c, contains_match: et}]}, route: {cluster: a}}",
            toA(headers(header("x-p", HeaderMatchConfig.Kind.PREFIX, "be", false),
                header("x-s", HeaderMatchConfig.Kind.SUFFIX, "ta", false),
                header("x-c", HeaderMatchConfig.Kind.CONTAINS, "et", false)))),
        Arguments.of("header present and absent",
            "{match: {prefix: /, headers: [{name: x-debug, present_match: true}, {name: x-test, present_match: false}]}, route: {cluster: a}}",
            toA(headers(new HeaderMatchConfig("x-debug", HeaderMatchConfig.Kind.PRESENT, null, true, false),
                new HeaderMatchConfig("x-test", HeaderMatchConfig.Kind.PRESENT, null, false, false)))),
        Arguments.of("a header matcher without a specifier is a presence match",
            "{match: {prefix: /, headers: [{name: x-debug}]}, route: {cluster: a}}",
            toA(headers(new HeaderMatchConfig("x-debug", HeaderMatchConfig.Kind.PRESENT, null, true, false)))),
        Arguments.of("header regex",
            "{match: {prefix: /, headers: [{name: x-user, safe_regex_match: {regex: 'u-[0-9]+'}}]}, route: {cluster: a}}",
            toA(headers(header("x-user", HeaderMatchConfig.Kind.REGEX, "u-[0-9]+", false)))),
        Arguments.of("ignore_case becomes a case-insensitive regex",
            "{match: {prefix: /, headers: [{name: x-tier, string_match: {prefix: 'Gold', ignore_case: true}}]}, route: {cluster: a}}",
            toA(headers(header("x-tier", HeaderMatchConfig.Kind.REGEX, "(?iu)\\QGold\\E.*", false)))),
        Arguments.of("a single exact :method matcher is a method condition",
            "{match: {prefix: /, headers: [{name: ':method', string_match: {exact: POST}}]}, route: {cluster: a}}",
            toA(new MatchConfig(PathMatchKind.PREFIX, "/", true, Set.of("POST"), List.of(), List.of(),
                List.of(), List.of(), null))),
        Arguments.of("grpc match is a content-type prefix",
            "{match: {prefix: /, grpc: {}}, route: {cluster: a}}",
            toA(headers(header("content-type", HeaderMatchConfig.Kind.PREFIX, "application/grpc", false)))),
        Arguments.of("query exact, present, regex and prefix",
            "{match: {prefix: /, query_parameters: [{name: v, string_match: {exact: '2'}}, {name: debug, present_match: true}, {name: id, string_match: {safe_regex: {regex: '[0-9]+'}}}, {name: q, string_match: {prefix: ab}}]}, route: {cluster: a}}",
            toA(query(new QueryMatchConfig("v", QueryMatchConfig.Kind.EXACT, "2", false),
                new QueryMatchConfig("debug", QueryMatchConfig.Kind.PRESENT, null, true),
                new QueryMatchConfig("id", QueryMatchConfig.Kind.REGEX, "[0-9]+", false),
                new QueryMatchConfig("q", QueryMatchConfig.Kind.REGEX, "\\Qab\\E.*", false)))),
        Arguments.of("weighted clusters, reduced by their gcd, same cluster merged",
            "{match: {prefix: /}, route: {weighted_clusters: {clusters: [{name: a, weight: 80}, {name: b, weight: 10}, {name: a, weight: 10}]}}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, new ActionConfig.Split(List.of(
                new ActionConfig.WeightedCluster("a", 9, false), new ActionConfig.WeightedCluster("b", 1, false))),
                null, null, ENVOY_TIMEOUT, NO_RETRY, null, null, null, null, null, null)),
        Arguments.of("redirect to https with 308",
            "{match: {prefix: /old/}, redirect: {https_redirect: true, prefix_rewrite: /new/, response_code: PERMANENT_REDIRECT}}",
            new RouteConfig("routes[0]", match(PathMatchKind.PREFIX, "/old/", true),
                new ActionConfig.Redirect("https", null, null, null, "/new/", false, 308),
                null, null, null, null, null, null, null, null, null, null)),
        Arguments.of("redirect host, port, path, strip_query, default 301",
            "{match: {path: /x}, redirect: {host_redirect: new.example.com, port_redirect: 8443, path_redirect: /y, strip_query: true}}",
            new RouteConfig("routes[0]", match(PathMatchKind.PATH, "/x", true),
                new ActionConfig.Redirect(null, "new.example.com", 8443, "/y", null, true, 301),
                null, null, null, null, null, null, null, null, null, null)),
        Arguments.of("direct_response with its response headers",
            "{match: {path: /admin}, direct_response: {status: 503, body: {inline_string: maintenance}}, response_headers_to_add: [{header: {key: retry-after, value: '30'}}]}",
            new RouteConfig("routes[0]", match(PathMatchKind.PATH, "/admin", true),
                new ActionConfig.Respond(503, "maintenance", Map.of("retry-after", "30")),
                null, null, null, null, null, null, null, null, null, null)),
        Arguments.of("prefix_rewrite and host_rewrite_literal",
            "{match: {prefix: /api/}, route: {cluster: a, prefix_rewrite: /v2/, host_rewrite_literal: api.internal}}",
            new RouteConfig("routes[0]", match(PathMatchKind.PREFIX, "/api/", true), a,
                new RewriteConfig("/v2/", null, null, "api.internal"), null, ENVOY_TIMEOUT, NO_RETRY,
                null, null, null, null, null, null)),
        Arguments.of("regex_rewrite",
            "{match: {prefix: /service/}, route: {cluster: a, regex_rewrite: {pattern: {regex: '^/service/([^/]+)(/.*)$'}, substitution: '\\2/instance/\\1'}}}",
            new RouteConfig("routes[0]", match(PathMatchKind.PREFIX, "/service/", true), a,
                new RewriteConfig(null, "^/service/([^/]+)(/.*)$", "\\2/instance/\\1", null), null,
                ENVOY_TIMEOUT, NO_RETRY, null, null, null, null, null, null)),
        Arguments.of("timeout",
            "{match: {prefix: /}, route: {cluster: a, timeout: 2.5s}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, Duration.ofMillis(2500),
                NO_RETRY, null, null, null, null, null, null)),
        Arguments.of("timeout 0s (none) becomes the longest mesh4j timeout",
            "{match: {prefix: /}, route: {cluster: a, timeout: 0s}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, Duration.ofHours(8760),
                NO_RETRY, null, null, null, null, null, null)),
        Arguments.of("retry_policy with retriable status codes, back-off and per-try timeout",
            "{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: '5xx,retriable-status-codes', num_retries: 3, retriable_status_codes: [409], per_try_timeout: 1s, retry_back_off: {base_interval: 0.1s, max_interval: 1s}}}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT,
                new RetryOverride(4, Set.of(RetryOn.FIVE_XX, RetryOn.RETRIABLE_STATUS_CODES),
                    List.of(409), Duration.ofSeconds(1),
                    new RetryConfig.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), null, false),
                null, null, null, null, null, null)),
        Arguments.of("retry_policy with Envoy's defaults: one retry, 25ms..250ms, any method",
            "{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: 'connect-failure,refused-stream,unavailable', retry_host_predicate: [{name: envoy.retry_host_predicates.previous_hosts}]}}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT,
                new RetryOverride(2, Set.of(RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM,
                    RetryOn.GRPC_UNAVAILABLE), List.of(), null,
                    new RetryConfig.Backoff(Duration.ofMillis(25), Duration.ofMillis(250)), null, false),
                null, null, null, null, null, null)),
        Arguments.of("retriable-4xx is retriable status 409",
            "{match: {prefix: /}, route: {cluster: a, retry_policy: {retry_on: retriable-4xx, num_retries: 2}}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT,
                new RetryOverride(3, Set.of(RetryOn.RETRIABLE_STATUS_CODES), List.of(409), null,
                    new RetryConfig.Backoff(Duration.ofMillis(25), Duration.ofMillis(250)), null, false),
                null, null, null, null, null, null)),
        Arguments.of("request mirror at 5%",
            "{match: {prefix: /}, route: {cluster: a, request_mirror_policies: [{cluster: shadow, runtime_fraction: {default_value: {numerator: 5, denominator: HUNDRED}}}]}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT, NO_RETRY,
                new MirrorConfig("shadow", 5.0), null, null, null, null, null)),
        Arguments.of("request headers: append, overwrite (remove + add), remove",
            "{match: {prefix: /}, route: {cluster: a}, request_headers_to_add: [{header: {key: x-route, value: canary}}, {header: {key: x-env, value: '100%%'}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}], request_headers_to_remove: [x-debug]}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null,
                new HeadersConfig(ordered("x-route", "canary", "x-env", "100%"), List.of("x-debug", "x-env")),
                ENVOY_TIMEOUT, NO_RETRY, null, null, null, null, null, null)),
        Arguments.of("fault per route",
            "{match: {prefix: /}, route: {cluster: a}, typed_per_filter_config: {envoy.filters.http.fault: {'@type': type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, delay: {fixed_delay: 0.1s, percentage: {numerator: 1, denominator: HUNDRED}}, abort: {http_status: 503, percentage: {numerator: 1000, denominator: MILLION}}}}}",
            new RouteConfig("routes[0]", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT, NO_RETRY, null,
                new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(100), 1.0),
                    new FaultConfig.Abort(503, 0.1)), null, null, null, null)),
        Arguments.of("a named route keeps its name",
            "{name: api, match: {prefix: /}, route: {cluster: a}}",
            new RouteConfig("api", PREFIX_ROOT, a, null, null, ENVOY_TIMEOUT, NO_RETRY, null, null, null, null, null, null)));
  }

  static Map<String, String> ordered(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void translatesEachRouteFeature(String feature, String envoyRoute, RouteConfig expected) {
    Translation t = Envoy.outbound(Envoy.oneVhost(envoyRoute));

    assertThat(t.issues()).isEmpty();
    assertThat(t.accepted()).isTrue();
    assertThat(t.config().outbound().virtualHosts()).hasSize(1);
    assertThat(t.config().outbound().virtualHosts().get(0).routes()).containsExactly(expected);
  }
}
