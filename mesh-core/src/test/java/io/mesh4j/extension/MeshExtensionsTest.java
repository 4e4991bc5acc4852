package io.mesh4j.extension;

import io.mesh4j.internal.policy.PolicyInternals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.lb.PickerProvider;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.policy.PolicyContext;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyExchange;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.route.RouteMatcher;
import io.mesh4j.time.FakeTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extensions registered on the Mesh builder and by ServiceLoader, used from YAML. */
class MeshExtensionsTest {
  @TempDir Path dir;
  final FakeTime time = new FakeTime();
  Mesh mesh;

  @AfterEach
  void close() {
    if (mesh != null) mesh.close();
  }

  Mesh.Builder builder() {
    return Mesh.builder().ticker(time).scheduler(time).watch(Duration.ZERO);
  }

  Path file(String yaml) throws Exception {
    Path p = dir.resolve("mesh.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  static RequestView request(String authority, String path, Map<String, String> headers) {
    return new RequestView() {
      @Override public String method() { return "GET"; }
      @Override public String scheme() { return "http"; }
      @Override public String authority() { return authority; }
      @Override public String path() { return path; }
      @Override public String query() { return null; }
      @Override public String header(String name) { return headers.get(name); }
      @Override public String sourceAddress() { return null; }
    };
  }

  static String jwt(String payloadJson) {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    return "Bearer " + b.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
  }

  /** Matches requests whose x-tenant header equals args.is. */
  static final class TenantMatcher implements RouteMatcher.Factory {
    @Override public String name() { return "tenant"; }
    @Override public void validate(ExtensionArgs args, ArgErrors errors) {
      args.onlyKeys(errors, "is");
      if (args.string("is") == null) errors.error("is", "missing (expected: a tenant id)");
    }
    @Override public RouteMatcher create(ExtensionArgs args) {
      String tenant = args.string("is");
      return r -> tenant.equals(r.header("x-tenant"));
    }
  }

  /** A policy that only continues, declaring the direction named by args.direction. */
  static final class Marker implements RequestPolicy.Factory {
    final String name;
    Marker(String name) { this.name = name; }
    @Override public String name() { return name; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      String d = args.string("direction");
      RequestPolicy.Direction dir = d == null ? RequestPolicy.Direction.BOTH
          : RequestPolicy.Direction.valueOf(d.toUpperCase(java.util.Locale.ROOT));
      return new RequestPolicy() {
        @Override public Direction direction() { return dir; }
        @Override public PolicyDecision onRequest(PolicyExchange e) { return PolicyDecision.CONTINUE; }
      };
    }
  }

  static final String TWO_CLUSTERS = """
      version: 1
      service: web
      clusters:
        - { name: api, endpoints: [127.0.0.1:8081] }
        - { name: api-gold, endpoints: [127.0.0.1:8082] }
      """;

  @Test
  void aBuilderRegisteredMatcherRoutesRequestsAndIsUnknownToAPlainLoad() throws Exception {
    Path f = file(TWO_CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: acme
                  match: { prefix: /, custom: { name: tenant, args: { is: acme } } }
                  to: api-gold
                - name: rest
                  to: api
        """);
    List<String> plain = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(f))
        .errors().stream().map(ExtensionConfigTest::withoutLocation).toList();
    assertThat(plain).containsExactly("outbound.virtual_hosts[0].routes[0].match.custom.name:"
        + " \"tenant\" (expected one of the registered matchers: jwt-claim)");

    mesh = builder().configFile(f).matcher(new TenantMatcher()).build();
    RouteMatch acme = mesh.current().outbound().match(request("api", "/x", Map.of("x-tenant", "acme")));
    RouteMatch other = mesh.current().outbound().match(request("api", "/x", Map.of("x-tenant", "zeta")));
    assertThat(acme.route().name()).isEqualTo("acme");
    assertThat(other.route().name()).isEqualTo("rest");
    assertThat(mesh.current().outbound().explain(request("api", "/x", Map.of())).rejected())
        .containsExactly(new io.mesh4j.route.Explanation.RejectedRoute(
            "acme", "custom matcher tenant{is=acme} does not match"));
  }

  @Test
  void aBuilderRegisteredMatcherRejectsBadArgumentsWithTheirPathWhenTheMeshLoads() throws Exception {
    Path f = file(TWO_CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: acme
                  match: { custom: { name: tenant, args: { iz: acme } } }
                  to: api-gold
        """);
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> builder().configFile(f).matcher(new TenantMatcher()).build());
    assertThat(e.errors()).extracting(ExtensionConfigTest::withoutLocation).containsExactly(
        "outbound.virtual_hosts[0].routes[0].match.custom.args.iz: unknown key (expected one of: is)",
        "outbound.virtual_hosts[0].routes[0].match.custom.args.is: missing (expected: a tenant id)");
  }

