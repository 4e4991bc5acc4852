package io.mesh4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code mesh4j import-envoy} on a realistic sidecar bootstrap: the output is accepted by
 * {@code validate} and {@code explain} routes requests to the clusters Envoy would.
 */
class ImportEnvoyTest {
  @TempDir Path dir;
  Path envoy;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void copyBootstrap() throws IOException {
    envoy = dir.resolve("envoy.yaml");
    try (InputStream in = ImportEnvoyTest.class.getResourceAsStream("/envoy-bootstrap.yaml")) {
      Files.copy(in, envoy);
    }
  }

  int run(String... args) {
    out.reset();
    err.reset();
    return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** Imports the bootstrap (inbound_http as the inbound side) and writes the result to a file. */
  Path imported() throws IOException {
    assertThat(run("import-envoy", envoy.toString(), "--inbound", "inbound_http")).isEqualTo(0);
    Path mesh = dir.resolve("mesh.yaml");
    Files.writeString(mesh, out());
    return mesh;
  }

  @Test
  void importsTheBootstrapIntoAConfigThatValidateAccepts() throws IOException {
    Path mesh = imported();

    assertThat(run("validate", mesh.toString())).isEqualTo(0);
    assertThat(out()).isEqualTo("OK: 5 clusters, 4 virtual hosts, 10 routes\n");
    MeshConfig config = ConfigLoader.load(mesh);
    assertThat(config.service()).isEqualTo("frontend");
    assertThat(config.inbound().virtualHosts()).extracting(v -> v.name()).containsExactly("self");
  }

  @Test
  void reportsWhatItDroppedOnStderrOneLinePerField() throws IOException {
    imported();

    assertThat(err().lines()).contains(
        "IGNORED  Bootstrap: admin: configures the proxy process, not routing",
        "IGNORED  Cluster inventory: connect_timeout: connection-level setting; connections are "
            + "the HTTP client's (OkHttp) or the servlet container's",
        "IGNORED  Listener outbound_http: filter_chains[0].filters[0].typed_config.access_log: "
            + "cosmetic (names, statistics, logs, tracing, metadata)");
    assertThat(err().lines()).allMatch(l -> l.startsWith("IGNORED  "));
    assertThat(err().lines()).hasSize(15);
  }

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of("GET", "http://inventory/api/items", new String[] {"-H", "x-canary: true"},
            "inventory", "canary", "forward", "[\"inventory-v2\"]"),
        Arguments.of("GET", "http://inventory:8080/api/items", new String[0],
            "inventory", "api", "split", "[\"inventory\",\"inventory-v2\"]"),
        Arguments.of("GET", "http://inventory.shop.svc.cluster.local/stock", new String[0],
            "inventory", "rest", "forward", "[\"inventory\"]"),
        Arguments.of("POST", "http://billing/pay", new String[0],
            "billing", "pay", "forward", "[\"billing\"]"),
        Arguments.of("GET", "http://billing/invoices/42", new String[0],
            "billing", "invoice", "forward", "[\"billing\"]"),
        Arguments.of("GET", "http://billing/pay", new String[0],
            "billing", "not-found", "respond", null),
        Arguments.of("GET", "http://eu.legacy.internal/catalog", new String[0],
            "legacy", "legacy-rest", "forward", "[\"legacy\"]"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("requests")
  void explainRoutesAsEnvoyWould(String method, String url, String[] headers, String vhost,
      String route, String action, String clusters) throws IOException {
    Path mesh = imported();
    String[] args = Stream.concat(Stream.of("explain", mesh.toString(), "--json", method, url),
        Stream.of(headers)).toArray(String[]::new);

    assertThat(run(args)).isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out());
    assertThat(j.get("virtual_host").asText()).isEqualTo(vhost);
    assertThat(j.get("route").asText()).isEqualTo(route);
    assertThat(j.get("action").asText()).isEqualTo(action);
    if (clusters == null) {
      assertThat(j.has("clusters")).isFalse();
    } else {
      assertThat(j.get("clusters").toString()).isEqualTo(clusters);
    }
  }

  @Test
  void theLegacyRedirectKeepsEnvoysCodeAndPrefixRewrite() throws IOException {
    Path mesh = imported();

    assertThat(run("explain", mesh.toString(), "--json", "GET", "http://a.legacy.internal/old/x?y=1"))
        .isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out());
    assertThat(j.get("action").asText()).isEqualTo("redirect");
    // Envoy writes the request's host into the Location; mesh4j never echoes a request header
    // and answers with the relative reference, which the client resolves to the same URL.
    assertThat(j.get("location").asText()).isEqualTo("/new/x?y=1");
    assertThat(j.get("status").asInt()).isEqualTo(302);
  }

