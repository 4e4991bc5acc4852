package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.config.ActionConfig.Forward;
import io.mesh4j.config.ActionConfig.Pass;
import io.mesh4j.config.ActionConfig.Redirect;
import io.mesh4j.config.ActionConfig.Respond;
import io.mesh4j.config.ActionConfig.Split;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  static final String EXAMPLE = "io/mesh4j/config/config-md-example.yaml";
  static final String VERBATIM = "io/mesh4j/config/config-md-example-verbatim.yaml";

  static List<String> errorsOf(Runnable load) {
    ConfigException e = catchThrowableOfType(ConfigException.class, load::run);
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.errors().stream().map(ConfigError::toString).toList();
  }

  static MatchConfig prefix(String prefix) {
    return new MatchConfig(
        PathMatchKind.PREFIX, prefix, true, Set.of(), List.of(), List.of(), List.of(), List.of(), null);
  }

  static ClusterConfig plainCluster(String name, String host, int port) {
    return new ClusterConfig(
        name, LbPolicy.WEIGHTED_ROUND_ROBIN, List.of(new EndpointConfig(host, port, 1, null)), null,
        null, null, RetryConfig.DEFAULT, Duration.ofSeconds(15), 50, Duration.ZERO, null, null, null, null, null);
  }

  /** CONFIG.md's example as the model, every default spelled out. */
  static MeshConfig configMdExample() {
    ClusterConfig inventory = new ClusterConfig(
        "inventory",
        LbPolicy.WEIGHTED_ROUND_ROBIN,
        List.of(
            new EndpointConfig("127.0.0.1", 8081, 5, "a"),
            new EndpointConfig("127.0.0.1", 8082, 1, null)),
        new HealthCheckConfig("http", "/health", Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 2,
            List.of(new StatusRange(200, 299))),
        new OutlierDetectionConfig(5, 5, Duration.ofSeconds(30), 10, Duration.ofSeconds(300), true),
        new CircuitBreakerConfig(50, Duration.ofSeconds(2), 100, 100, 20, Duration.ofSeconds(10),
            1024),
        new RetryConfig(
            2,
            Set.of(RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.RESET,
                RetryOn.GATEWAY_ERROR),
            List.of(),
            Duration.ofSeconds(1),
            new RetryConfig.Backoff(Duration.ofMillis(25), Duration.ofMillis(250)),
            new RetryConfig.Budget(20, 10),
            true),
        Duration.ofSeconds(15),
        50,
        Duration.ZERO,
        new HashOnConfig(HashOnConfig.Kind.HEADER, "x-user-id"), null, null, null, null);

    RouteConfig canary = new RouteConfig(
        "canary-by-header",
        new MatchConfig(
            PathMatchKind.PREFIX, "/api/", true, Set.of("GET", "HEAD"),
            List.of(new HeaderMatchConfig("x-canary", HeaderMatchConfig.Kind.EXACT, "true", true,
                false)),
            List.of(new QueryMatchConfig("debug", QueryMatchConfig.Kind.PRESENT, null, true)),
            List.of(Cidr.parse("10.0.0.0/8")),
            List.of(), null),
        new Forward("inventory-v2"), null, null, null, null, null, null, null, null, null, null);
    RouteConfig split = new RouteConfig(
        "split",
        prefix("/"),
        new Split(List.of(new WeightedCluster("inventory", 90, false),
            new WeightedCluster("inventory-v2", 10, false))),
        new RewriteConfig("/v2/", null, null, null),
        new HeadersConfig(Map.of("x-mesh-route", "split"), List.of("x-debug")),
        Duration.ofSeconds(2),
        new RetryOverride(3, null, null, null, null, null, null),
        new MirrorConfig("inventory-shadow", 5),
        new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(100), 1),
            new FaultConfig.Abort(503, 0.1)),
        null, null, null, null);
    RouteConfig old = new RouteConfig("old", prefix("/old/"),
        new Redirect(null, null, null, "/", null, false, 302),
        null, null, null, null, null, null, null, null, null, null);
    RouteConfig maintenance = new RouteConfig(
        "maintenance",
        new MatchConfig(PathMatchKind.PATH, "/admin", true, Set.of("DELETE"), List.of(), List.of(),
            List.of(), List.of(), null),
        new Respond(503, "maintenance", Map.of("retry-after", "30")),
        null, null, null, null, null, null, null, null, null, null);
    RouteConfig moved = new RouteConfig("moved", prefix("/v1/"),
        new Redirect(null, null, null, null, "/v2/", false, 301),
        null, null, null, null, null, null, null, null, null, null);
    RouteConfig app = new RouteConfig("app", prefix("/"), Pass.INSTANCE,
        null, null, null, null, null, null, new RateLimitConfig(200, 400, null, RateLimitConfig.DEFAULT_MAX_KEYS), null, null, null);
    return new MeshConfig(
        1,
        "frontend",
        List.of(inventory,
            plainCluster("inventory-v2", "127.0.0.1", 8083),
            plainCluster("inventory-shadow", "127.0.0.1", 8084)),
        new OutboundConfig(List.of(
            new VirtualHostConfig("inventory", List.of("inventory", "*.inventory.internal"),
                List.of(canary, split), null),
            new VirtualHostConfig("legacy", List.of("*"), List.of(old, maintenance), null))),
        new InboundConfig(
            List.of(new VirtualHostConfig("self", List.of("*"), List.of(moved, app), null)),
            new AuthzConfig(AuthzConfig.Action.ALLOW, List.of(new AuthzConfig.Rule(
                "rules[0]", AuthzConfig.Action.DENY,
                new MatchConfig(PathMatchKind.PREFIX, "/internal/", true, Set.of(), List.of(),
                    List.of(), List.of(Cidr.parse("0.0.0.0/0")), List.of(), null)))),
            List.of(),
            "/mesh/health"),
        new PropagateConfig(List.of("x-request-id", "traceparent", "tracestate", "baggage",
            "x-canary"), List.of()),
        new AdminConfig(false, List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")), List.of()), null, null, null);
  }

  // ------------------------------------------------------------------ the reference example

  @Test
  void theConfigMdExampleLoadsWithEveryDefaultApplied() {
    MeshConfig config = ConfigLoader.loadResource(EXAMPLE);

    assertThat(config).isEqualTo(configMdExample());
    // Spot checks that read like the spec, in case the expected model above shares a mistake.
    assertThat(config.cluster("inventory").circuitBreaker().maxConcurrentRequests()).isEqualTo(1024);
    assertThat(config.cluster("inventory-v2").retry()).isEqualTo(RetryConfig.DEFAULT);
    assertThat(config.cluster("inventory-v2").timeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(config.cluster("inventory-v2").healthCheck()).isNull();
    assertThat(config.inbound().virtualHosts().get(0).routes().get(0).action())
        .isEqualTo(new Redirect(null, null, null, null, "/v2/", false, 301));
  }

  @Test
  void theVerbatimConfigMdExampleIsRejectedOnlyForTheClustersItNeverDefines() {
    assertThat(errorsOf(() -> ConfigLoader.loadResource(VERBATIM))).containsExactly(
        "outbound.virtual_hosts[0].routes[0].to: \"inventory-v2\" (expected: one of the clusters:"
            + " inventory) at classpath:io/mesh4j/config/config-md-example-verbatim.yaml:60:13",
        "outbound.virtual_hosts[0].routes[1].split[1].cluster: \"inventory-v2\" (expected: one of"
            + " the clusters: inventory) at classpath:io/mesh4j/config/config-md-example-verbatim.yaml:65:24",
        "outbound.virtual_hosts[0].routes[1].mirror.cluster: \"inventory-shadow\" (expected: one"
            + " of the clusters: inventory) at classpath:io/mesh4j/config/config-md-example-verbatim.yaml:70:28");
  }

  @Test
  void hashOnWithoutRingHashIsAWarningNotAnError() {
    MeshConfig config = ConfigLoader.loadResource(EXAMPLE);

    assertThat(ConfigValidator.validate(config)).isEmpty();
    assertThat(ConfigValidator.warnings(config)).containsExactly(new ConfigError(
        "clusters[0].hash_on",
        "ignored: lb is weighted_round_robin (hash_on applies only with lb: ring_hash)"));
  }

  // ------------------------------------------------------------------ sources

  @Test
  void aFileAStreamAReaderAndAStringGiveTheSameConfig(@TempDir Path dir) throws IOException {
    String yaml;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(EXAMPLE)) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path file = Files.writeString(dir.resolve("mesh.yaml"), yaml);
    MeshConfig expected = configMdExample();

    assertThat(ConfigLoader.load(file)).isEqualTo(expected);
    assertThat(ConfigLoader.load(yaml)).isEqualTo(expected);
    assertThat(ConfigLoader.load(new StringReader(yaml))).isEqualTo(expected);
    assertThat(ConfigLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(expected);
    assertThat(ConfigLoader.loadResource("/" + EXAMPLE)).isEqualTo(expected);
    assertThat(ConfigLoader.load("\uFEFF" + yaml)).as("a byte-order mark is ignored")
        .isEqualTo(expected);
  }

  @Test
  void aMissingFileIsAConfigExceptionNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> ConfigLoader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid mesh4j config " + missing + " (1 error):\n  cannot read " + missing
            + ": no such file");
  }

  @Test
  void aDirectoryIsAConfigException(@TempDir Path dir) {
    assertThat(errorsOf(() -> ConfigLoader.load(dir))).singleElement().asString()
        .startsWith("cannot read " + dir + ": ");
  }

  @Test
  void aMissingResourceIsAConfigException() {
    assertThat(errorsOf(() -> ConfigLoader.loadResource("nope/mesh.yaml")))
        .containsExactly("classpath resource not found: nope/mesh.yaml");
  }

  @Test
  void aFailingStreamIsAConfigException() {
    InputStream failing = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("disk on fire");
      }
    };
    assertThat(errorsOf(() -> ConfigLoader.load(failing)))
        .containsExactly("cannot read the config stream: java.io.IOException: disk on fire");
  }

  @Test
  void invalidUtf8IsAConfigException() {
    byte[] bytes = {'v', 'e', 'r', ':', ' ', (byte) 0xC3, (byte) 0x28};
    assertThat(errorsOf(() -> ConfigLoader.load(new ByteArrayInputStream(bytes))))
        .containsExactly("not valid UTF-8 (expected: UTF-8 text)");
  }

  // ------------------------------------------------------------------ JSON

  static final String SMALL_YAML = """
      version: 1
      service: frontend
      clusters:
        - name: inventory
          lb: least_request
          endpoints:
            - { address: "[::1]:8081", weight: 3 }
            - inventory.internal:8082
          retry: { attempts: 3, budget: off, backoff: { base: 100ms } }
      outbound:
        virtual_hosts:
          - name: Inventory
            routes:
              - match: { path_separated_prefix: /api, methods: [get], headers: [{ name: X-A, present: false }] }
                to: inventory
      inbound:
        trusted_proxies: [10.0.0.0/8, "::1"]
        health_path: /healthz
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - match: { prefix: /internal/, principals: ["spiffe://cluster.local/*"] }
      """;

  static final String SMALL_JSON = """
      {
      \t"version": 1,
      \t"service": "frontend",
      \t"clusters": [{
      \t\t"name": "inventory", "lb": "least_request",
      \t\t"endpoints": [{"address": "[::1]:8081", "weight": 3}, "inventory.internal:8082"],
      \t\t"retry": {"attempts": 3, "budget": false, "backoff": {"base": "100ms"}}
      \t}],
      \t"outbound": {"virtual_hosts": [{"name": "Inventory", "routes": [{
      \t\t"match": {"path_separated_prefix": "/api", "methods": ["get"],
      \t\t          "headers": [{"name": "X-A", "present": false}]},
      \t\t"to": "inventory"}]}]},
      \t"inbound": {"trusted_proxies": ["10.0.0.0/8", "::1"], "health_path": "/healthz",
      \t\t"virtual_hosts": [{"name": "self", "domains": ["*"], "routes": [
      \t\t\t{"match": {"prefix": "/internal/", "principals": ["spiffe://cluster.local/*"]}}]}]}
      }
      """;

  @Test
  void jsonWithTabsLoadsToTheSameConfigAsYaml() {
    assertThat(ConfigLoader.load(SMALL_JSON)).isEqualTo(ConfigLoader.load(SMALL_YAML));
  }

  @Test
  void theSmallConfigNormalizesNamesAndAppliesDefaults() {
    MeshConfig c = ConfigLoader.load(SMALL_YAML);

    ClusterConfig inventory = c.cluster("inventory");
    assertThat(inventory.endpoints()).containsExactly(
        new EndpointConfig("::1", 8081, 3, null),
        new EndpointConfig("inventory.internal", 8082, 1, null));
    assertThat(inventory.retry().budget()).as("budget: off").isNull();
    assertThat(inventory.retry().backoff()).as("max defaults to 10 x base, as in Envoy")
        .isEqualTo(new RetryConfig.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
    VirtualHostConfig vh = c.outbound().virtualHosts().get(0);
    assertThat(vh.domains()).as("domains default to the lower-cased name")
        .containsExactly("inventory");
    RouteConfig route = vh.routes().get(0);
    assertThat(route.name()).isEqualTo("routes[0]");
    assertThat(route.match().methods()).containsExactly("GET");
    assertThat(route.match().headers()).containsExactly(
        new HeaderMatchConfig("x-a", HeaderMatchConfig.Kind.PRESENT, null, false, false));
    assertThat(c.inbound().trustedProxies())
        .containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128"));
    assertThat(c.inbound().healthPath()).isEqualTo("/healthz");
    RouteConfig inbound = c.inbound().virtualHosts().get(0).routes().get(0);
    assertThat(inbound.action()).as("an inbound route without action passes")
        .isEqualTo(Pass.INSTANCE);
    assertThat(inbound.match().principals()).containsExactly("spiffe://cluster.local/*");
  }

  @Test
  void yamlFlowStyleThatIsNotJsonStillLoads() {
    MeshConfig c = ConfigLoader.load("{version: 1, service: s, admin: {enabled: true,"
        + " allow_from: [::1/128, ::ffff:10.0.0.1, 10.1.0.0/16]}}");

    assertThat(c.admin()).isEqualTo(new AdminConfig(true, List.of(
        Cidr.parse("::1/128"), Cidr.parse("::ffff:10.0.0.1"), Cidr.parse("10.1.0.0/16")), List.of()));
  }

  @Test
  void anIpv6ColonThatStartsAFlowScalarKeepsItsColumnInLaterErrors() {
    assertThat(errorsOf(() -> ConfigLoader.load("admin: {allow_from: [::1/128]}\nx: [a: b: c]\n")))
        .containsExactly("YAML syntax error at line 2, column 9: expected ',' or ']', but got :");
  }

  // ------------------------------------------------------------------ syntax

  @Test
  void aYamlSyntaxErrorNamesLineAndColumn() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.load("version: 1\nservice: s\nclusters:\n  - name: a: b\n"));

    assertThat(e.errors()).containsExactly(new ConfigError("",
        "YAML syntax error at line 4, column 12: mapping values are not allowed here"));
    assertThat(e).hasMessage("invalid mesh4j config (1 error):\n  YAML syntax error at line 4,"
        + " column 12: mapping values are not allowed here");
  }

  @Test
  void aJsonSyntaxErrorNamesLineAndColumn() {
    assertThat(errorsOf(() -> ConfigLoader.load("{\n  \"version\": 1,\n  \"service\" \"s\"\n}")))
        .containsExactly("JSON syntax error at line 3, column 13: Unexpected character ('\"' (code"
            + " 34)): was expecting a colon to separate field name and value");
  }

  @Test
  void aTabIndentedYamlIsASyntaxError() {
    assertThat(errorsOf(() -> ConfigLoader.load("version: 1\n\tservice: s\n"))).containsExactly(
        "YAML syntax error at line 2, column 1: found character '\\t(TAB)' that cannot start any"
            + " token. (Do not use \\t(TAB) for indentation)");
  }

  @Test
  void aDuplicateKeyIsASyntaxError() {
    assertThat(errorsOf(() -> ConfigLoader.load("version: 1\nservice: a\nservice: b\n")))
        .containsExactly("YAML syntax error at line 3, column 8: Duplicate field 'service'");
  }

  @Test
  void aSecondDocumentIsRejected() {
    assertThat(errorsOf(() -> ConfigLoader.load("version: 1\n---\nversion: 1\n"))).containsExactly(
        "YAML syntax error at line 3, column 1: a second document (expected: one document per"
            + " config)");
  }

  @Test
  void aliasesAreRejected() {
    assertThat(errorsOf(() -> ConfigLoader.load("version: 1\nservice: &s x\nx: *s\n")))
        .containsExactly("YAML syntax error at line 3, column 4: alias *s (expected: no YAML"
            + " anchors or aliases; write the value out)");
  }

  @Test
  void theRootMustBeAMap() {
    assertThat(errorsOf(() -> ConfigLoader.load(""))).containsExactly(
        "empty document (expected: a map with version: 1, service, clusters, ...)");
    assertThat(errorsOf(() -> ConfigLoader.load("# only a comment\n"))).containsExactly(
        "empty document (expected: a map with version: 1, service, clusters, ...)");
    assertThat(errorsOf(() -> ConfigLoader.load("[1, 2]"))).containsExactly(
        "a list (expected: a map with version: 1, service, clusters, ...)");
    assertThat(errorsOf(() -> ConfigLoader.load("mesh.yaml"))).containsExactly(
        "\"mesh.yaml\" (expected: a map with version: 1, service, clusters, ...; to read a file,"
            + " use ConfigLoader.load(Path))");
  }

  // ------------------------------------------------------------------ all errors at once

  @Test
  void everyErrorIsReportedAtOnce() {
    String yaml = """
        version: 1
        service: frontend
        clusters:
          - name: inventory
            lbb: random
            endpoints:
              - { address: 127.0.0.1:8081, weight: 0 }
            timeout: 15
          - name: inventory
            endpoints: [127.0.0.1:8082]
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - match: { prefix: /api/, headers: [{ name: x-canary, exact: "a\\r\\nb" }] }
                  to: inventory-v3
        """;

    assertThat(errorsOf(() -> ConfigLoader.load(yaml))).containsExactly(
        "clusters[0].lbb: unknown key (expected one of: name, lb, endpoints, health_check,"
            + " outlier_detection, circuit_breaker, retry, timeout, panic_threshold, slow_start,"
            + " locality_lb, hash_on, peak_ewma, tls) at line 5, column 10",
        "clusters[0].timeout: 15 (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s,"
            + " 1m) at line 8, column 14",
        "clusters[0].endpoints[0].weight: 0 (expected: 1-10000) at line 7, column 44",
        "clusters[1].name: \"inventory\" (expected: a unique cluster name; clusters[0] has it"
            + " already) at line 9, column 11",
        "outbound.virtual_hosts[0].routes[0].match.headers[0].exact: \"a\\r\\nb\" (expected: no CR,"
            + " LF or NUL) at line 15, column 70",
        "outbound.virtual_hosts[0].routes[0].to: \"inventory-v3\" (expected: one of the clusters:"
            + " inventory) at line 16, column 15");
  }

  @Test
  void theExceptionMessageListsEveryErrorOnItsOwnLine() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.load("version: 2\nservice: s\nadmin: {enabled: 1}\n"));

    assertThat(e).hasMessage("invalid mesh4j config (2 errors):\n"
        + "  admin.enabled: 1 (expected: true or false) at line 3, column 18\n"
        + "  version: 2 (expected: 1) at line 1, column 10");
  }

  @Test
  void aBrokenValueIsReportedOnceNotAgainByTheValidator() {
    assertThat(errorsOf(() -> ConfigLoader.load("""
        version: 1
        service: s
        clusters: [{ name: [a], endpoints: ["x"] }, 5]
        outbound:
          virtual_hosts: [{ name: v, routes: [{ to: 5 }, { split: 7 }, { to: v, match: 3 }] }]
        """))).containsExactly(
        "clusters[0].name: a list (expected: a string) at line 3, column 20",
        "clusters[0].endpoints[0]: \"x\" (expected: host:port) at line 3, column 37",
        "clusters[1]: 5 (expected: a map with name, endpoints, ...) at line 3, column 45",
        "outbound.virtual_hosts[0].routes[0].to: 5 (expected: a string; quote it: \"5\")"
            + " at line 5, column 45",
        "outbound.virtual_hosts[0].routes[1].split: 7 (expected: a list) at line 5, column 59",
        "outbound.virtual_hosts[0].routes[2].match: 3 (expected: a map) at line 5, column 80",
        "outbound.virtual_hosts[0].routes[2].to: \"v\" (expected: a cluster defined under"
            + " clusters; none is) at line 5, column 70");
  }

  // ------------------------------------------------------------------ null and shorthand

  @Test
  void anEmptySectionMeansEveryDefault() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            endpoints:
            health_check:
            outlier_detection:
            circuit_breaker: {}
            retry:
        inbound:
          virtual_hosts:
            - name: self
              routes:
                - name: r
                  pass:
        """);

    ClusterConfig a = c.cluster("a");
    assertThat(a.endpoints()).isEmpty();
    assertThat(a.healthCheck()).isEqualTo(
        new HealthCheckConfig(null, null, null, null, 3, 2, null));
    assertThat(a.outlierDetection()).isEqualTo(OutlierDetectionConfig.DEFAULT);
    assertThat(a.circuitBreaker()).isEqualTo(CircuitBreakerConfig.DEFAULT);
    assertThat(a.retry()).isEqualTo(RetryConfig.DEFAULT);
    assertThat(c.inbound().virtualHosts().get(0).routes().get(0).action()).isEqualTo(Pass.INSTANCE);
  }

  @Test
  void headerNamesInHeaderChangesKeepTheirSpelling() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        inbound:
          virtual_hosts:
            - name: self
              routes:
                - respond: { status: 503, headers: { Retry-After: "30" } }
        """);

    Respond respond = (Respond) c.inbound().virtualHosts().get(0).routes().get(0).action();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Retry-After", "30");
    assertThat(respond).isEqualTo(new Respond(503, "", headers));
  }

  // ------------------------------------------------------------------ line and column

  @Test
  void aSemanticErrorNamesTheFileLineAndColumnOfTheRejectedValue(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, """
        version: 1
        service: frontend
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
          - name: b
            endpoints:
              - address: 10.0.0.2:8080
                zone: a
                weight: 0
          - name: c
            endpoints: [127.0.0.1:8083]
            lbb: round_robin
        """);

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));

    assertThat(e.errors()).extracting(ConfigError::path, ConfigError::location).containsExactly(
        org.assertj.core.groups.Tuple.tuple("clusters[2].lbb", file + ":13:10"),
        org.assertj.core.groups.Tuple.tuple("clusters[1].endpoints[0].weight", file + ":10:17"));
    assertThat(e.errors().get(1)).hasToString(
        "clusters[1].endpoints[0].weight: 0 (expected: 1-10000) at " + file + ":10:17");
    assertThat(e.getMessage()).contains("\n  clusters[1].endpoints[0].weight: 0 (expected: 1-10000) at "
        + file + ":10:17");
  }

  @Test
  void aMissingKeyPointsAtTheValueThatShouldHoldIt() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load("""
        version: 1
        service: frontend
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
          - endpoints: [127.0.0.1:8082]
        """));

    assertThat(e.errors()).extracting(ConfigError::path, ConfigError::location)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("clusters[1].name", "line 6, column 5"));
  }

  @Test
  void jsonErrorsCarryLineAndColumnToo() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load("""
        {"version": 1, "service": "frontend",
         "clusters": [{"name": "a", "endpoints": [{"address": "127.0.0.1:8081", "weight": 0}]}]}
        """));

    assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(
        "clusters[0].endpoints[0].weight: 0 (expected: 1-10000) at line 2, column 83");
  }

  @Test
  void aConfigBuiltInJavaHasNoLocation() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> MeshConfig.builder()
        .service("frontend")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8081"))
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8082"))
        .build());

    assertThat(e.errors()).isNotEmpty();

    assertThat(e.errors()).allSatisfy(err -> assertThat(err.location()).isEmpty());
  }
}
