package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per kind of mistake: a small config that is valid except for that mistake, and the
 * exact errors (path and message) the loader must report. The documents are built from a valid
 * base with two clusters, {@code a} and {@code b}.
 */
class ConfigErrorsTest {

  /**
   * The errors {@code yaml} is rejected with, as {@code path: message} strings; their locations
   * are checked by {@link #everyErrorWithAPathPointsIntoTheText}.
   */
  static List<String> errorsOf(String yaml) {
    return rejected(yaml).errors().stream()
        .map(e -> e.path().isEmpty() ? e.message() : e.path() + ": " + e.message()).toList();
  }

  static ConfigException rejected(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml));
    assertThat(e).as("expected the config to be rejected:%n%s", yaml).isNotNull();
    return e;
  }

  static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return text.strip().lines().map(l -> pad + l).reduce((x, y) -> x + "\n" + y).orElse("");
  }

  /** The base document with {@code extra} added to cluster {@code a}, then {@code rest}. */
  static String doc(String clusterExtra, String rest) {
    return """
        version: 1
        service: frontend
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
        %s
          - name: b
            endpoints: [127.0.0.1:8082]
        %s
        """.formatted(indent(clusterExtra, 4), rest);
  }

  static String cluster(String extra) {
    return doc(extra, "");
  }

  static String top(String rest) {
    return doc("", rest);
  }

  /** One outbound route (path {@code outbound.virtual_hosts[0].routes[0]}) with these keys. */
  static String outRoute(String route) {
    return top("""
        outbound:
          virtual_hosts:
            - name: v
              routes:
                - name: r
        %s
        """.formatted(indent(route, 10)));
  }

  /** One inbound route (path {@code inbound.virtual_hosts[0].routes[0]}) with these keys. */
  static String inRoute(String route) {
    return top("""
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - name: r
        %s
        """.formatted(indent(route, 10)));
  }

  static final String C = "clusters[0].";
  static final String OR = "outbound.virtual_hosts[0].routes[0].";
  static final String IR = "inbound.virtual_hosts[0].routes[0].";

  static Stream<Arguments> cases() {
    return Stream.of(
        // ------------------------------------------------------------ document structure
        row("unknown top-level key",
            top("servce: x"),
            "servce: unknown key (expected one of: version, service, locality, clusters, outbound,"
                + " inbound, propagate, admin, path_normalization, policies, identity_sources)"),
        row("unknown cluster key",
            cluster("lbb: random"),
            C + "lbb: unknown key (expected one of: name, lb, endpoints, health_check,"
                + " outlier_detection, circuit_breaker, retry, timeout, panic_threshold,"
                + " slow_start, locality_lb, hash_on, peak_ewma, tls)"),
        row("unknown key in an empty map section",
            inRoute("pass: {to: a}"),
            IR + "pass.to: unknown key (expected: no keys)"),
        row("missing version",
            "service: s\n",
            "version: missing (expected: 1)"),
        row("wrong version",
            top("").replace("version: 1", "version: 2"),
            "version: 2 (expected: 1)"),
        row("missing service",
            top("").replace("service: frontend", ""),
            "service: missing (expected: this service's name: letters, digits and . _ - | :)"),
        row("null scalar",
            top("").replace("service: frontend", "service:"),
            "service: null (expected: a string)"),
        row("bad service name",
            top("").replace("service: frontend", "service: front end"),
            "service: \"front end\" (expected: letters, digits and . _ - | :)"),
        row("a map where a list belongs",
            "version: 1\nservice: s\nclusters: {name: a}\n",
            "clusters: a map (expected: a list)"),
        row("a list where a map belongs",
            top("admin: [1]"),
            "admin: a list (expected: a map)"),
        row("a scalar where a cluster belongs",
            "version: 1\nservice: s\nclusters: [a]\n",
            "clusters[0]: \"a\" (expected: a map with name, endpoints, ...)"),
        row("a number where a string belongs",
            "version: 1\nservice: s\nclusters: [{name: 5}]\n",
            "clusters[0].name: 5 (expected: a string; quote it: \"5\")"),
        row("a string where an integer belongs",
            cluster("panic_threshold: \"5\""),
            C + "panic_threshold: \"5\" (expected: an integer)"),
        row("a fraction where an integer belongs",
            cluster("panic_threshold: 1.5"),
            C + "panic_threshold: 1.5 (expected: an integer)"),
        row("an integer too large for 32 bits",
            cluster("panic_threshold: 99999999999"),
            C + "panic_threshold: 99999999999 (expected: an integer of at most 10 digits)"),
        row("a string where a boolean belongs",
            top("admin: {enabled: \"yes\"}"),
            "admin.enabled: \"yes\" (expected: true or false)"),

        // ------------------------------------------------------------ durations
        row("duration without unit",
            cluster("timeout: 5"),
            C + "timeout: 5 (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)"),
        row("quoted duration without unit",
            cluster("timeout: \"5\""),
            C + "timeout: \"5\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s,"
                + " 1m)"),
        row("duration with an unknown unit",
            cluster("timeout: 2d"),
            C + "timeout: \"2d\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s,"
                + " 1m)"),
        row("negative duration",
            cluster("slow_start: -1s"),
            C + "slow_start: \"-1s\" (expected: a duration >= 0)"),
        row("duration rounding to zero",
            cluster("slow_start: 0.5ms"),
            C + "slow_start: \"0.5ms\" (expected: a whole number of milliseconds)"),
        row("zero timeout",
            cluster("timeout: 0s"),
            C + "timeout: 0s (expected: a duration > 0)"),
        row("duration over the maximum",
            cluster("timeout: 8761h"),
            C + "timeout: \"8761h\" (expected: at most 8760h)"),

        // ------------------------------------------------------------ clusters and endpoints
        row("bad cluster name",
            doc("", "").replace("name: b", "name: b/c"),
            "clusters[1].name: \"b/c\" (expected: letters, digits and . _ - | :)"),
        row("duplicate cluster name",
            doc("", "").replace("name: b", "name: a"),
            "clusters[1].name: \"a\" (expected: a unique cluster name; clusters[0] has it already)"),
        row("missing cluster name",
            doc("", "").replace("- name: b", "- lb: random"),
            "clusters[1].name: missing (expected: letters, digits and . _ - | :)"),
        row("unknown lb",
            cluster("lb: round_robin"),
            C + "lb: \"round_robin\" (expected: weighted_round_robin, least_request, ring_hash,"
                + " random or peak_ewma)"),
        row("peak_ewma settings without lb: peak_ewma",
            cluster("lb: least_request\npeak_ewma: { decay_time: 5s }"),
            C + "peak_ewma: set, but lb is least_request (expected: only with lb: peak_ewma)"),
        row("peak_ewma settings with the default lb",
            cluster("peak_ewma: {}"),
            C + "peak_ewma: set, but lb is weighted_round_robin (expected: only with lb: peak_ewma)"),
        row("peak_ewma decay time zero",
            cluster("lb: peak_ewma\npeak_ewma: { decay_time: 0s }"),
            C + "peak_ewma.decay_time: 0s (expected: a duration > 0)"),
        row("peak_ewma unknown key",
            cluster("lb: peak_ewma\npeak_ewma: { decay: 5s }"),
            C + "peak_ewma.decay: unknown key (expected one of: decay_time)"),
        row("endpoint without port",
            doc("", "").replace("127.0.0.1:8082", "localhost"),
            "clusters[1].endpoints[0]: \"localhost\" (expected: host:port)"),
        row("endpoint with a non-numeric port",
            doc("", "").replace("127.0.0.1:8082", "{address: \"h:http\"}"),
            "clusters[1].endpoints[0].address: \"h:http\" (expected: host:port with a port"
                + " 1-65535)"),
        row("endpoint port 0",
            doc("", "").replace("127.0.0.1:8082", "{address: \"h:0\"}"),
            "clusters[1].endpoints[0].address: \"h:0\" (expected: port 1-65535)"),
        row("endpoint port over 65535",
            doc("", "").replace("127.0.0.1:8082", "\"[::1]:65536\""),
            "clusters[1].endpoints[0].address: \"[::1]:65536\" (expected: port 1-65535)"),
        row("IPv6 endpoint without brackets",
            doc("", "").replace("127.0.0.1:8082", "\"::1:80\""),
            "clusters[1].endpoints[0]: \"::1:80\" (expected: host:port, with an IPv6 host in"
                + " [brackets])"),
        row("endpoint with a bad DNS name",
            doc("", "").replace("127.0.0.1:8082", "-x-.example:80"),
            "clusters[1].endpoints[0].address: \"-x-.example:80\" (expected: host:port with an"
                + " IPv4, [IPv6] or DNS host)"),
        row("endpoint with a bad IPv4 literal",
            doc("", "").replace("127.0.0.1:8082", "300.0.0.1:80"),
            "clusters[1].endpoints[0].address: \"300.0.0.1:80\" (expected: host:port with an"
                + " IPv4, [IPv6] or DNS host)"),
        row("endpoint without address",
            doc("", "").replace("127.0.0.1:8082", "{weight: 2}"),
            "clusters[1].endpoints[0].address: missing (expected: host:port)"),
        row("endpoint weight 0",
            doc("", "").replace("127.0.0.1:8082", "{address: \"h:1\", weight: 0}"),
            "clusters[1].endpoints[0].weight: 0 (expected: 1-10000)"),
        row("endpoint weight over 10000",
            doc("", "").replace("127.0.0.1:8082", "{address: \"h:1\", weight: 10001}"),
            "clusters[1].endpoints[0].weight: 10001 (expected: 1-10000)"),
        row("duplicate endpoint",
            doc("", "").replace("127.0.0.1:8082", "LOCALHOST:80, localhost:80"),
            "clusters[1].endpoints[1].address: \"localhost:80\" (expected: each endpoint once;"
                + " endpoints[0] has it already)"),
        row("duplicate IPv6 endpoint in another spelling",
            doc("", "").replace("127.0.0.1:8082", "\"[::1]:80\", \"[0:0::1]:80\""),
            "clusters[1].endpoints[1].address: \"[0:0::1]:80\" (expected: each endpoint once;"
                + " endpoints[0] has it already)"),
        row("panic threshold over 100",
            cluster("panic_threshold: 101"),
            C + "panic_threshold: 101 (expected: 0-100)"),

        // ------------------------------------------------------------ health check
        row("health check threshold 0",
            cluster("health_check: {unhealthy_threshold: 0, healthy_threshold: 0}"),
            C + "health_check.unhealthy_threshold: 0 (expected: >= 1)",
            C + "health_check.healthy_threshold: 0 (expected: >= 1)"),
        row("health check timeout longer than the interval",
            cluster("health_check: {interval: 2s, timeout: 3s}"),
            C + "health_check.timeout: 3s (expected: at most interval, 2s)"),
        row("health check path without slash",
            cluster("health_check: {path: health}"),
            C + "health_check.path: \"health\" (expected: a path starting with /)"),
        row("unknown health check probe",
            cluster("health_check: {probe: grpc}"),
            C + "health_check.probe: \"grpc\" (expected: http or tcp)"),
        row("expected status out of range",
            cluster("health_check: {expected_statuses: [99, 200-600]}"),
            C + "health_check.expected_statuses[0]: 99 (expected: statuses 100-599)",
            C + "health_check.expected_statuses[1]: 200-600 (expected: statuses 100-599)"),
        row("expected status range reversed",
            cluster("health_check: {expected_statuses: [299-200]}"),
            C + "health_check.expected_statuses[0]: 299-200 (expected: a range from low to high,"
                + " e.g. 200-299)"),
        row("expected status not a status",
            cluster("health_check: {expected_statuses: [2xx]}"),
            C + "health_check.expected_statuses[0]: \"2xx\" (expected: a status or a range such as"
                + " 200-299)"),

        // ------------------------------------------------------------ outlier detection
        row("outlier detection out of range",
            cluster("outlier_detection: {consecutive_5xx: -1, consecutive_gateway_failure: -2,"
                + " max_ejection_percent: 101}"),
            C + "outlier_detection.consecutive_5xx: -1 (expected: >= 0)",
            C + "outlier_detection.consecutive_gateway_failure: -2 (expected: >= 0)",
            C + "outlier_detection.max_ejection_percent: 101 (expected: 0-100)"),
        row("max ejection time under the base",
            cluster("outlier_detection: {base_ejection_time: 30s, max_ejection_time: 10s}"),
            C + "outlier_detection.max_ejection_time: 10s (expected: at least base_ejection_time,"
                + " 30s)"),
        row("outlier detection enforcing not a boolean",
            cluster("outlier_detection: {enforcing: maybe}"),
            C + "outlier_detection.enforcing: \"maybe\" (expected: true or false)"),

        // ------------------------------------------------------------ circuit breaker
        row("max_concurrent_requests spelled -1",
            cluster("circuit_breaker: {max_concurrent_requests: -1}"),
            C + "circuit_breaker.max_concurrent_requests: -1 (expected: an integer >= 1, or"
                + " adaptive)"),
        row("max_concurrent_requests with another word",
            cluster("circuit_breaker: {max_concurrent_requests: auto}"),
            C + "circuit_breaker.max_concurrent_requests: \"auto\" (expected: an integer >= 1,"
                + " or adaptive)"),
        row("circuit breaker out of range",
            cluster("circuit_breaker: {failure_rate_threshold: 0, slow_call_rate_threshold: 101,"
                + " max_concurrent_requests: 0, wait_in_open: 0s}"),
            C + "circuit_breaker.failure_rate_threshold: 0 (expected: 1-100)",
            C + "circuit_breaker.slow_call_rate_threshold: 101 (expected: 1-100)",
            C + "circuit_breaker.wait_in_open: 0s (expected: a duration > 0)",
            C + "circuit_breaker.max_concurrent_requests: 0 (expected: >= 1)"),
        row("minimum calls over the window",
            cluster("circuit_breaker: {sliding_window: 10, minimum_calls: 11}"),
            C + "circuit_breaker.minimum_calls: 11 (expected: 1-10, at most sliding_window)"),
        row("sliding window out of range",
            cluster("circuit_breaker: {sliding_window: 0}"),
            C + "circuit_breaker.sliding_window: 0 (expected: 1-100000)"),

        // ------------------------------------------------------------ retry
        row("retry attempts out of range",
            cluster("retry: {attempts: 0}"),
            C + "retry.attempts: 0 (expected: 1-10)"),
        row("retry attempts over the cap",
            cluster("retry: {attempts: 11}"),
            C + "retry.attempts: 11 (expected: 1-10)"),
        row("unknown retry_on",
            cluster("retry: {retry_on: [5xx, 5xxx]}"),
            C + "retry.retry_on[1]: \"5xxx\" (expected one of: connect-failure, refused-stream,"
                + " reset, gateway-error, 5xx, retriable-status-codes, cancelled,"
                + " deadline-exceeded, internal, resource-exhausted, unavailable)"),
        row("retriable status out of range",
            cluster("retry: {retry_on: [retriable-status-codes], retriable_status_codes: [503,"
                + " 600]}"),
            C + "retry.retriable_status_codes[1]: 600 (expected: 100-599)"),
        row("retriable statuses without retriable-status-codes",
            cluster("retry: {retriable_status_codes: [503]}"),
            C + "retry.retry_on: lacks retriable-status-codes (expected: it, as"
                + " retriable_status_codes is set)"),
        row("retriable-status-codes without statuses",
            cluster("retry: {retry_on: [retriable-status-codes]}"),
            C + "retry.retriable_status_codes: [] (expected: at least one status, as retry_on has"
                + " retriable-status-codes)"),
        row("backoff max under base",
            cluster("retry: {backoff: {base: 1s, max: 100ms}}"),
            C + "retry.backoff.max: 100ms (expected: at least base, 1s)"),
        row("retry budget out of range",
            cluster("retry: {budget: {percent: 120, min_per_second: -1}}"),
            C + "retry.budget.percent: 120 (expected: 0-100)",
            C + "retry.budget.min_per_second: -1 (expected: >= 0)"),
        row("retry budget on",
            cluster("retry: {budget: on}"),
            C + "retry.budget: true (expected: a map)"),
        row("per-try timeout zero",
            cluster("retry: {per_try_timeout: 0s}"),
            C + "retry.per_try_timeout: 0s (expected: a duration > 0)"),

        // ------------------------------------------------------------ hash_on
        row("hash_on empty",
            cluster("lb: ring_hash\nhash_on: {}"),
            C + "hash_on: empty (expected exactly one of: header, cookie, source_ip)"),
        row("hash_on with two kinds",
            cluster("lb: ring_hash\nhash_on: {header: x, cookie: y}"),
            C + "hash_on: more than one of: header, cookie (expected exactly one of: header,"
                + " cookie, source_ip)"),
        row("hash_on with a bad header name",
            cluster("lb: ring_hash\nhash_on: {header: \"x y\"}"),
            C + "hash_on.header: \"x y\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)"),
        row("hash_on source_ip false",
            cluster("lb: ring_hash\nhash_on: {source_ip: false}"),
            C + "hash_on.source_ip: false (expected: true)"),

        // ------------------------------------------------------------ virtual hosts
        row("duplicate virtual host name",
            top("""
                outbound:
                  virtual_hosts:
                    - {name: v, domains: [x], routes: []}
                    - {name: v, domains: [y], routes: []}
                """),
            "outbound.virtual_hosts[1].name: \"v\" (expected: a unique virtual host name;"
                + " virtual_hosts[0] has it already)"),
        row("a domain in two virtual hosts, in any case",
            top("""
                outbound:
                  virtual_hosts:
                    - {name: v, domains: [x, "*.svc"], routes: []}
                    - {name: w, domains: ["*.SVC"], routes: []}
                """),
            "outbound.virtual_hosts[1].domains[0]: \"*.svc\" (expected: a domain in only one"
                + " virtual host; virtual_hosts[0].domains[1] has it already)"),
        row("the default domain taken by another virtual host",
            top("""
                outbound:
                  virtual_hosts:
                    - {name: v, domains: [w], routes: []}
                    - {name: w, routes: []}
                """),
            "outbound.virtual_hosts[1].domains[0]: \"w\" (expected: a domain in only one virtual"
                + " host; virtual_hosts[0].domains[0] has it already)"),
        row("the same domain inbound and outbound is fine, a bad one is not",
            top("""
                outbound:
                  virtual_hosts:
                    - {name: v, domains: ["*", "a*b", "x.*.y", "host:80", "*."], routes: []}
                inbound:
                  virtual_hosts:
                    - {name: v, domains: ["*"], routes: []}
                """),
            "outbound.virtual_hosts[0].domains[1]: \"a*b\" (expected: a host name, *.suffix,"
                + " prefix.* or *; no port)",
            "outbound.virtual_hosts[0].domains[2]: \"x.*.y\" (expected: a host name, *.suffix,"
                + " prefix.* or *; no port)",
            "outbound.virtual_hosts[0].domains[3]: \"host:80\" (expected: a host name, *.suffix,"
                + " prefix.* or *; no port)",
            "outbound.virtual_hosts[0].domains[4]: \"*.\" (expected: a host name, *.suffix,"
                + " prefix.* or *; no port)"),
        row("empty domain list",
            top("outbound: {virtual_hosts: [{name: v, domains: [], routes: []}]}"),
            "outbound.virtual_hosts[0].domains: [] (expected: at least one domain)"),
        row("virtual host without name",
            top("outbound: {virtual_hosts: [{domains: [x], routes: []}]}"),
            "outbound.virtual_hosts[0].name: missing (expected: letters, digits and . _ - | :)"),

        // ------------------------------------------------------------ routes and actions
        row("duplicate route name",
            top("""
                outbound:
                  virtual_hosts:
                    - name: v
                      routes:
                        - {name: r, to: a}
                        - {name: r, to: b}
                """),
            "outbound.virtual_hosts[0].routes[1].name: \"r\" (expected: a route name unique in the"
                + " virtual host; routes[0] has it already)"),
        row("unnamed route named after its index collides with an explicit name",
            top("""
                outbound:
                  virtual_hosts:
                    - name: v
                      routes:
                        - {to: a}
                        - {name: "routes[0]", to: b}
                """),
            "outbound.virtual_hosts[0].routes[1].name: \"routes[0]\" (expected: a route name unique"
                + " in the virtual host; routes[0] has it already)"),
        row("outbound route without action",
            outRoute("match: {prefix: /}"),
            "outbound.virtual_hosts[0].routes[0]: no action (expected exactly one of: to, split,"
                + " redirect, respond)"),
        row("two actions",
            outRoute("to: a\nrespond: {status: 200}"),
            "outbound.virtual_hosts[0].routes[0]: more than one action: to, respond (expected"
                + " exactly one of: to, split, redirect, respond)"),
        row("pass outbound",
            outRoute("pass: {}"),
            OR + "pass: not allowed outbound (expected one of: to, split, redirect, respond)"),
        row("to inbound naming an undefined cluster",
            inRoute("to: c"),
            IR + "to: \"c\" (expected: one of the clusters: a, b)"),
        row("inbound split naming an undefined cluster",
            inRoute("split: [{local: true, weight: 95}, {cluster: c, weight: 5}]"),
            IR + "split[1].cluster: \"c\" (expected: one of the clusters: a, b)"),
        row("local split entry outbound",
            outRoute("split: [{local: true, weight: 95}, {cluster: a, weight: 5}]"),
            OR + "split[0].local: not allowed outbound (expected: local only in inbound splits)"),
        row("local split entry naming a cluster too",
            inRoute("split: [{local: true, cluster: a, weight: 95}, {cluster: b, weight: 5}]"),
            IR + "split[0]: both local and cluster set (expected: one of them)"),
        row("two local split entries",
            inRoute("split: [{local: true, weight: 1}, {cluster: a, weight: 1},"
                + " {local: true, weight: 1}]"),
            IR + "split[2].local: a second local entry (expected: at most one; split[0] is local"
                + " already)"),
        row("local split entry that is not a boolean",
            inRoute("split: [{local: yes please, weight: 1}, {cluster: a, weight: 1}]"),
            IR + "split[0].local: \"yes please\" (expected: true or false)"),
        row("split entry without cluster or local",
            inRoute("split: [{weight: 1}, {cluster: a, weight: 1}]"),
            IR + "split[0].cluster: missing (expected: a cluster name)"),
        row("mirror on an inbound pass route",
            inRoute("pass: {}\nmirror: {cluster: a}"),
            IR + "mirror: not allowed with pass (expected: only on routes with to or split)"),
        row("to an undefined cluster",
            outRoute("to: c"),
            OR + "to: \"c\" (expected: one of the clusters: a, b)"),
        row("split to an undefined cluster",
            outRoute("split: [{cluster: a, weight: 1}, {cluster: c, weight: 1}]"),
            OR + "split[1].cluster: \"c\" (expected: one of the clusters: a, b)"),
        row("split weight out of range",
            outRoute("split: [{cluster: a, weight: 10001}, {cluster: b, weight: -1}]"),
            OR + "split[0].weight: 10001 (expected: 0-10000)",
            OR + "split[1].weight: -1 (expected: 0-10000)",
            OR + "split: weights sum to 0 (expected: a positive sum)"),
        row("split weights summing to zero",
            outRoute("split: [{cluster: a, weight: 0}, {cluster: b, weight: 0}]"),
            OR + "split: weights sum to 0 (expected: a positive sum)"),
        row("split without weight",
            outRoute("split: [{cluster: a}]"),
            OR + "split[0].weight: missing (expected: 0-10000)"),
        row("split naming a cluster twice",
            outRoute("split: [{cluster: a, weight: 1}, {cluster: a, weight: 2}]"),
            OR + "split[1].cluster: \"a\" (expected: each cluster once)"),
        row("empty split",
            outRoute("split: []"),
            OR + "split: [] (expected: at least one { cluster, weight })"),

        // ------------------------------------------------------------ path matchers
        row("two path conditions",
            outRoute("match: {prefix: /a, path: /b}\nto: a"),
            OR + "match: more than one path condition: prefix, path (expected at most one of:"
                + " prefix, path, path_separated_prefix, regex)"),
        row("prefix without slash",
            outRoute("match: {prefix: api}\nto: a"),
            OR + "match.prefix: \"api\" (expected: a path starting with /)"),
        row("path with a query",
            outRoute("match: {path: \"/a?b=1\"}\nto: a"),
            OR + "match.path: \"/a?b=1\" (expected: a path without ? or #)"),
        row("path_separated_prefix with a trailing slash",
            outRoute("match: {path_separated_prefix: /api/}\nto: a"),
            OR + "match.path_separated_prefix: \"/api/\" (expected: no trailing /)"),
        row("regex that does not compile",
            outRoute("match: {regex: \"/a(\"}\nto: a"),
            OR + "match.regex: \"/a(\" (expected: a valid regex; Unclosed group at index 3)"),
        row("bad method",
            outRoute("match: {methods: [get, \"GE T\"]}\nto: a"),
            OR + "match.methods[1]: \"GE T\" (expected: an HTTP method such as GET)"),
        row("bad source CIDR",
            outRoute("match: {source: [10.0.0.0/33, ::1/129, 10.0.0/8]}\nto: a"),
            OR + "match.source[0]: \"10.0.0.0/33\" (expected: an IP address or CIDR such as"
                + " 10.0.0.0/8; prefix length 33 exceeds 32)",
            OR + "match.source[1]: \"::1/129\" (expected: an IP address or CIDR such as"
                + " 10.0.0.0/8; prefix length 129 exceeds 128)",
            OR + "match.source[2]: \"10.0.0/8\" (expected: an IP address or CIDR such as"
                + " 10.0.0.0/8; not an IPv4 or IPv6 address: 10.0.0)"),
        row("principals outbound",
            outRoute("match: {principals: [spiffe://x]}\nto: a"),
            OR + "match.principals: set on an outbound route (expected: only in inbound matches)"),
        row("bad principal pattern inbound",
            inRoute("match: {principals: [\"spiffe://*/x\", \"\"]}"),
            IR + "match.principals[0]: \"spiffe://*/x\" (expected: an exact principal, or a prefix"
                + " ending with *)",
            IR + "match.principals[1]: \"\" (expected: an exact principal, or a prefix ending"
                + " with *)"),

        // ------------------------------------------------------------ header and query matchers
        row("header matcher without condition",
            outRoute("match: {headers: [{name: x}]}\nto: a"),
            OR + "match.headers[0]: no condition (expected exactly one of: exact, prefix, suffix,"
                + " contains, regex, present)"),
        row("header matcher with two conditions",
            outRoute("match: {headers: [{name: x, exact: a, prefix: b}]}\nto: a"),
            OR + "match.headers[0]: more than one condition: exact, prefix (expected exactly one"
                + " of: exact, prefix, suffix, contains, regex, present)"),
        row("header matcher without name",
            outRoute("match: {headers: [{exact: a}]}\nto: a"),
            OR + "match.headers[0].name: missing (expected: a header name)"),
        row("header matcher with a bad name",
            outRoute("match: {headers: [{name: \"x:y\", exact: a}, {name: \":host\", exact: a}]}"
                + "\nto: a"),
            OR + "match.headers[0].name: \"x:y\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~, or :method, :path, :authority, :scheme)",
            OR + "match.headers[1].name: \":host\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~, or :method, :path, :authority, :scheme)"),
        row("header matcher value with CR LF",
            outRoute("match: {headers: [{name: x, exact: \"a\\r\\nb\"}]}\nto: a"),
            OR + "match.headers[0].exact: \"a\\r\\nb\" (expected: no CR, LF or NUL)"),
        row("header matcher value with NUL",
            outRoute("match: {headers: [{name: x, contains: \"a\\0\"}]}\nto: a"),
            OR + "match.headers[0].contains: \"a\\u0000\" (expected: no CR, LF or NUL)"),
        row("header matcher with an unquoted boolean",
            outRoute("match: {headers: [{name: x, exact: true}]}\nto: a"),
            OR + "match.headers[0].exact: true (expected: a string; quote it: \"true\")"),
        row("header matcher with an empty prefix",
            outRoute("match: {headers: [{name: x, prefix: \"\"}]}\nto: a"),
            OR + "match.headers[0].prefix: \"\" (expected: a non-empty value)"),
        row("header matcher regex that does not compile",
            outRoute("match: {headers: [{name: x, regex: \"[a\"}]}\nto: a"),
            OR + "match.headers[0].regex: \"[a\" (expected: a valid regex; Unclosed character"
                + " class at index 1)"),
        row("header matcher present not a boolean",
            outRoute("match: {headers: [{name: x, present: \"yes\"}]}\nto: a"),
            OR + "match.headers[0].present: \"yes\" (expected: true or false)"),
        row("query matcher without condition",
            outRoute("match: {query: [{name: q}]}\nto: a"),
            OR + "match.query[0]: no condition (expected exactly one of: exact, regex, present)"),
        row("query matcher with two conditions",
            outRoute("match: {query: [{name: q, exact: a, present: true}]}\nto: a"),
            OR + "match.query[0]: more than one condition: exact, present (expected exactly one"
                + " of: exact, regex, present)"),
        row("query matcher regex that does not compile",
            outRoute("match: {query: [{name: q, regex: \"*\"}]}\nto: a"),
            OR + "match.query[0].regex: \"*\" (expected: a valid regex; Dangling meta character"
                + " '*' at index 0)"),
        row("query matcher without name",
            outRoute("match: {query: [{present: true}]}\nto: a"),
            OR + "match.query[0].name: missing (expected: a query parameter name)"),

        // ------------------------------------------------------------ header changes
        row("header value with CR LF in headers.add",
            outRoute("to: a\nheaders: {add: {x-a: \"1\\r\\nx-b: 2\"}}"),
            OR + "headers.add.x-a: \"1\\r\\nx-b: 2\" (expected: no CR, LF or NUL)"),
        row("bad header name in headers.add and remove",
            outRoute("to: a\nheaders: {add: {\"x a\": \"1\"}, remove: [\"b c\"]}"),
            OR + "headers.add[\"x a\"]: \"x a\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)",
            OR + "headers.remove[0]: \"b c\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)"),
        row("the same header twice in headers.add",
            outRoute("to: a\nheaders: {add: {X-A: \"1\", x-a: \"2\"}}"),
            OR + "headers.add.x-a: \"x-a\" (expected: each header once, in any case)"),
        row("header value not a string",
            outRoute("to: a\nheaders: {add: {x-a: 1}}"),
            OR + "headers.add.x-a: 1 (expected: a string; quote it: \"1\")"),

        // ------------------------------------------------------------ redirect and respond
        row("redirect code",
            outRoute("redirect: {path: /, code: 300}"),
            OR + "redirect.code: 300 (expected: 301, 302, 303, 307 or 308)"),
        row("redirect port, scheme and host",
            outRoute("redirect: {scheme: ftp, host: \"a b\", port: 0}"),
            OR + "redirect.scheme: \"ftp\" (expected: http or https)",
            OR + "redirect.host: \"a b\" (expected: a host name, IPv4 or [IPv6] literal, without"
                + " port)",
            OR + "redirect.port: 0 (expected: 1-65535)"),
        row("redirect with path and prefix_rewrite",
            outRoute("match: {prefix: /a}\nredirect: {path: /b, prefix_rewrite: /c}"),
            OR + "redirect: both path and prefix_rewrite set (expected: at most one)"),
        row("redirect prefix_rewrite without a prefix match",
            outRoute("match: {regex: /a.*}\nredirect: {prefix_rewrite: /c}"),
            OR + "redirect.prefix_rewrite: \"/c\" (expected: only on a route matching prefix, path"
                + " or path_separated_prefix)"),
        row("redirect that changes nothing",
            outRoute("redirect: {code: 302}"),
            OR + "redirect: changes nothing (expected at least one of: scheme, host, port, path,"
                + " prefix_rewrite, strip_query)"),
        row("scheme redirect without host in a catch-all virtual host",
            inRoute("redirect: {scheme: https}"),
            IR + "redirect.host: missing (expected: a host when scheme or port is set in a virtual"
                + " host with domain \"*\"; a Location is never built from the request's Host"
                + " header)"),
        row("port redirect without host in a catch-all virtual host",
            inRoute("redirect: {port: 8443, path: /}"),
            IR + "redirect.host: missing (expected: a host when scheme or port is set in a virtual"
                + " host with domain \"*\"; a Location is never built from the request's Host"
                + " header)"),
        row("redirect host with CR LF",
            outRoute("redirect: {host: \"a\\r\\nb\"}"),
            OR + "redirect.host: \"a\\r\\nb\" (expected: a host name, IPv4 or [IPv6] literal,"
                + " without port)"),
        row("respond status out of range",
            outRoute("respond: {status: 199}"),
            OR + "respond.status: 199 (expected: 200-599)"),
        row("respond without status",
            outRoute("respond: {body: x}"),
            OR + "respond.status: missing (expected: 200-599)"),
        row("respond header value with LF",
            inRoute("respond: {status: 200, headers: {location: \"/x\\nSet-Cookie: a\"}}"),
            IR + "respond.headers.location: \"/x\\nSet-Cookie: a\" (expected: no CR, LF or NUL)"),

        // ------------------------------------------------------------ route modifiers
        row("rewrite with prefix and regex",
            outRoute("match: {prefix: /a}\nto: a\nrewrite: {prefix: /b, regex: x, substitution: y}"),
            OR + "rewrite: both prefix and regex set (expected: at most one)"),
        row("rewrite regex without substitution",
            outRoute("to: a\nrewrite: {regex: x}"),
            OR + "rewrite.substitution: missing (expected: the replacement, with regex)"),
        row("rewrite substitution naming a missing group",
            outRoute("to: a\nrewrite: {regex: \"/(a)\", substitution: \"\\\\2\"}"),
            OR + "rewrite.substitution: \"\\\\2\" (expected: group references up to \\1, the"
                + " regex's group count)"),
        row("rewrite prefix without a prefix match",
            outRoute("to: a\nrewrite: {prefix: /b}"),
            OR + "rewrite.prefix: \"/b\" (expected: only on a route matching prefix, path or"
                + " path_separated_prefix)"),
        row("rewrite host",
            outRoute("to: a\nrewrite: {host: \"a:0\"}"),
            OR + "rewrite.host: \"a:0\" (expected: host or host:port, port 1-65535)"),
        row("empty rewrite",
            outRoute("to: a\nrewrite: {}"),
            OR + "rewrite: changes nothing (expected at least one of: prefix, regex +"
                + " substitution, host)"),
        row("forwarding settings on a route that does not forward",
            outRoute("respond: {status: 200}\ntimeout: 1s\nretry: {attempts: 3}\n"
                + "mirror: {cluster: a}\nrewrite: {host: x}"),
            OR + "rewrite: not allowed with respond (expected: only on routes with to or split)",
            OR + "timeout: not allowed with respond (expected: only on routes with to or split)",
            OR + "retry: not allowed with respond (expected: only on routes with to or split)",
            OR + "mirror: not allowed with respond (expected: only on routes with to or split)"),
        row("route timeout zero",
            outRoute("to: a\ntimeout: 0s"),
            OR + "timeout: 0s (expected: a duration > 0)"),
        row("route retry override out of range",
            outRoute("to: a\nretry: {attempts: 0, retriable_status_codes: [99], per_try_timeout: 0s}"),
            OR + "retry.attempts: 0 (expected: 1-10)",
            OR + "retry.retriable_status_codes[0]: 99 (expected: 100-599)",
            OR + "retry.per_try_timeout: 0s (expected: a duration > 0)"),
        row("retry budget off in a route override",
            outRoute("to: a\nretry: {budget: off}"),
            OR + "retry.budget: false (expected: a map; a retry budget can be turned off only in"
                + " the cluster's retry policy)"),
        row("mirror percent and cluster",
            outRoute("to: a\nmirror: {cluster: c, percent: 101}"),
            OR + "mirror.cluster: \"c\" (expected: one of the clusters: a, b)",
            OR + "mirror.percent: 101 (expected: 0-100)"),
        row("mirror without cluster",
            outRoute("to: a\nmirror: {percent: 5}"),
            OR + "mirror.cluster: missing (expected: a cluster name)"),
        row("fault out of range",
            outRoute("to: a\nfault: {delay: {fixed: 0s, percent: -1}, abort: {status: 600,"
                + " percent: 100.5}}"),
            OR + "fault.delay.fixed: 0s (expected: a duration > 0)",
            OR + "fault.delay.percent: -1 (expected: 0-100)",
            OR + "fault.abort.status: 600 (expected: 200-599)",
            OR + "fault.abort.percent: 100.5 (expected: 0-100)"),
        row("fault without percent, status or delay",
            outRoute("to: a\nfault: {delay: {}, abort: {percent: 1}}"),
            OR + "fault.delay.percent: missing (expected: 0-100)",
            OR + "fault.abort.status: missing (expected: 200-599)",
            OR + "fault.delay.fixed: missing (expected: a duration > 0)"),
        row("empty fault",
            outRoute("to: a\nfault: {}"),
            OR + "fault: empty (expected at least one of: delay, abort)"),
        row("rate limit out of range",
            inRoute("rate_limit: {requests_per_second: 0, burst: 0}"),
            IR + "rate_limit.requests_per_second: 0 (expected: > 0)",
            IR + "rate_limit.burst: 0 (expected: >= 1)"),
        row("rate limit without rate",
            inRoute("rate_limit: {burst: 5}"),
            IR + "rate_limit.requests_per_second: missing (expected: > 0)"),
        row("per-client rate limit with two keys",
            inRoute("rate_limit: {requests_per_second: 1, key: {header: x-api-key, source: true}}"),
            IR + "rate_limit.key: more than one of: header, source (expected exactly one of:"
                + " header, source, principal)"),
        row("per-client rate limit with an empty key",
            inRoute("rate_limit: {requests_per_second: 1, key: {}}"),
            IR + "rate_limit.key: empty (expected exactly one of: header, source, principal)"),
        row("per-client rate limit keyed on source: false",
            inRoute("rate_limit: {requests_per_second: 1, key: {source: false}}"),
            IR + "rate_limit.key.source: false (expected: true)"),
        row("per-client rate limit on a bad header name",
            inRoute("rate_limit: {requests_per_second: 1, key: {header: \"x api\"}}"),
            IR + "rate_limit.key.header: \"x api\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)"),
        row("per-client rate limit with max_keys 0",
            inRoute("rate_limit: {requests_per_second: 1, key: {principal: true}, max_keys: 0}"),
            IR + "rate_limit.max_keys: 0 (expected: >= 1)"),
        row("per-client rate limit with an unknown key kind",
            inRoute("rate_limit: {requests_per_second: 1, key: {cookie: sid}}"),
            IR + "rate_limit.key.cookie: unknown key (expected one of: header, source, principal)",
            IR + "rate_limit.key: empty (expected exactly one of: header, source, principal)"),

        // ------------------------------------------------------------ inbound, propagate, admin
        row("concurrency limit with max below min",
            top("inbound: {concurrency_limit: {min: 10, max: 5}}"),
            "inbound.concurrency_limit.max: 5 (expected: >= min, 10)"),
        row("concurrency limit with min 0",
            top("inbound: {concurrency_limit: {min: 0}}"),
            "inbound.concurrency_limit.min: 0 (expected: >= 1)"),
        row("concurrency limit with an unknown algorithm",
            top("inbound: {concurrency_limit: {algorithm: aimd}}"),
            "inbound.concurrency_limit.algorithm: \"aimd\" (expected: gradient2 or vegas)"),
        row("concurrency limit that is not a map",
            top("inbound: {concurrency_limit: 100}"),
            "inbound.concurrency_limit: 100 (expected: a map)"),
        row("authz rule action",
            top("inbound: {authz: {rules: [{action: permit, match: {prefix: /}}]}}"),
            "inbound.authz.rules[0].action: \"permit\" (expected: allow or deny)"),
        row("authz rule without action or match",
            top("inbound: {authz: {rules: [{name: x}]}}"),
            "inbound.authz.rules[0].action: missing (expected: allow or deny)",
            "inbound.authz.rules[0].match: missing (expected: the requests this rule applies to)"),
        row("authz default action",
            top("inbound: {authz: {default_action: block}}"),
            "inbound.authz.default_action: \"block\" (expected: allow or deny)"),
        row("duplicate authz rule name",
            top("inbound: {authz: {rules: [{name: x, action: deny, match: {}},"
                + " {name: x, action: allow, match: {}}]}}"),
            "inbound.authz.rules[1].name: \"x\" (expected: a unique rule name; rules[0] has it"
                + " already)"),
        row("trusted proxy that is not a CIDR",
            top("inbound: {trusted_proxies: [proxy.local]}"),
            "inbound.trusted_proxies[0]: \"proxy.local\" (expected: an IP address or CIDR such as"
                + " 10.0.0.0/8; not an IPv4 or IPv6 address: proxy.local)"),
        row("health path without slash",
            top("inbound: {health_path: health}"),
            "inbound.health_path: \"health\" (expected: a path starting with /)"),
        row("unknown headers_with_underscores_action",
            top("inbound: {headers_with_underscores_action: drop}"),
            "inbound.headers_with_underscores_action: \"drop\" (expected: allow, drop_header or"
                + " reject_request)"),
        row("bad and duplicate propagate headers",
            top("propagate: {headers: [x-a, X-A, \"a b\"]}"),
            "propagate.headers[1]: \"x-a\" (expected: each header once)",
            "propagate.headers[2]: \"a b\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)"),
        row("bad, duplicate and doubly listed deadline headers",
            top("propagate: {headers: [grpc-timeout], deadline_headers: [x-ms, X-MS, \"a b\", grpc-timeout]}"),
            "propagate.deadline_headers[1]: \"x-ms\" (expected: each header once)",
            "propagate.deadline_headers[2]: \"a b\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)",
            "propagate.deadline_headers[3]: \"grpc-timeout\" is also in propagate.headers (expected:"
                + " one or the other; a deadline header is sent on with the time left, not copied)"),
        row("inbound timeout on a redirect",
            inRoute("match: {prefix: /}\nredirect: {path: /x}\ntimeout: 1s"),
            IR + "timeout: not allowed with redirect (expected: only on routes with pass, to or split)"),
        row("zero inbound pass timeout",
            inRoute("match: {prefix: /}\npass: {}\ntimeout: 0s"),
            IR + "timeout: 0s (expected: a duration > 0)"),
        row("admin allow_from that is not a CIDR",
            top("admin: {enabled: true, allow_from: [localhost]}"),
            "admin.allow_from[0]: \"localhost\" (expected: an IP address or CIDR such as"
                + " 10.0.0.0/8; not an IPv4 or IPv6 address: localhost)"),
        // ------------------------------------------------------------ identity_sources
        row("workload_api together with pem",
            top("identity_sources:\n  - name: w\n    pem: {cert_chain: /c, private_key: /k,"
                + " trust_bundle: /b}\n    workload_api: {}"),
            "identity_sources[0].workload_api: set with pem (expected: one of pem, workload_api)"),
        row("workload_api socket that is not a unix: address",
            top("identity_sources:\n  - name: w\n    workload_api: {socket: \"tcp://127.0.0.1:8081\"}"),
            "identity_sources[0].workload_api.socket: \"tcp://127.0.0.1:8081\" (expected:"
                + " unix:///absolute/path/to/socket)"),
        row("workload_api socket with a relative path",
            top("identity_sources:\n  - name: w\n    workload_api: {socket: \"unix:agent.sock\"}"),
            "identity_sources[0].workload_api.socket: \"unix:agent.sock\" (expected:"
                + " unix:///absolute/path/to/socket)"),
        row("workload_api socket with a host",
            top("identity_sources:\n  - name: w\n    workload_api: {socket: \"unix://host/agent.sock\"}"),
            "identity_sources[0].workload_api.socket: \"unix://host/agent.sock\" (expected:"
                + " unix:///absolute/path/to/socket)"),
        row("workload_api spiffe_id that is not a SPIFFE ID",
            top("identity_sources:\n  - name: w\n    workload_api: {spiffe_id: \"https://example.org/web\"}"),
            "identity_sources[0].workload_api.spiffe_id: \"https://example.org/web\" (expected:"
                + " spiffe://trust-domain/path)"),
        row("workload_api spiffe_id without a trust domain",
            top("identity_sources:\n  - name: w\n    workload_api: {spiffe_id: \"spiffe:///web\"}"),
            "identity_sources[0].workload_api.spiffe_id: \"spiffe:///web\" (expected:"
                + " spiffe://trust-domain/path)"),
        row("zero workload_api initial_timeout",
            top("identity_sources:\n  - name: w\n    workload_api: {initial_timeout: 0s}"),
            "identity_sources[0].workload_api.initial_timeout: 0s (expected: a duration > 0)"),
        row("unknown workload_api key",
            top("identity_sources:\n  - name: w\n    workload_api: {sokcet: \"unix:///a.sock\"}"),
            "identity_sources[0].workload_api.sokcet: unknown key (expected one of: socket,"
                + " spiffe_id, initial_timeout)"));
  }

  static Arguments row(String name, String yaml, String... errors) {
    return arguments(name, yaml, List.of(errors));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachMistakeIsReportedWithItsPathAndValue(String name, String yaml, List<String> expected) {
    assertThat(errorsOf(yaml)).containsExactlyElementsOf(expected);
  }

  private static final Pattern LINE_COLUMN = Pattern.compile("line (\\d+), column (\\d+)");

  /**
   * Every error that has a path also has a location, and it is a real position in the document:
   * a line it has, a column within that line (or just past its end).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyErrorWithAPathPointsIntoTheText(String name, String yaml, List<String> expected) {
    List<String> lines = yaml.lines().toList();
    for (ConfigError e : rejected(yaml).errors()) {
      if (e.path().isEmpty()) {
        assertThat(e.location()).as(e.toString()).isEmpty();
        continue;
      }
      Matcher m = LINE_COLUMN.matcher(e.location());
      assertThat(m.matches()).as("location of %s", e).isTrue();
      int line = Integer.parseInt(m.group(1));
      int column = Integer.parseInt(m.group(2));
      assertThat(line).as("line of %s", e).isBetween(1, lines.size());
      assertThat(column).as("column of %s", e).isBetween(1, lines.get(line - 1).length() + 1);
      assertThat(e.toString()).endsWith(" at " + e.location());
    }
  }
}