  @Test
  void theInboundListenerBlocksAdminAndPassesTheRestToTheApplication() throws IOException {
    Path mesh = imported();

    assertThat(run("explain", mesh.toString(), "--inbound", "--json", "GET", "http://any/admin/x"))
        .isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out());
    assertThat(j.get("action").asText()).isEqualTo("respond");
    assertThat(j.get("status").asInt()).isEqualTo(403);

    assertThat(run("explain", mesh.toString(), "--inbound", "--json", "GET", "http://any/orders"))
        .isEqualTo(0);
    assertThat(new ObjectMapper().readTree(out()).get("action").asText()).isEqualTo("pass");
  }

  @Test
  void withoutInboundEveryListenerIsOutboundAndTheClashingCatchAllIsAccepted() throws IOException {
    assertThat(run("import-envoy", envoy.toString())).isEqualTo(0);

    MeshConfig config = ConfigLoader.load(out());
    assertThat(config.outbound().virtualHosts()).extracting(v -> v.name())
        .containsExactly("inventory", "billing", "legacy", "self");
    assertThat(config.inbound().virtualHosts()).isEmpty();
  }

  @Test
  void outboundNamesLimitTheOutboundSideAndTheRestIsReportedUnbound() throws IOException {
    assertThat(run("import-envoy", envoy.toString(), "--outbound", "outbound_http")).isEqualTo(0);

    assertThat(err().lines()).contains(
        "IGNORED  Listener inbound_http: not bound: neither --outbound nor --inbound names it");
    assertThat(ConfigLoader.load(out()).inbound().virtualHosts()).isEmpty();
  }

  @Test
  void jsonPrintsTheConfigAndTheIssuesInOneDocument() throws IOException {
    assertThat(run("import-envoy", envoy.toString(), "--inbound=inbound_http", "--json")).isEqualTo(0);

    assertThat(err()).isEmpty();
    JsonNode j = new ObjectMapper().readTree(out());
    assertThat(j.get("accepted").asBoolean()).isTrue();
    assertThat(ConfigLoader.load(j.get("config").toString()))
        .isEqualTo(ConfigLoader.load(imported()));
    assertThat(j.get("issues").get(0).toString()).isEqualTo("{\"severity\":\"IGNORED\","
        + "\"resource_type\":\"Bootstrap\",\"resource_name\":\"\",\"field\":\"admin\","
        + "\"message\":\"configures the proxy process, not routing\"}");
  }

  @Test
  void aRejectedFieldPrintsNoConfigAndExitsOne() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(envoy).replace(
        "retry_policy: { retry_on: gateway-error }",
        "retry_policy: { retry_on: gateway-error }\n                  hash_policy: [{ query_parameter: { name: user } }]"));

    assertThat(run("import-envoy", bad.toString(), "--inbound", "inbound_http")).isEqualTo(1);

    assertThat(out()).isEmpty();
    assertThat(err().lines()).contains("REJECTED Listener outbound_http: filter_chains[0].filters[0]"
        + ".typed_config.route_config.virtual_hosts[0].routes[2].route.hash_policy[0]"
        + ".query_parameter: not supported by mesh4j",
        "mesh4j import-envoy: 1 setting cannot be carried over; no config written");
  }

  @Test
  void aMisspeltEnvoyFieldIsAParseErrorExitingThree() throws IOException {
    Path bad = dir.resolve("typo.yaml");
    Files.writeString(bad, Files.readString(envoy).replace("lb_policy: RANDOM", "lb_polcy: RANDOM"));

    assertThat(run("import-envoy", bad.toString())).isEqualTo(3);

    assertThat(out()).isEmpty();
    assertThat(err()).startsWith("mesh4j import-envoy: " + bad + ": static_resources.clusters[3]: ")
        .contains("lb_polcy");
  }

  @Test
  void usageErrorsAndUnreadableFilesExitThree() {
    assertThat(run("import-envoy")).isEqualTo(3);
    assertThat(err()).startsWith("mesh4j import-envoy: expected ENVOY.yaml\n");

    assertThat(run("import-envoy", envoy.toString(), "--outbound")).isEqualTo(3);
    assertThat(err()).startsWith("mesh4j import-envoy: --outbound needs a value\n");

    assertThat(run("import-envoy", dir.resolve("missing.yaml").toString())).isEqualTo(3);
    assertThat(err()).startsWith("mesh4j import-envoy: cannot read ");
  }
}