  @Test
  void theShippedJwtClaimMatcherRoutesOnAClaimFromYaml() throws Exception {
    mesh = builder().configFile(file(TWO_CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: gold
                  match: { custom: { name: jwt-claim, args: { claim: tier, in: [gold, platinum] } } }
                  to: api-gold
                - name: rest
                  to: api
        """)).build();
    Map<String, String> gold = Map.of("authorization", jwt("{\"sub\":\"u1\",\"tier\":\"gold\"}"));
    Map<String, String> free = Map.of("authorization", jwt("{\"sub\":\"u2\",\"tier\":\"free\"}"));
    assertThat(mesh.current().outbound().match(request("api", "/", gold)).route().name()).isEqualTo("gold");
    assertThat(mesh.current().outbound().match(request("api", "/", free)).route().name()).isEqualTo("rest");
    assertThat(mesh.current().outbound().match(request("api", "/", Map.of())).route().name()).isEqualTo("rest");
  }

  @Test
  void aNameRegisteredOnTheBuilderAndByServiceLoaderFailsTheBuildNamingBoth() throws Exception {
    Path f = file(TWO_CLUSTERS);
    assertThatThrownBy(() -> builder().configFile(f).matcher("jwt-claim", new TenantMatcher()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("matcher \"jwt-claim\" is registered twice: by ServiceLoader:"
            + " io.mesh4j.route.JwtClaimMatcherFactory (")
        .hasMessageEndingWith(" and by Mesh.Builder.matcher(" + TenantMatcher.class.getName()
            + ") (expected: each name once)");
  }

  @Test
  void aNameRegisteredTwiceOnTheBuilderFailsAtTheSecondRegistration() {
    Mesh.Builder b = builder().policy(new Marker("sign"));
    assertThatThrownBy(() -> b.policy("sign", new Marker("other")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("policy \"sign\" is registered twice: by Mesh.Builder.policy("
            + Marker.class.getName() + ") and by Mesh.Builder.policy(" + Marker.class.getName()
            + ") (expected: each name once)");
  }

  @Test
  void policiesAreCompiledIntoEachRouteInGlobalHostRouteOrderPerSide() throws Exception {
    mesh = builder()
        .policy(new Marker("global")).policy(new Marker("host")).policy(new Marker("own"))
        .policy(new Marker("client-only"))
        .configFile(file(TWO_CLUSTERS + """
            policies: [ { name: global }, { name: client-only, args: { direction: outbound } } ]
            outbound:
              virtual_hosts:
                - name: api
                  policies: [ host ]
                  routes:
                    - { name: gold, match: { prefix: /gold }, to: api-gold, policies: [ own ] }
                    - { name: rest, to: api }
            inbound:
              virtual_hosts:
                - name: self
                  domains: ["*"]
                  routes:
                    - { name: all, pass: {} }
            """)).build();
    var out = mesh.current().outbound();
    assertThat(out.match(request("api", "/gold", Map.of())).route().policies().names())
        .containsExactly("global", "client-only", "host", "own");
    assertThat(out.match(request("api", "/", Map.of())).route().policies().names())
        .containsExactly("global", "client-only", "host");
    assertThat(out.match(request("api-gold", "/", Map.of())).route().policies().names())
        .as("an implicit route runs the global policies")
        .containsExactly("global", "client-only");
    var in = mesh.current().inbound();
    assertThat(in.match(request("self", "/", Map.of())).route().policies().names())
        .containsExactly("global");
    assertThat(in.policies().names()).containsExactly("global");
  }

  @Test
  void aRouteWithoutPoliciesHoldsTheSharedEmptyChain() throws Exception {
    mesh = builder().configFile(file(TWO_CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - { name: rest, to: api }
        """)).build();
    for (Route r : mesh.current().outbound().routes()) {
      assertThat(r.policies()).isSameAs(PolicyChain.EMPTY);
    }
    assertThat(mesh.current().inbound().policies()).isSameAs(PolicyChain.EMPTY);
  }

  /** Always picks the endpoint with the highest port. */
  static final class HighestPort implements PickerProvider {
    @Override public String name() { return "highest-port"; }
    @Override public PickerFactory create(ExtensionArgs args, ClusterConfig cluster, RandomGenerator random) {
      return (endpoints, weights) -> {
        Endpoint best = null;
        for (Endpoint e : endpoints) if (best == null || e.port() > best.port()) best = e;
        PickResult r = best == null ? PickResult.NONE : PickResult.of(best);
        return context -> r;
      };
    }
  }

  @Test
  void aCustomLbFromTheBuilderPicksForItsCluster() throws Exception {
    mesh = builder().picker(new HighestPort()).configFile(file("""
        version: 1
        service: web
        clusters:
          - name: api
            lb: { custom: highest-port }
            endpoints: [127.0.0.1:8081, 127.0.0.1:8083, 127.0.0.1:8082]
        """)).build();
    for (int i = 0; i < 5; i++) {
      assertThat(mesh.cluster("api").pick(PickContext.EMPTY).endpoint().port()).isEqualTo(8083);
    }
  }

