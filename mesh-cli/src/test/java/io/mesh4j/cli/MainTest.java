package io.mesh4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;
  Path full;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void copyConfig() throws IOException {
    full = dir.resolve("mesh.yaml");
    try (InputStream in = MainTest.class.getResourceAsStream("/full.yaml")) {
      Files.copy(in, full);
    }
  }

  int run(String... args) {
    return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  JsonNode json() throws IOException {
    return new ObjectMapper().readTree(out());
  }

  Path write(String yaml) throws IOException {
    Path p = dir.resolve("other.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void validateCountsClustersVirtualHostsAndRoutes() {
    assertThat(run("validate", full.toString())).isEqualTo(0);
    assertThat(out()).isEqualTo("OK: 3 clusters, 3 virtual hosts, 6 routes\n");
  }

  @Test
  void validatePrintsEveryErrorWithItsPathAndExitsOne() throws IOException {
    Path bad = write(
        """
        version: 1
        clusters:
          - name: a
            endpoints: [{ address: 127.0.0.1:0, weight: 0 }]
        outbound:
          virtual_hosts:
            - name: a
              routes: [{ name: r, match: { prefix: / }, to: b }]
        """);
    assertThat(run("validate", bad.toString())).isEqualTo(1);
    assertThat(err().lines().toList())
        .contains(
            "clusters[0].endpoints[0].weight: 0 (expected: 1-10000) at " + bad + ":4:49",
            "outbound.virtual_hosts[0].routes[0].to: \"b\" (expected: one of the clusters: a) at "
                + bad + ":8:53")
        .hasSizeGreaterThanOrEqualTo(3);
    assertThat(out()).isEmpty();
  }

  static final String SECRET_ROUTES = """
      version: 1
      service: s
      clusters:
        - name: a
          endpoints: ["127.0.0.1:9001"]
      outbound:
        virtual_hosts:
          - name: a
            domains: ["*"]
            routes:
              - name: keyed
                match:
                  prefix: /
                  headers: [{ name: authorization, %s: "s3cr3t-configured" }]
                  query: [{ name: access_token, exact: "s3cr3t-token" }]
                to: a
      """;

  @Test
  void validateAndExplainNeverPrintACredentialValue() throws IOException {
    Path bad = write(SECRET_ROUTES.formatted("regex").replace("s3cr3t-configured", "s3cr3t-configured("));
    assertThat(run("validate", bad.toString())).isEqualTo(1);
    assertThat(err()).contains("match.headers[0].regex: \"******\"");

    Path good = write(SECRET_ROUTES.formatted("exact"));
    assertThat(run("explain", good.toString(), "GET", "http://a/?access_token=s3cr3t-sent",
        "-H", "Authorization: Bearer s3cr3t-sent")).isEqualTo(3);
    assertThat(run("explain", good.toString(), "--json", "GET", "http://a/",
        "-H", "Authorization: s3cr3t-sent")).isEqualTo(3);

    assertThat(out()).contains("header authorization value \"******\" is not \"******\"");
    assertThat(out() + err()).doesNotContain("s3cr3t");
  }

  @Test
  void validateNamesAMissingFile() {
    assertThat(run("validate", dir.resolve("missing.yaml").toString())).isEqualTo(1);
    assertThat(err()).contains("missing.yaml");
  }

  @Test
  void explainSaysWhyEarlierRoutesWereSkipped() {
    assertThat(run("explain", full.toString(), "GET", "http://inventory/api/items?debug=1",
        "-H", "X-Canary: false")).isEqualTo(0);
    assertThat(out())
        .contains("virtual host: inventory")
        .contains("route canary-by-header: skipped, header x-canary")
        .contains("route split: matched")
        .contains("action: split");
  }

  @Test
  void explainJsonForAForwardedRequest() throws IOException {
    assertThat(run("explain", full.toString(), "--json", "GET",
        "http://inventory/api/items?debug=1", "-H", "x-canary: true", "--source", "10.1.2.3"))
        .isEqualTo(0);
    JsonNode j = json();
    assertThat(j.get("virtual_host").asText()).isEqualTo("inventory");
    assertThat(j.get("route").asText()).isEqualTo("canary-by-header");
    assertThat(j.get("action").asText()).isEqualTo("forward");
    assertThat(j.get("clusters").toString()).isEqualTo("[\"inventory-v2\"]");
    assertThat(j.has("location")).isFalse();
    assertThat(j.has("status")).isFalse();
  }

  static final String TLS_CONFIG = """
      version: 1
      service: web
      clusters:
        - name: api
          endpoints: [127.0.0.1:8443]
          tls: { mode: mutual, verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/*"] }, source: workload }
        - name: plain
          endpoints: [127.0.0.1:8080]
      identity_sources:
        - name: workload
          pem: { cert_chain: /s/tls.crt, private_key: /s/tls.key, trust_bundle: /s/ca.crt }
      outbound:
        virtual_hosts:
          - name: api
            routes:
              - name: payments
                match: { prefix: /payments/ }
                to: api
                verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/payments"] }
              - { name: rest, to: api }
      """;

  @Test
  void explainNamesTheTlsVerificationOfTheClusterAndOfTheRoute() throws IOException {
    Path cfg = write(TLS_CONFIG);
    assertThat(run("explain", cfg.toString(), "--json", "GET", "http://api/payments/1"))
        .isEqualTo(0);
    JsonNode tls = json().get("tls");
    assertThat(tls.toString()).isEqualTo("[{\"cluster\":\"api\",\"mode\":\"mutual\","
        + "\"source\":\"workload\",\"verify\":\"spiffe_ids [spiffe://corp.test/ns/prod/*]\","
        + "\"route_verify\":\"spiffe_ids [spiffe://corp.test/ns/prod/sa/payments]\"}]");

    out.reset();
    assertThat(run("explain", cfg.toString(), "GET", "http://api/rest")).isEqualTo(0);
    assertThat(out()).endsWith("action: forward (forward to cluster api)\n"
        + "tls: cluster api: mutual (source workload), verify spiffe_ids"
        + " [spiffe://corp.test/ns/prod/*]\n");

    out.reset();
    assertThat(run("explain", cfg.toString(), "--json", "GET", "http://plain/x")).isEqualTo(0);
    assertThat(json().has("tls")).isFalse();
  }

  @Test
  void explainJsonForARedirectAndADirectResponse() throws IOException {
    assertThat(run("explain", full.toString(), "--json", "GET", "http://legacy.example/old/x?y=1"))
        .isEqualTo(0);
    JsonNode j = json();
    assertThat(j.get("action").asText()).isEqualTo("redirect");
    assertThat(j.get("location").asText()).isEqualTo("/?y=1");
    assertThat(j.get("status").asInt()).isEqualTo(302);
    assertThat(j.has("clusters")).isFalse();

    out.reset();
    assertThat(run("explain", full.toString(), "--json", "DELETE", "http://legacy.example/admin"))
        .isEqualTo(0);
    j = json();
    assertThat(j.get("action").asText()).isEqualTo("respond");
    assertThat(j.get("status").asInt()).isEqualTo(503);
  }

  @Test
  void explainExitsThreeWhenNoRouteMatches() throws IOException {
    assertThat(run("explain", full.toString(), "--json", "GET", "http://legacy.example/new"))
        .isEqualTo(3);
    JsonNode j = json();
    assertThat(j.get("virtual_host").asText()).isEqualTo("legacy");
    assertThat(j.get("route").isNull()).isTrue();
    assertThat(j.get("action").asText()).isEqualTo("none");
  }

  @Test
  void explainDecidesOnTheCanonicalPathAndExitsThreeForARefusedOne() throws IOException {
    assertThat(run("explain", full.toString(), "--json", "GET",
        "http://legacy.example/x/../%6Fld/;s=1/a")).isEqualTo(0);
    JsonNode j = json();
    assertThat(j.get("canonical_path").asText()).isEqualTo("/old/a");
    assertThat(j.get("action").asText()).isEqualTo("redirect");

    out.reset();
    assertThat(run("explain", full.toString(), "--json", "GET", "http://legacy.example/a%2Fb"))
        .isEqualTo(3);
    j = json();
    assertThat(j.get("action").asText()).isEqualTo("refuse");
    assertThat(j.get("reason").asText()).isEqualTo("escaped-slash");
    assertThat(j.has("canonical_path")).isFalse();

    out.reset();
    Path forward = write(Files.readString(full)
        + "\npath_normalization: { path_with_escaped_slashes_action: unescape_and_forward }\n");
    assertThat(run("explain", forward.toString(), "--json", "GET",
        "http://legacy.example/old%2Fx")).isEqualTo(0);
    assertThat(json().get("canonical_path").asText()).isEqualTo("/old/x");
  }

  @Test
  void explainInboundUsesTheInboundRulesAndTheSourceAddress() throws IOException {
    assertThat(run("explain", full.toString(), "--inbound", "--json", "GET",
        "http://self/v1/items", "--source", "10.1.2.3")).isEqualTo(0);
    JsonNode j = json();
    assertThat(j.get("route").asText()).isEqualTo("moved");
    assertThat(j.get("location").asText()).isEqualTo("/v2/items");
    assertThat(j.get("status").asInt()).isEqualTo(301);
  }

  @Test
  void explainRejectsBadArgumentsWithExitOne() {
    assertThat(run("explain", full.toString(), "GET", "inventory/api")).isEqualTo(1);
    assertThat(err()).contains("must start with http://");
    err.reset();
    assertThat(run("explain", full.toString(), "GET", "http://inventory/", "-H", "nocolon"))
        .isEqualTo(1);
    assertThat(err()).contains("-H: 'nocolon'");
    err.reset();
    assertThat(run("explain", full.toString(), "GET", "http://inventory/", "--source", "host"))
        .isEqualTo(1);
    assertThat(err()).contains("--source: 'host' is not an IP address");
    err.reset();
    assertThat(run("explain", full.toString(), "--frobnicate", "GET", "http://inventory/"))
        .isEqualTo(1);
    assertThat(err()).contains("unknown option --frobnicate");
  }

  @Test
  void simulateShowsSmoothWeightedRoundRobinExactlyOverACycle() throws IOException {
    Path cfg = write(
        """
        version: 1
        service: sim
        clusters:
          - name: inventory
            endpoints:
              - { address: 127.0.0.1:8081, weight: 5 }
              - { address: 127.0.0.1:8082 }
              - { address: 127.0.0.1:8083 }
        """);
    assertThat(run("simulate", cfg.toString(), "--json", "GET", "http://inventory/x", "-n", "70",
        "--seed", "7")).isEqualTo(0);
    JsonNode j = json();
    assertThat(j.get("counts").get("inventory/127.0.0.1:8081").asInt()).isEqualTo(50);
    assertThat(j.get("counts").get("inventory/127.0.0.1:8082").asInt()).isEqualTo(10);
    assertThat(j.get("counts").get("inventory/127.0.0.1:8083").asInt()).isEqualTo(10);
    // Smooth: the heavy endpoint never takes more than 3 picks in a row (5,1,1 → a a b a c a a).
    List<String> seq = new ObjectMapper().convertValue(j.get("sequence"), List.class);
    int run = 0;
    int longest = 0;
    for (String s : seq) {
      run = s.endsWith(":8081") ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assertThat(longest).isLessThanOrEqualTo(4);
  }

  @Test
  void simulateShowsTheLocalitySharesAndFollowsThem() throws IOException {
    Path cfg = write(
        """
        version: 1
        service: sim
        clusters:
          - name: inventory
            locality_lb: { mode: zone_aware }
            endpoints:
              - { address: 127.0.0.1:8081, zone: a }
              - { address: 127.0.0.1:8082, zone: a }
              - { address: 127.0.0.1:8083, zone: a }
              - { address: 127.0.0.1:8084, zone: a }
              - { address: 127.0.0.1:8085, zone: b }
              - { address: 127.0.0.1:8086, zone: b }
              - { address: 127.0.0.1:8087, zone: b }
              - { address: 127.0.0.1:8088, zone: b }
        """);
    assertThat(run("simulate", cfg.toString(), "--json", "GET", "http://inventory/x", "-n", "100",
        "--seed", "7", "--locality", "/a", "--down", "127.0.0.1:8081", "--down", "127.0.0.1:8082"))
        .isEqualTo(0);
    JsonNode j = json();
    // a keeps 2 of 4: up a = 2/6 = 3333 < local 5000, so 3333 * 10000 / 5000 = 66.66% stays
    assertThat(j.get("locality_shares").get("inventory").asText())
        .contains("zone routing residual: 66.66% stays in /a", "/a: 66.6600%", "/b: 33.3400%");
    int inA = j.get("counts").get("inventory/127.0.0.1:8083").asInt()
        + j.get("counts").get("inventory/127.0.0.1:8084").asInt();
    assertThat(inA).isBetween(66, 67);
  }

  @Test
  void simulateSplitsExactlyAndAvoidsDownEndpointsUntilPanic() throws IOException {
    assertThat(run("simulate", full.toString(), "--json", "GET", "http://inventory/api/x?debug=1",
        "-n", "100", "--seed", "3", "--down", "127.0.0.1:8081")).isEqualTo(0);
    JsonNode counts = json().get("counts");
    Map<String, Integer> m = new HashMap<>();
    counts.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
    // 90/10 split, exact over 100; inventory has 2 endpoints, one down = 50% usable: no panic.
    assertThat(m).containsExactlyInAnyOrderEntriesOf(Map.of(
        "inventory/127.0.0.1:8082", 90,
        "inventory-v2/127.0.0.1:9081", 10));

    out.reset();
    assertThat(run("simulate", full.toString(), "--json", "GET", "http://inventory/api/x?debug=1",
        "-n", "100", "--seed", "3", "--down", "127.0.0.1:8081", "--down", "127.0.0.1:8082"))
        .isEqualTo(0);
    // Both down: 0% usable is below the panic threshold, so both are used again, by weight (5:1).
    JsonNode panic = json().get("counts");
    assertThat(panic.get("inventory/127.0.0.1:8081").asInt()).isEqualTo(75);
    assertThat(panic.get("inventory/127.0.0.1:8082").asInt()).isEqualTo(15);
  }

  @Test
  void simulateWithTheSameSeedRepeatsItself() {
    run("simulate", full.toString(), "GET", "http://inventory/api/x?debug=1", "-n", "30", "--seed", "9");
    String first = out();
    out.reset();
    run("simulate", full.toString(), "GET", "http://inventory/api/x?debug=1", "-n", "30", "--seed", "9");
    assertThat(out()).isEqualTo(first).contains("counts:");
  }

  @Test
  void simulateRejectsAnUnknownDownAddressAndAMissingCount() {
    assertThat(run("simulate", full.toString(), "GET", "http://inventory/", "-n", "5",
        "--down", "10.9.9.9:1")).isEqualTo(1);
    assertThat(err()).contains("--down: no endpoint has the address 10.9.9.9:1");
    err.reset();
    assertThat(run("simulate", full.toString(), "GET", "http://inventory/")).isEqualTo(1);
    assertThat(err()).contains("-n N is required");
  }

  Path threeEndpoints(String lb) throws IOException {
    return write("""
        version: 1
        service: sim
        clusters:
          - name: inventory
            lb: %s
            endpoints: [127.0.0.1:8081, 127.0.0.1:8082, 127.0.0.1:8083]
        """.formatted(lb));
  }

  JsonNode simulateSlowThird(String lb) throws IOException {
    out.reset();
    assertThat(run("simulate", threeEndpoints(lb).toString(), "--json", "GET",
        "http://inventory/x", "-n", "20000", "--seed", "1", "--latency", "127.0.0.1:8083=10ms",
        "--concurrency", "16")).isEqualTo(0);
    return json();
  }

  static double share(JsonNode j, String address) {
    return j.get("counts").get("inventory/" + address).asDouble() / 20000;
  }

  @Test
  void simulateUnderLatencyShowsHowEachPolicySparesTheSlowEndpointAndTheTail() throws IOException {
    JsonNode rr = simulateSlowThird("weighted_round_robin");
    JsonNode lr = simulateSlowThird("least_request");
    JsonNode ewma = simulateSlowThird("peak_ewma");

    // Round robin gives it a third whatever its latency, so p99 is the slow endpoint's.
    assertThat(share(rr, "127.0.0.1:8083")).isCloseTo(1 / 3.0, within(0.001));
    assertThat(rr.get("latency").get("p99_ms").asDouble()).isEqualTo(10.0);
    assertThat(rr.get("latency").get("mean_ms").asDouble()).isCloseTo(4.0, within(0.01));
    // Least request sees its in-flight requests pile up and sends it less.
    assertThat(share(lr, "127.0.0.1:8083")).isBetween(0.03, 0.12);
    // Peak EWMA sees its latency: under 1%, and the p99 is the fast endpoints'.
    assertThat(share(ewma, "127.0.0.1:8083")).isLessThan(0.01);
    assertThat(ewma.get("latency").get("p99_ms").asDouble()).isEqualTo(1.0);
    assertThat(ewma.get("latency").get("throughput_per_second").asDouble())
        .isGreaterThan(lr.get("latency").get("throughput_per_second").asDouble())
        .isGreaterThan(3 * rr.get("latency").get("throughput_per_second").asDouble());
    assertThat(ewma.get("latency").get("endpoint_latency_ms").get("inventory/127.0.0.1:8083")
        .asDouble()).isEqualTo(10.0);
    assertThat(ewma.get("latency").get("requests").asInt()).isEqualTo(20000);
    assertThat(ewma.get("latency").get("concurrency").asInt()).isEqualTo(16);
  }

  @Test
  void simulateUnderLatencyIsDeterministicForASeedAndPrintsASummary() throws IOException {
    Path cfg = threeEndpoints("peak_ewma");
    String[] args = {"simulate", cfg.toString(), "GET", "http://inventory/x", "-n", "500",
        "--seed", "5", "--latency", "127.0.0.1:8081=2ms,127.0.0.1:8083=250us", "--concurrency",
        "4"};
    assertThat(run(args)).isEqualTo(0);
    String first = out();
    out.reset();
    assertThat(run(args)).isEqualTo(0);

    assertThat(out()).isEqualTo(first)
        .contains("latency (500 requests reached an endpoint, concurrency 4,")
        .contains("inventory/127.0.0.1:8081  answers in 2ms")
        .contains("inventory/127.0.0.1:8083  answers in 0.25ms")
        .contains("inventory/127.0.0.1:8082  answers in 1ms")
        .containsPattern("mean [0-9.]+ms, p50 [0-9.]+ms, p99 [0-9.]+ms");
  }

  @Test
  void simulateRejectsBadLatencyAndConcurrencyArguments() throws IOException {
    Path cfg = threeEndpoints("least_request");
    String[][] cases = {
        {"--latency", "10.9.9.9:1=5ms", "--latency: no endpoint has the address 10.9.9.9:1"},
        {"--latency", "127.0.0.1:8081", "--latency: '127.0.0.1:8081' (expected: ADDRESS=DURATION"},
        {"--latency", "127.0.0.1:8081=5", "--latency: '5' for 127.0.0.1:8081 (expected: a duration > 0"},
        {"--latency", "127.0.0.1:8081=0ms", "--latency: '0ms' for 127.0.0.1:8081"},
        {"--latency", "127.0.0.1:8081=1ms,127.0.0.1:8081=2ms",
            "--latency: 127.0.0.1:8081 given more than once"},
        {"--concurrency", "0", "--concurrency: 0 (expected: 1-100000)"},
        {"--concurrency", "many", "--concurrency: 'many' is not a number"},
    };
    for (String[] c : cases) {
      err.reset();
      assertThat(run("simulate", cfg.toString(), "GET", "http://inventory/x", "-n", "5", c[0], c[1]))
          .as(c[1]).isEqualTo(1);
      assertThat(err()).as(c[1]).contains(c[2]);
    }
  }

  @Test
  void noArgumentsPrintsUsageAndExitsOne() {
    assertThat(run()).isEqualTo(1);
    assertThat(err()).contains("usage:");
    assertThat(run("frob")).isEqualTo(1);
    assertThat(err()).contains("unknown command 'frob'");
  }
}
