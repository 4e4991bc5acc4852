package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.mesh4j.config.ActionConfig.Pass;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MeshConfigBuilderTest {

  static MeshConfigBuilder base() {
    return MeshConfig.builder()
        .service("frontend")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8081"))
        .cluster(c -> c.name("b").endpoint("127.0.0.1:8082"));
  }

  @Test
  void theConfigMdExampleBuiltInCodeEqualsTheOneReadFromYaml() {
    MeshConfig built = MeshConfig.builder()
        .service("frontend")
        .cluster(c -> c.name("inventory")
            .lb(LbPolicy.WEIGHTED_ROUND_ROBIN)
            .endpoint("127.0.0.1:8081", 5, "a")
            .endpoint("127.0.0.1:8082")
            .healthCheck(h -> h.path("/health")
                .interval(Duration.ofSeconds(5))
                .timeout(Duration.ofSeconds(1))
                .unhealthyThreshold(3)
                .healthyThreshold(2)
                .expectedStatuses(200, 299))
            .outlierDetection(o -> o.consecutive5xx(5)
                .consecutiveGatewayFailure(5)
                .baseEjectionTime(Duration.ofSeconds(30))
                .maxEjectionPercent(10)
                .maxEjectionTime(Duration.ofSeconds(300)))
            .circuitBreaker(cb -> cb.failureRateThreshold(50)
                .slowCallDuration(Duration.ofSeconds(2))
                .slidingWindow(100)
                .minimumCalls(20)
                .waitInOpen(Duration.ofSeconds(10))
                .maxConcurrentRequests(1024))
            .retry(r -> r.attempts(2)
                .retryOn(RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.RESET,
                    RetryOn.GATEWAY_ERROR)
                .retriableStatusCodes()
                .perTryTimeout(Duration.ofSeconds(1))
                .backoff(Duration.ofMillis(25), Duration.ofMillis(250))
                .budget(20, 10)
                .idempotentOnly(true))
            .timeout(Duration.ofSeconds(15))
            .panicThreshold(50)
            .slowStart(Duration.ZERO)
            .hashOnHeader("x-user-id"))
        .cluster(c -> c.name("inventory-v2").endpoint("127.0.0.1:8083"))
        .cluster(c -> c.name("inventory-shadow").endpoint("127.0.0.1:8084"))
        .outbound(vh -> vh.name("inventory")
            .domains("inventory", "*.inventory.internal")
            .route(r -> r.name("canary-by-header")
                .prefix("/api/")
                .caseSensitive(true)
                .methods("GET", "HEAD")
                .header("x-canary", "true")
                .queryPresent("debug")
                .source("10.0.0.0/8")
                .to("inventory-v2"))
            .route(r -> r.name("split")
                .prefix("/")
                .split("inventory", 90)
                .split("inventory-v2", 10)
                .rewritePrefix("/v2/")
                .addHeader("x-mesh-route", "split")
                .removeHeader("x-debug")
                .timeout(Duration.ofSeconds(2))
                .retry(rt -> rt.attempts(3))
                .mirror("inventory-shadow", 5)
                .faultDelay(Duration.ofMillis(100), 1)
                .faultAbort(503, 0.1)))
        .outbound(vh -> vh.name("legacy")
            .domains("*")
            .route(r -> r.name("old").prefix("/old/").redirect(rd -> rd.path("/").code(302)))
            .route(r -> r.name("maintenance")
                .path("/admin")
                .methods("DELETE")
                .respond(503, "maintenance", Map.of("retry-after", "30"))))
        .inbound(vh -> vh.name("self")
            .domains("*")
            .route(r -> r.name("moved").prefix("/v1/").redirect(rd -> rd.prefixRewrite("/v2/")
                .code(301)))
            .route(r -> r.name("app").prefix("/").pass().rateLimit(200, 400)))
        .authz(a -> a.defaultAction(AuthzConfig.Action.ALLOW)
            .rule(rule -> rule.deny().prefix("/internal/").source("0.0.0.0/0")))
        .propagate("x-request-id", "traceparent", "tracestate", "baggage", "x-canary")
        .admin(ad -> ad.enabled(false).allowFrom("127.0.0.1/32", "::1/128"))
        .build();

    assertThat(built).isEqualTo(ConfigLoader.loadResource(ConfigLoaderTest.EXAMPLE));
  }

  @Test
  void theBriefsExampleBuildsWithDefaultsLikeAFile() {
    MeshConfig built = MeshConfig.builder()
        .service("frontend")
        .cluster(c -> c.name("inventory")
            .endpoint("127.0.0.1:8081", 5)
            .endpoint("127.0.0.1:8082")
            .healthCheck(h -> h.path("/health").interval(Duration.ofSeconds(5))))
        .cluster(c -> c.name("inventory-v2").endpoint("[::1]:8083"))
        .outbound(vh -> vh.name("inventory").domains("inventory")
            .route(r -> r.name("api").prefix("/api/").header("x-canary", "true")
                .to("inventory-v2")))
        .build();

    assertThat(built).isEqualTo(ConfigLoader.load("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints:
              - { address: 127.0.0.1:8081, weight: 5 }
              - 127.0.0.1:8082
            health_check: { path: /health, interval: 5s }
          - name: inventory-v2
            endpoints: ["[::1]:8083"]
        outbound:
          virtual_hosts:
            - name: inventory
              domains: [inventory]
              routes:
                - name: api
                  match: { prefix: /api/, headers: [{ name: x-canary, exact: "true" }] }
                  to: inventory-v2
        """));
  }

  @Test
  void unnamedRoutesDefaultDomainsAndInboundPassMatchTheFileFormat() {
    MeshConfig built = base()
        .outbound(vh -> vh.name("Api").route(r -> r.to("a")).route(r -> r.to("b")))
        .inbound(vh -> vh.name("self").domains("*").route(r -> r.prefix("/")))
        .build();

    assertThat(built).isEqualTo(ConfigLoader.load("""
        version: 1
        service: frontend
        clusters:
          - { name: a, endpoints: [127.0.0.1:8081] }
          - { name: b, endpoints: [127.0.0.1:8082] }
        outbound:
          virtual_hosts:
            - name: Api
              routes: [{ to: a }, { to: b }]
        inbound:
          virtual_hosts:
            - { name: self, domains: ["*"], routes: [{ match: { prefix: / } }] }
        """));
    RouteConfig second = built.outbound().virtualHosts().get(0).routes().get(1);
    assertThat(second.name()).isEqualTo("routes[1]");
    assertThat(built.outbound().virtualHosts().get(0).domains()).containsExactly("api");
    assertThat(built.inbound().virtualHosts().get(0).routes().get(0).action())
        .isEqualTo(Pass.INSTANCE);
  }

  @Test
  void budgetOffAndBackoffFromBaseMatchTheFileFormat() {
    MeshConfig built = base()
        .cluster(c -> c.name("c").retry(r -> r.budgetOff().backoff(Duration.ofMillis(100))))
        .build();

    RetryConfig retry = built.cluster("c").retry();
    assertThat(retry.budget()).isNull();
    assertThat(retry.backoff())
        .isEqualTo(new RetryConfig.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
    assertThat(retry).isEqualTo(ConfigLoader.load("""
        version: 1
        service: s
        clusters: [{ name: c, retry: { budget: off, backoff: { base: 100ms } } }]
        """).cluster("c").retry());
  }

  // ------------------------------------------------------------------ early rejection

  static Stream<Arguments> badSingleValues() {
    return Stream.of(
        bad("service name", b -> b.service("front end"),
            "service: \"front end\" (expected: letters, digits and . _ - | :)"),
        bad("cluster name", b -> b.cluster(c -> c.name("a/b")),
            "name: \"a/b\" (expected: letters, digits and . _ - | :)"),
        bad("weight 0", b -> b.cluster(c -> c.endpoint("127.0.0.1:80", 0)),
            "weight: 0 (expected: 1-10000)"),
        bad("endpoint without port", b -> b.cluster(c -> c.endpoint("localhost")),
            "\"localhost\" (expected: host:port)"),
        bad("endpoint port 0", b -> b.cluster(c -> c.endpoint("localhost:0")),
            "address: \"localhost:0\" (expected: port 1-65535)"),
        bad("endpoint bad host", b -> b.cluster(c -> c.endpoint("a b:80")),
            "address: \"a b:80\" (expected: host:port with an IPv4, [IPv6] or DNS host)"),
        bad("zero timeout", b -> b.cluster(c -> c.timeout(Duration.ZERO)),
            "timeout: 0s (expected: a duration > 0)"),
        bad("negative slow start", b -> b.cluster(c -> c.slowStart(Duration.ofSeconds(-1))),
            "slow_start: -1s (expected: a duration >= 0)"),
        bad("sub-millisecond duration",
            b -> b.cluster(c -> c.timeout(Duration.ofNanos(1_500_000))),
            "timeout: 1500000ns (expected: a whole number of milliseconds)"),
        bad("panic threshold", b -> b.cluster(c -> c.panicThreshold(101)),
            "panic_threshold: 101 (expected: 0-100)"),
        bad("health check path", b -> b.cluster(c -> c.healthCheck(h -> h.path("health"))),
            "path: \"health\" (expected: a path starting with /)"),
        bad("reversed status range",
            b -> b.cluster(c -> c.healthCheck(h -> h.expectedStatuses(299, 200))),
            "expected_statuses: 299-200 (expected: a range from low to high, e.g. 200-299)"),
        bad("retry attempts", b -> b.cluster(c -> c.retry(r -> r.attempts(11))),
            "attempts: 11 (expected: 1-10)"),
        bad("backoff max under base",
            b -> b.cluster(c -> c.retry(r -> r.backoff(Duration.ofSeconds(1),
                Duration.ofMillis(10)))),
            "backoff.max: 10ms (expected: at least base, 1s)"),
        bad("circuit breaker threshold",
            b -> b.cluster(c -> c.circuitBreaker(cb -> cb.failureRateThreshold(0))),
            "failure_rate_threshold: 0 (expected: 1-100)"),
        bad("domain", b -> b.outbound(vh -> vh.domains("a:80")),
            "domains: \"a:80\" (expected: a host name, *.suffix, prefix.* or *; no port)"),
        bad("prefix without slash", b -> b.outbound(vh -> vh.route(r -> r.prefix("api"))),
            "prefix: \"api\" (expected: a path starting with /)"),
        bad("regex", b -> b.outbound(vh -> vh.route(r -> r.regex("("))),
            "regex: \"(\" (expected: a valid regex; Unclosed group at index 1)"),
        bad("method", b -> b.outbound(vh -> vh.route(r -> r.methods("GE T"))),
            "methods: \"GE T\" (expected: an HTTP method such as GET)"),
        bad("header value with CR LF",
            b -> b.outbound(vh -> vh.route(r -> r.header("x", "a\r\nb"))),
            "exact: \"a\\r\\nb\" (expected: no CR, LF or NUL)"),
        bad("added header value with LF",
            b -> b.outbound(vh -> vh.route(r -> r.addHeader("x", "a\nb"))),
            "headers.add.x: \"a\\nb\" (expected: no CR, LF or NUL)"),
        bad("respond header value with NUL",
            b -> b.inbound(vh -> vh.route(r -> r.respond(200, "", Map.of("x", "\0")))),
            "respond.headers.x: \"\\u0000\" (expected: no CR, LF or NUL)"),
        bad("source CIDR", b -> b.outbound(vh -> vh.route(r -> r.source("10.0.0.0/33"))),
            "source: \"10.0.0.0/33\" (expected: an IP address or CIDR such as 10.0.0.0/8;"
                + " prefix length 33 exceeds 32)"),
        bad("redirect code", b -> b.outbound(vh -> vh.route(r -> r.redirect(rd -> rd.code(300)))),
            "redirect.code: 300 (expected: 301, 302, 303, 307 or 308)"),
        bad("respond status", b -> b.outbound(vh -> vh.route(r -> r.respond(100))),
            "respond.status: 100 (expected: 200-599)"),
        bad("mirror percent", b -> b.outbound(vh -> vh.route(r -> r.mirror("a", 101))),
            "mirror.percent: 101 (expected: 0-100)"),
        bad("fault abort status",
            b -> b.outbound(vh -> vh.route(r -> r.faultAbort(600, 1))),
            "fault.abort.status: 600 (expected: 200-599)"),
        bad("rate", b -> b.inbound(vh -> vh.route(r -> r.rateLimit(0))),
            "rate_limit.requests_per_second: 0 (expected: > 0)"),
        bad("trusted proxy", b -> b.trustedProxies("proxy"),
            "trusted_proxies: \"proxy\" (expected: an IP address or CIDR such as 10.0.0.0/8;"
                + " not an IPv4 or IPv6 address: proxy)"),
        bad("propagate header", b -> b.propagate("a b"),
            "propagate.headers: \"a b\" (expected: a header name: letters, digits and"
                + " !#$%&'*+-.^_`|~)"));
  }

  static Arguments bad(String name, Consumer<MeshConfigBuilder> misuse, String message) {
    return arguments(name, misuse, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSingleValues")
  void aBadSingleValueIsRejectedAtTheSetter(
      String name, Consumer<MeshConfigBuilder> misuse, String message) {
    assertThatThrownBy(() -> misuse.accept(MeshConfig.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> conflictingChoices() {
    return Stream.of(
        bad("a second path condition",
            b -> b.outbound(vh -> vh.route(r -> r.prefix("/a").path("/b"))),
            "path: the path condition was already set to prefix \"/a\""),
        bad("a second action", b -> b.outbound(vh -> vh.route(r -> r.to("a").respond(200))),
            "respond: the route's action was already set to to"),
        bad("an action after a split",
            b -> b.outbound(vh -> vh.route(r -> r.split("a", 1).to("b"))),
            "to: the route's action was already set to split"),
        bad("a second header comparison",
            b -> b.outbound(vh -> vh.route(r -> r.header("x", h -> h.exact("a").prefix("b")))),
            "prefix: the header condition was already set to exact"),
        bad("a header condition without comparison",
            b -> b.outbound(vh -> vh.route(r -> r.header("x", h -> h.invert()))),
            "headers: no condition for \"x\" (expected exactly one of: exact, prefix, suffix,"
                + " contains, regex, present)"),
        bad("rewrite prefix and regex",
            b -> b.outbound(vh -> vh.route(r -> r.rewriteRegex("a", "b").rewritePrefix("/c"))),
            "rewrite.prefix: the rewrite already uses regex"),
        bad("redirect path and prefix_rewrite",
            b -> b.outbound(vh -> vh.route(r -> r.redirect(rd -> rd.path("/a")
                .prefixRewrite("/b")))),
            "redirect.prefix_rewrite: path was already set"),
        bad("budget off in a route override",
            b -> b.outbound(vh -> vh.route(r -> r.retry(RetryBuilderCalls::budgetOff))),
            "budget: a retry budget can be turned off only in the cluster's retry policy"),
        bad("authz set twice", b -> b.authz(a -> { }).authz(a -> { }),
            "authz was already set"));
  }

  /** Method references for the table above. */
  static final class RetryBuilderCalls {
    static void budgetOff(MeshConfigBuilder.RetryBuilder r) {
      r.budgetOff();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conflictingChoices")
  void aConflictingSecondChoiceIsRejectedAtOnce(
      String name, Consumer<MeshConfigBuilder> misuse, String message) {
    assertThatThrownBy(() -> misuse.accept(MeshConfig.builder()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(message);
  }

  // ------------------------------------------------------------------ build()

  @Test
  void peakEwmaSetsThePolicyAndItsDecayTimeAndTheBarePolicyTakesTheDefault() {
    MeshConfig config = MeshConfig.builder().service("s")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8081").peakEwma(Duration.ofSeconds(3)))
        .cluster(c -> c.name("b").endpoint("127.0.0.1:8082").lb(LbPolicy.PEAK_EWMA))
        .build();

    assertThat(config.clusters().get(0).lb()).isEqualTo(LbPolicy.PEAK_EWMA);
    assertThat(config.clusters().get(0).peakEwma()).isEqualTo(new PeakEwmaConfig(Duration.ofSeconds(3)));
    assertThat(config.clusters().get(1).peakEwma()).isEqualTo(PeakEwmaConfig.DEFAULT);
    assertThat(PeakEwmaConfig.DEFAULT.decayTime()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void peakEwmaRejectsANonPositiveDecayTimeAtTheSetterAndAnotherLbAtBuild() {
    assertThatThrownBy(() -> MeshConfig.builder().cluster(c -> c.peakEwma(Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peak_ewma.decay_time: 0s");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MeshConfig.builder()
        .service("s")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8081").peakEwma(Duration.ofSeconds(3))
            .lb(LbPolicy.RANDOM))
        .build());
    assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(
        "clusters[0].peak_ewma: set, but lb is random (expected: only with lb: peak_ewma)");
  }


  @Test
  void buildReportsEveryCrossFieldProblemWithFilePaths() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MeshConfig.builder()
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8081").endpoint("127.0.0.1:8081"))
        .cluster(c -> c.name("a").lb(LbPolicy.RING_HASH)
            .healthCheck(h -> h.interval(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2))))
        .cluster(c -> c.endpoint("127.0.0.1:8083"))
        .outbound(vh -> vh.name("v").route(r -> r.prefix("/").to("nope")))
        .outbound(vh -> vh.name("w").domains("V").route(r -> r.regex("/x").redirect(
            rd -> rd.prefixRewrite("/y"))))
        .inbound(vh -> vh.name("self").route(r -> r.to("nope")))
        .authz(a -> a.rule(rule -> rule.prefix("/")))
        .build());

    assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(
        "service: missing (expected: this service's name: letters, digits and . _ - | :)",
        "clusters[0].endpoints[1].address: \"127.0.0.1:8081\" (expected: each endpoint once;"
            + " endpoints[0] has it already)",
        "clusters[1].health_check.timeout: 2s (expected: at most interval, 1s)",
        "clusters[1].name: \"a\" (expected: a unique cluster name; clusters[0] has it already)",
        "clusters[2].name: missing (expected: letters, digits and . _ - | :)",
        "outbound.virtual_hosts[0].routes[0].to: \"nope\" (expected: one of the clusters: a)",
        "outbound.virtual_hosts[1].domains[0]: \"v\" (expected: a domain in only one virtual"
            + " host; virtual_hosts[0].domains[0] has it already)",
        "outbound.virtual_hosts[1].routes[0].redirect.prefix_rewrite: \"/y\" (expected: only on a"
            + " route matching prefix, path or path_separated_prefix)",
        "inbound.virtual_hosts[0].routes[0].to: \"nope\" (expected: one of the clusters: a)",
        "inbound.authz.rules[0].action: missing (expected: allow or deny)");
  }

  @Test
  void anOutboundRouteWithoutActionFailsAtBuild() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> base().outbound(vh -> vh.name("v").route(r -> r.prefix("/"))).build());

    assertThat(e.errors()).containsExactly(new ConfigError("outbound.virtual_hosts[0].routes[0]",
        "no action (expected exactly one of: to, split, redirect, respond)"));
  }

  @Test
  void buildCanBeCalledAgainAndGivesEqualConfigs() {
    MeshConfigBuilder b = base();
    assertThat(b.build()).isEqualTo(b.build());
  }

  @Test
  void aNullArgumentIsANullPointerExceptionNamingIt() {
    assertThatThrownBy(() -> MeshConfig.builder().service(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("service");
    assertThatThrownBy(() -> MeshConfig.builder().cluster(c -> c.endpoint(null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("address");
  }

  @Test
  void theBuiltConfigIsImmutable() {
    MeshConfig config = base().build();
    assertThatThrownBy(() -> config.clusters().add(config.clusters().get(0)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(List.copyOf(config.clusters())).hasSize(2);
  }

  @Test
  void anInboundCanarySplitWithTheLocalApplicationBuiltInCodeEqualsTheOneReadFromYaml() {
    MeshConfig built = base()
        .inbound(vh -> vh.name("self")
            .route(r -> r.name("v2").prefix("/v2/").to("b").timeout(Duration.ofSeconds(3)))
            .route(r -> r.name("canary").prefix("/").splitLocal(95).split("a", 5)))
        .build();
    MeshConfig read = ConfigLoader.load("""
        version: 1
        service: frontend
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
          - name: b
            endpoints: [127.0.0.1:8082]
        inbound:
          virtual_hosts:
            - name: self
              routes:
                - name: v2
                  match: {prefix: /v2/}
                  to: b
                  timeout: 3s
                - name: canary
                  match: {prefix: /}
                  split:
                    - {local: true, weight: 95}
                    - {cluster: a, weight: 5}
        """);

    assertThat(built.inbound()).isEqualTo(read.inbound());
    assertThat(read.inbound().virtualHosts().get(0).routes().get(1).action())
        .isEqualTo(new ActionConfig.Split(List.of(
            new ActionConfig.WeightedCluster(null, 95, true),
            new ActionConfig.WeightedCluster("a", 5, false))));
  }
}