  @Test
  void aFactoryThatCannotMakeItsExtensionRejectsTheReloadAndTheOldSnapshotKeepsServing() throws Exception {
    Map<String, Boolean> fail = new HashMap<>(Map.of("now", false));
    RouteMatcher.Factory fragile = new RouteMatcher.Factory() {
      @Override public String name() { return "fragile"; }
      @Override public RouteMatcher create(ExtensionArgs args) {
        if (fail.get("now")) throw new IllegalStateException("no key material");
        return r -> true;
      }
    };
    String yaml = TWO_CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - { name: r, match: { custom: { name: fragile } }, to: api }
        """;
    Path f = file(yaml);
    mesh = builder().matcher(fragile).configFile(f).build();
    var before = mesh.current();
    fail.put("now", true);
    assertThatThrownBy(() -> mesh.reload(f))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("routes: matcher fragile cannot be made: "
            + "java.lang.IllegalStateException: no key material");
    assertThat(mesh.current()).isSameAs(before);
  }

  @Test
  void codeFirstConfigsNameExtensionsThroughTheConfigBuilder() {
    java.util.function.Supplier<io.mesh4j.config.MeshConfigBuilder> config = () ->
        io.mesh4j.config.MeshConfig.builder().service("web").policy("global")
            .cluster(c -> c.name("api").endpoint("127.0.0.1:8081"))
            .cluster(c -> c.name("api-gold").endpoint("127.0.0.1:8082"))
            .outbound(vh -> vh.name("api").policy("audit-log", Map.of("direction", "outbound"))
                .route(r -> r.name("acme").prefix("/").custom("tenant", Map.of("is", "acme"))
                    .to("api-gold").policy("own"))
                .route(r -> r.name("rest").to("api")));
    assertThat(catchThrowableOfType(ConfigException.class, () -> config.get().build()).errors())
        .extracting(ExtensionConfigTest::withoutLocation).containsExactly(
            "outbound.virtual_hosts[0].routes[0].match.custom.name: \"tenant\" (expected one of the"
                + " registered matchers: jwt-claim)",
            "outbound.virtual_hosts[0].routes[0].policies[0].name: \"own\" (expected one of the"
                + " registered policies: audit-log)",
            "policies[0].name: \"global\" (expected one of the registered policies: audit-log)");

    Mesh.Builder b = builder().matcher(new TenantMatcher()).policy(new Marker("global"))
        .policy(new Marker("own"));
    io.mesh4j.config.MeshConfig c = config.get().extensions(b.extensions()).build();
    mesh = b.config(c).build();
    RouteMatch acme = mesh.current().outbound().match(request("api", "/", Map.of("x-tenant", "acme")));
    assertThat(acme.route().name()).isEqualTo("acme");
    assertThat(acme.route().policies().names()).containsExactly("global", "audit-log", "own");
  }

  @Test
  void theShippedAuditLogPolicyIsCompiledFromYamlForTheSidesItNames() throws Exception {
    mesh = builder().configFile(file(TWO_CLUSTERS + """
        policies: [ { name: audit-log, args: { direction: inbound, logger: audit.in } } ]
        outbound:
          virtual_hosts:
            - name: api
              policies: [ audit-log ]
              routes:
                - { name: rest, to: api }
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - { name: all, pass: {} }
        """)).build();
    Route out = mesh.current().outbound().match(request("api", "/", Map.of())).route();
    Route in = mesh.current().inbound().match(request("self", "/", Map.of())).route();
    assertThat(out.policies().names()).containsExactly("audit-log");
    assertThat(in.policies().names()).containsExactly("audit-log");
    var run = PolicyInternals.start(
        in.policies(), request("self", "/", Map.of()), "self", "all", "id-1", time.read());
    assertThat(run.onRequest()).isSameAs(PolicyDecision.CONTINUE);
    run.complete(200, null);
    assertThat(mesh.meterRegistry().find(io.mesh4j.metrics.MeshMetricNames.POLICY_ERRORS)
        .counters()).allSatisfy(c -> assertThat(c.count()).isZero());
  }

  @Test
  void aHealthProbeRegisteredOnTheBuilderIsSelectableByName() throws Exception {
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8081]
            health_check: { probe: grpc, interval: 1s, timeout: 1s }
        """;
    mesh = builder().healthProbe("grpc", (e, c) -> CompletableFuture.completedFuture(ProbeResult.healthy()))
        .configFile(file(yaml)).build();
    assertThat(mesh.current().config().clusters().get(0).healthCheck().probe()).isEqualTo("grpc");
    assertThat(mesh.extensions().names(io.mesh4j.config.ExtensionKind.HEALTH_PROBE))
        .contains("grpc", "tcp");
  }
}
