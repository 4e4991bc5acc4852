package io.mesh4j.extension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.config.ExtensionRef;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.lb.PickerProvider;
import io.mesh4j.lb.Pickers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config format's extension references: parsing, and validation in the same pass. */
class ExtensionConfigTest {

  static final String HEAD = """
      version: 1
      service: web
      clusters:
        - name: api
          endpoints: [127.0.0.1:8081]
      """;

  /** {@code path: message}; where the text has them is ConfigLoaderTest's concern. */
  static String withoutLocation(ConfigError e) {
    return e.at("").toString();
  }

  static List<String> errors(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml));
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.errors().stream().map(ExtensionConfigTest::withoutLocation).toList();
  }

  static List<String> errors(String yaml, Extensions extensions) {
    ConfigException e = catchThrowableOfType(
        ConfigException.class, () -> ConfigLoader.load(yaml, extensions));
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.errors().stream().map(ExtensionConfigTest::withoutLocation).toList();
  }

  @Test
  void customMatchersAndPoliciesAreReadAtEveryLevelWithTheirArguments() {
    MeshConfig c = ConfigLoader.load(HEAD + """
        policies: [ { name: audit-log, args: { logger: audit.web } } ]
        outbound:
          virtual_hosts:
            - name: api
              policies: [ audit-log ]
              routes:
                - name: gold
                  match:
                    prefix: /
                    custom: { name: jwt-claim, args: { claim: tier, in: [gold, 7, true] } }
                  to: api
                  policies: [ { name: audit-log, args: { direction: outbound, level: debug } } ]
        """);
    assertThat(c.policies()).containsExactly(
        new ExtensionRef("audit-log", ExtensionArgs.of(Map.of("logger", "audit.web"))));
    assertThat(c.outbound().virtualHosts().get(0).policies()).containsExactly(ExtensionRef.of("audit-log"));
    var route = c.outbound().virtualHosts().get(0).routes().get(0);
    assertThat(route.match().custom().name()).isEqualTo("jwt-claim");
    assertThat(route.match().custom().args().asMap())
        .isEqualTo(Map.of("claim", "tier", "in", List.of("gold", 7L, true)));
    assertThat(route.policies().get(0).args().asMap())
        .containsExactly(Map.entry("direction", "outbound"), Map.entry("level", "debug"));
  }

  @Test
  void anUnknownNameIsAnErrorAtItsPathListingTheRegisteredOnes() {
    assertThat(errors(HEAD + """
        policies: [ { name: audit-logs } ]
        outbound:
          virtual_hosts:
            - name: api
              policies: [ { name: signer } ]
              routes:
                - name: r
                  match: { custom: { name: jwt-claims, args: { claim: tier, equals: gold } } }
                  to: api
                  policies: [ quota ]
        """)).containsExactly(
        "outbound.virtual_hosts[0].routes[0].match.custom.name: \"jwt-claims\" (expected one of the"
            + " registered matchers: jwt-claim)",
        "outbound.virtual_hosts[0].routes[0].policies[0].name: \"quota\" (expected one of the"
            + " registered policies: audit-log)",
        "outbound.virtual_hosts[0].policies[0].name: \"signer\" (expected one of the registered"
            + " policies: audit-log)",
        "policies[0].name: \"audit-logs\" (expected one of the registered policies: audit-log)");
  }

  @Test
  void badArgumentsAreReportedByTheFactoryWithTheArgumentPath() {
    assertThat(errors(HEAD + """
        policies: [ { name: audit-log, args: { level: loud, colour: red } } ]
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - name: r
                  match: { custom: { name: jwt-claim, args: { in: [], header: "bad header" } } }
        """)).containsExactly(
        "inbound.virtual_hosts[0].routes[0].match.custom.args.claim: missing (expected: a claim"
            + " name such as tier)",
        "inbound.virtual_hosts[0].routes[0].match.custom.args.in: a list (expected: a non-empty"
            + " list of values)",
        "inbound.virtual_hosts[0].routes[0].match.custom.args.header: \"bad header\" (expected: a"
            + " header name)",
        "policies[0].args.colour: unknown key (expected one of: logger, level, direction)",
        "policies[0].args.level: \"loud\" (expected: info or debug)");
  }

  @Test
  void structuralMistakesInReferencesAreReportedOnceByTheReader() {
    assertThat(errors(HEAD + """
        policies: [ { args: {} }, 7, { name: audit-log, args: [1] } ]
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: r
                  match: { custom: { name: jwt-claim, arg: {} } }
                  to: api
        """)).containsExactly(
        "outbound.virtual_hosts[0].routes[0].match.custom.arg: unknown key (expected one of: name,"
            + " args)",
        "policies[0].name: missing (expected: the name of a registered policy)",
        "policies[1]: 7 (expected: a policy name, or a map with name and args)",
        "policies[2].args: a list (expected: a map of arguments)",
        "outbound.virtual_hosts[0].routes[0].match.custom.args.claim: missing (expected: a claim"
            + " name such as tier)",
        "outbound.virtual_hosts[0].routes[0].match.custom.args: no condition (expected exactly one"
            + " of: equals, in, present)");
  }

  @Test
  void aCustomLbIsReadAsAMapAndCheckedAgainstTheRegisteredPickers() {
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            lb: { custom: first-endpoint, args: { mode: strict } }
            endpoints: [127.0.0.1:8081]
        """;
    assertThat(errors(yaml)).containsExactly(
        "clusters[0].lb.custom: \"first-endpoint\" (expected: a registered picker; none is registered)");
    PickerProvider first = new PickerProvider() {
      @Override
      public String name() {
        return "first-endpoint";
      }

      @Override
      public void validate(ExtensionArgs args, io.mesh4j.config.ArgErrors errors) {
        args.onlyKeys(errors, "mode");
        if (!"strict".equals(args.string("mode")) && args.has("mode")) {
          errors.error("mode", args.get("mode") + " (expected: strict)");
        }
      }

      @Override
      public io.mesh4j.lb.PickerFactory create(
          ExtensionArgs args, io.mesh4j.config.ClusterConfig cluster,
          java.util.random.RandomGenerator random) {
        return Pickers.random();
      }
    };
    Extensions ext = Extensions.builder().picker("first-endpoint", first, "test").build();
    MeshConfig c = ConfigLoader.load(yaml, ext);
    assertThat(c.clusters().get(0).lbCustom())
        .isEqualTo(new ExtensionRef("first-endpoint", ExtensionArgs.of(Map.of("mode", "strict"))));
    assertThat(errors(yaml.replace("strict", "loose"), ext))
        .containsExactly("clusters[0].lb.args.mode: loose (expected: strict)");
    assertThat(errors(yaml.replace("lb: { custom: first-endpoint, args: { mode: strict } }",
        "lb: { args: {} }"), ext)).containsExactly(
        "clusters[0].lb.custom: missing (expected: the name of a registered picker)");
    assertThat(errors(yaml.replace("lb: { custom: first-endpoint, args: { mode: strict } }",
        "lb: fastest"), ext)).containsExactly(
        "clusters[0].lb: \"fastest\" (expected: weighted_round_robin, least_request, ring_hash,"
            + " random or peak_ewma)");
  }

  @Test
  void customMatchersAreRejectedInAuthzRules() {
    assertThat(errors(HEAD + """
        inbound:
          authz:
            rules:
              - action: allow
                match: { custom: { name: jwt-claim, args: { claim: role, equals: admin } } }
        """)).containsExactly(
        "inbound.authz.rules[0].match.custom: not allowed in authz rules (expected: custom matchers"
            + " only in route matches; they route, they never authorize)");
  }

  @Test
  void healthProbeNamesComeFromTheRegisteredProbes() {
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8081]
            health_check: { probe: grpc }
        """;
    assertThat(errors(yaml)).containsExactly(
        "clusters[0].health_check.probe: \"grpc\" (expected: http or tcp)");
    Extensions ext = Extensions.builder().healthProbe("grpc", "test").build();
    assertThat(ConfigLoader.load(yaml, ext).clusters().get(0).healthCheck().probe()).isEqualTo("grpc");
    assertThat(errors(yaml.replace("grpc", "grpcx"), ext)).containsExactly(
        "clusters[0].health_check.probe: \"grpcx\" (expected one of the registered health probes:"
            + " grpc, http, tcp)");
  }

  @Test
  void aFactoryThatThrowsWhileCheckingIsReportedAsAnErrorOfItsArguments() {
    io.mesh4j.route.RouteMatcher.Factory broken = new io.mesh4j.route.RouteMatcher.Factory() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public void validate(ExtensionArgs args, io.mesh4j.config.ArgErrors errors) {
        throw new IllegalStateException("boom");
      }

      @Override
      public io.mesh4j.route.RouteMatcher create(ExtensionArgs args) {
        return r -> true;
      }
    };
    Extensions ext = Extensions.builder().matcher("broken", broken, "test").build();
    assertThat(errors(HEAD + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: r
                  match: { custom: { name: broken } }
                  to: api
        """, ext)).containsExactly(
        "outbound.virtual_hosts[0].routes[0].match.custom.args: matcher \"broken\" failed checking"
            + " its arguments: java.lang.IllegalStateException: boom");
  }

  @Test
  void discoveryFindsTheTwoShippedExtensionsWithTheirSources() {
    Extensions d = Extensions.discovered();
    assertThat(d.names(io.mesh4j.config.ExtensionKind.MATCHER)).containsExactly("jwt-claim");
    assertThat(d.names(io.mesh4j.config.ExtensionKind.POLICY)).containsExactly("audit-log");
    assertThat(d.names(io.mesh4j.config.ExtensionKind.HEALTH_PROBE)).contains("tcp");
    assertThat(d.source(io.mesh4j.config.ExtensionKind.MATCHER, "jwt-claim"))
        .startsWith("ServiceLoader: io.mesh4j.route.JwtClaimMatcherFactory (");
    assertThat(d.problems()).isEmpty();
  }

  @Test
  void aNameRegisteredTwiceFailsNamingBothSources() {
    Extensions.Builder b = Extensions.builder().discover(getClass().getClassLoader());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.matcher(
            "jwt-claim", new io.mesh4j.route.JwtClaimMatcherFactory(), "Mesh.Builder.matcher(Mine)"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("matcher \"jwt-claim\" is registered twice: by ServiceLoader:"
            + " io.mesh4j.route.JwtClaimMatcherFactory (")
        .hasMessageEndingWith(" and by Mesh.Builder.matcher(Mine) (expected: each name once)");
  }
}
