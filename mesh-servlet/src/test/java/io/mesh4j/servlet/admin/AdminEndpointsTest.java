package io.mesh4j.servlet.admin;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.route.DescribedRequest;
import io.mesh4j.time.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.outlier.EjectionReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The admin endpoints over real HTTP: embedded Jetty 12 on loopback, OkHttp as the client. */
class AdminEndpointsTest {
  static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
  static final ObjectMapper JSON = new ObjectMapper();

  static final String YAML = """
      version: 1
      service: frontend
      clusters:
        - name: inventory
          endpoints:
            - { address: "127.0.0.1:9001", weight: 5, zone: a }
            - "127.0.0.1:9002"
        - name: inventory-v2
          lb: least_request
          endpoints: ["127.0.0.1:9003"]
      outbound:
        virtual_hosts:
          - name: inventory
            domains: [inventory]
            routes:
              - name: canary
                match: { prefix: /api/, headers: [{ name: x-canary, exact: "true" }] }
                to: inventory-v2
              - name: split
                match: { prefix: / }
                split: [{ cluster: inventory, weight: 90 }, { cluster: inventory-v2, weight: 10 }]
                headers: { add: { x-mesh-route: split, authorization: "Bearer s3cr3t-bearer" } }
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: old
                match: { prefix: /v1/ }
                redirect: { prefix_rewrite: /v2/, code: 301 }
              - name: teapot
                match:
                  path: /tea
                  headers: [{ name: x-api-key, exact: "s3cr3t-key" }]
                  query: [{ name: access_token, exact: "s3cr3t-token" }]
                respond: { status: 418, body: short and stout, headers: { set-cookie: "sid=s3cr3t-cookie", x-kind: tea } }
      admin:
        enabled: true
        allow_from: ["127.0.0.1/32"]
      """;

  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = new OkHttpClient.Builder().followRedirects(false).build();
  Mesh mesh;
  AdminServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = newMesh(YAML);
    server = new AdminServer(new MeshAdmin(mesh));
  }

  Mesh newMesh(String yaml) {
    return Mesh.builder()
        .config(ConfigLoader.load(yaml))
        .ticker(time)
        .scheduler(time)
        .clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .meterRegistry(registry)
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  record Reply(int status, Headers headers, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  Reply call(OkHttpClient c, Request request) throws IOException {
    try (Response r = c.newCall(request).execute()) {
      return new Reply(r.code(), r.headers(), r.body().string());
    }
  }

  Reply get(String path) throws IOException {
    return call(client, new Request.Builder().url(server.url(path)).build());
  }

  Reply post(String path, String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url(server.url(path))
        .post(RequestBody.create(new byte[0], MediaType.get("application/json")));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return call(client, b.build());
  }

  static Endpoint endpoint(Cluster c, String address) {
    return c.endpoints().stream().filter(e -> e.address().equals(address)).findFirst().orElseThrow();
  }

  // ------------------------------------------------------------------------------ clusters

  @Test
  void clustersListsEveryEndpointWithWeightHealthEjectionActiveRequestsAndCounts() throws Exception {
    Cluster inventory = mesh.cluster("inventory");
    Endpoint a = endpoint(inventory, "127.0.0.1:9001");
    Endpoint b = endpoint(inventory, "127.0.0.1:9002");
    for (int i = 0; i < 3; i++) ClusterInternals.onOutcome(inventory, a, 200, Failure.NONE, 1_000_000);
    ClusterInternals.onOutcome(inventory, a, 503, Failure.NONE, 1_000_000);
    EndpointInternals.requestStarted(a);
    EndpointInternals.requestStarted(a);
    ClusterInternals.ejectNow(inventory, b, EjectionReason.CONSECUTIVE_5XX);
    time.advance(Duration.ofSeconds(10));

    Reply r = get("/mesh/clusters");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Content-Type")).isEqualTo("application/json;charset=utf-8");
    assertThat(r.headers().get("Cache-Control")).isEqualTo("no-store");
    assertThat(r.json()).isEqualTo(JSON.readTree("""
        {"service": "frontend", "generation": 1, "config_hash": "%s", "draining": false,
         "now": "2030-01-02T03:04:05Z",
         "clusters": [
          {"name": "inventory", "lb": "weighted_round_robin", "panic": false, "panic_threshold": 50,
           "usable": 1, "total": 2, "endpoints": [
            {"address": "127.0.0.1:9001", "zone": "a", "weight": 5, "effective_weight": 5,
             "health": "healthy", "healthy": true, "ejected": false, "ejection_reason": null,
             "ejected_until": null, "ejection_remaining_ms": 0, "times_ejected": 0,
             "active_requests": 2, "successes": 3, "failures": 1},
            {"address": "127.0.0.1:9002", "zone": null, "weight": 1, "effective_weight": 0,
             "health": "ejected", "healthy": true, "ejected": true,
             "ejection_reason": "consecutive_5xx", "ejected_until": "2030-01-02T03:04:25Z",
             "ejection_remaining_ms": 20000, "times_ejected": 0,
             "active_requests": 0, "successes": 0, "failures": 0}]},
          {"name": "inventory-v2", "lb": "least_request", "panic": false, "panic_threshold": 50,
           "usable": 1, "total": 1, "endpoints": [
            {"address": "127.0.0.1:9003", "zone": null, "weight": 1, "effective_weight": 1,
             "health": "healthy", "healthy": true, "ejected": false, "ejection_reason": null,
             "ejected_until": null, "ejection_remaining_ms": 0, "times_ejected": 0,
             "active_requests": 0, "successes": 0, "failures": 0}]}]}
        """.formatted(mesh.current().configHash())));
  }

  @Test
  void anEndpointThatSaysItDrainsShowsAsDrainingAndTheInstanceDrainFlagShows() throws Exception {
    Cluster inventory = mesh.cluster("inventory");
    ClusterInternals.ejectNow(inventory, endpoint(inventory, "127.0.0.1:9001"), EjectionReason.DRAINING);
    mesh.drain();

    JsonNode j = get("/mesh/clusters").json();

    assertThat(j.get("draining").booleanValue()).isTrue();
    JsonNode ep = j.at("/clusters/0/endpoints/0");
    assertThat(ep.get("health").textValue()).isEqualTo("draining");
    assertThat(ep.get("ejection_reason").textValue()).isEqualTo("draining");
  }

  // ------------------------------------------------------------------------------ config

  @Test
  void configShowsTheConfigInForceWithItsGenerationHashSourceAndLoadTime() throws Exception {
    JsonNode j = get("/mesh/config").json();

    assertThat(j.get("generation").longValue()).isEqualTo(1);
    assertThat(j.get("config_hash").textValue()).isEqualTo(mesh.current().configHash()).hasSize(12);
    assertThat(j.get("loaded_at").textValue()).isEqualTo("2030-01-02T03:04:05Z");
    assertThat(j.get("source").textValue()).isEqualTo("code");
    assertThat(j.get("last_reload_error").isNull()).isTrue();
    assertThat(j.at("/config/clusters/0/endpoints/0")).isEqualTo(JSON.readTree(
        "{\"address\": \"127.0.0.1:9001\", \"weight\": 5, \"zone\": \"a\","
            + " \"priority\": 0, \"locality_weight\": 1}"));
    assertThat(j.at("/config/admin")).isEqualTo(JSON.readTree(
        "{\"enabled\": true, \"allow_from\": [\"127.0.0.1/32\"], \"allowed_hosts\": []}"));
  }

  @Test
  void configNeverShowsSecretHeaderValuesOrMatchedCredentials() throws Exception {
    Reply r = get("/mesh/config");

    assertThat(r.body()).doesNotContain("s3cr3t");
    JsonNode j = r.json();
    assertThat(j.at("/config/outbound/virtual_hosts/0/routes/1/headers/add")).isEqualTo(JSON.readTree(
        "{\"x-mesh-route\": \"split\", \"authorization\": \"******\"}"));
    JsonNode teapot = j.at("/config/inbound/virtual_hosts/0/routes/1");
    assertThat(teapot.at("/match/headers/0")).isEqualTo(JSON.readTree(
        "{\"name\": \"x-api-key\", \"exact\": \"******\", \"invert\": false}"));
    assertThat(teapot.at("/match/query/0")).isEqualTo(JSON.readTree(
        "{\"name\": \"access_token\", \"exact\": \"******\"}"));
    assertThat(teapot.at("/respond/headers")).isEqualTo(JSON.readTree(
        "{\"set-cookie\": \"******\", \"x-kind\": \"tea\"}"));
    assertThat(teapot.at("/respond/body").textValue()).isEqualTo("short and stout");
  }

  @Test
  void explainNeverShowsAConfiguredOrSentCredentialInJsonOrText() throws Exception {
    // The teapot route fails on x-api-key; before issue 15 the text said: is not "s3cr3t-key".
    String q = "/mesh/explain?direction=inbound&url=http://me/tea?access_token=s3cr3t-sent"
        + "&header=x-api-key:%20s3cr3t-sent";
    Reply json = get(q);
    Reply text = get(q + "&format=text");

    assertThat(json.status()).isEqualTo(200);
    assertThat(text.status()).isEqualTo(200);
    assertThat(json.body()).doesNotContain("s3cr3t");
    assertThat(text.body()).doesNotContain("s3cr3t")
        .contains("header x-api-key value \"******\" is not \"******\"");
  }

  @Test
  void aRejectedReloadShowsAsLastReloadErrorWhileTheOldConfigKeepsServing(@TempDir Path dir)
      throws Exception {
    Path bad = dir.resolve("mesh.yaml");
    Files.writeString(bad, YAML.replace("weight: 5", "weight: 0"));
    assertThatThrownBy(() -> mesh.reload(bad)).isInstanceOf(ConfigException.class);

    JsonNode j = get("/mesh/config").json();

    assertThat(j.get("generation").longValue()).isEqualTo(1);
    assertThat(j.at("/config/clusters/0/endpoints/0/weight").intValue()).isEqualTo(5);
    JsonNode err = j.get("last_reload_error");
    assertThat(err.get("source").textValue()).isEqualTo(bad.toString());
    assertThat(err.get("at").textValue()).isEqualTo("2030-01-02T03:04:05Z");
    assertThat(err.get("errors")).hasSize(1);
    assertThat(err.at("/errors/0/path").textValue()).isEqualTo("clusters[0].endpoints[0].weight");
    assertThat(err.at("/errors/0/message").textValue()).contains("0").contains("expected");
  }

  @Test
  void aSuccessfulReloadShowsTheNewGenerationAndClearsTheError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("mesh.yaml");
    Files.writeString(bad, "version: 1\nclusters: 7\n");
    assertThatThrownBy(() -> mesh.reload(bad)).isInstanceOf(ConfigException.class);
    mesh.reload(ConfigLoader.load(YAML.replace("weight: 5", "weight: 7")));

    JsonNode j = get("/mesh/config").json();

    assertThat(j.get("generation").longValue()).isEqualTo(2);
    assertThat(j.get("last_reload_error").isNull()).isTrue();
    assertThat(j.at("/config/clusters/0/endpoints/0/weight").intValue()).isEqualTo(7);
  }

  // ------------------------------------------------------------------------------ routes, explain

  @Test
  void routesShowsBothCompiledTablesWithActionsTargetsAndImplicitRoutes() throws Exception {
    JsonNode j = get("/mesh/routes").json();

    JsonNode vh = j.at("/outbound/virtual_hosts/0");
    assertThat(vh.get("name").textValue()).isEqualTo("inventory");
    assertThat(vh.get("domains")).isEqualTo(JSON.readTree("[\"inventory\"]"));
    assertThat(vh.get("routes")).hasSize(2);
    assertThat(vh.at("/routes/0")).isEqualTo(JSON.readTree("""
        {"name": "canary",
         "match": {"prefix": "/api/", "case_sensitive": true,
                   "headers": [{"name": "x-canary", "exact": "true", "invert": false}]},
         "to": "inventory-v2", "action": "forward", "clusters": ["inventory-v2"]}
        """));
    assertThat(vh.at("/routes/1/action").textValue()).isEqualTo("split");
    assertThat(vh.at("/routes/1/clusters")).isEqualTo(JSON.readTree("[\"inventory\", \"inventory-v2\"]"));
    assertThat(vh.at("/routes/1/headers/add/authorization").textValue()).isEqualTo("******");
    assertThat(j.at("/outbound/implicit_routes")).isEqualTo(JSON.readTree(
        "[{\"cluster\": \"inventory\"}, {\"cluster\": \"inventory-v2\"}]"));
    JsonNode in = j.at("/inbound/virtual_hosts/0");
    assertThat(in.get("domains")).isEqualTo(JSON.readTree("[\"*\"]"));
    assertThat(in.at("/routes/0/action").textValue()).isEqualTo("redirect");
    assertThat(in.at("/routes/1/action").textValue()).isEqualTo("respond");
    assertThat(in.at("/routes/1/clusters")).isEmpty();
    assertThat(j.get("inbound").has("implicit_routes")).isFalse();
  }

  @Test
  void explainGivesTheSameJsonAsTheCliByteForByte() throws Exception {
    Reply r = get("/mesh/explain?method=get&url=http://inventory/api/items?x=1"
        + "&header=X-Canary:%20true");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(
        "{\"virtual_host\":\"inventory\",\"route\":\"canary\",\"action\":\"forward\","
            + "\"clusters\":[\"inventory-v2\"],\"canonical_path\":\"/api/items\"}");
  }

  @Test
  void explainDefaultsToGetOutboundAndCanExplainInboundAndInText() throws Exception {
    assertThat(get("/mesh/explain?url=http://inventory/api/items").json().get("route").textValue())
        .isEqualTo("split");
    assertThat(get("/mesh/explain?direction=inbound&url=http://me/v1/x?q=2").json())
        .isEqualTo(JSON.readTree("""
            {"virtual_host": "self", "route": "old", "action": "redirect",
             "location": "/v2/x?q=2", "status": 301, "canonical_path": "/v1/x"}
            """));
    Reply text = get("/mesh/explain?url=http://nowhere/&format=text");
    assertThat(text.headers().get("Content-Type")).isEqualTo("text/plain;charset=utf-8");
    assertThat(text.body()).isEqualTo(mesh.current().outbound()
        .explain(DescribedRequest.parse("GET", "http://nowhere/", List.of(), null, null)).toText());
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "/mesh/explain",
    "/mesh/explain?url=ftp://inventory/",
    "/mesh/explain?url=http://inventory/&direction=sideways",
    "/mesh/explain?url=http://inventory/&header=nocolon",
    "/mesh/explain?url=http://inventory/&source=not-an-ip",
    "/mesh/explain?url=http://inventory/&method=G%20T"
  })
  void explainAnswersABadQuestionWith400AndWhatIsWrong(String path) throws Exception {
    Reply r = get(path);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("error").textValue()).matches("(url|direction|header|source|method): .+");
  }

  // ------------------------------------------------------------------------------ mutations

  @ParameterizedTest
  @ValueSource(strings = {"/mesh/drain", "/mesh/healthcheck/fail", "/mesh/healthcheck/ok"})
  void aMutationAnswersGetWith405AndAllowPostAndChangesNothing(String path) throws Exception {
    Reply r = get(path);

    assertThat(r.status()).isEqualTo(405);
    assertThat(r.headers().get("Allow")).isEqualTo("POST");
    assertThat(mesh.isDraining()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/mesh/", "/mesh/clusters", "/mesh/config", "/mesh/routes",
      "/mesh/explain", "/mesh/metrics"})
  void aReadOnlyEndpointAnswersPostWith405AndAllowGetHead(String path) throws Exception {
    Reply r = post(path);

    assertThat(r.status()).isEqualTo(405);
    assertThat(r.headers().get("Allow")).isEqualTo("GET, HEAD");
  }

  @Test
  void postDrainDrainsAndHealthcheckOkUndrainsAndHealthcheckFailDrainsAgain() throws Exception {
    Reply drain = post("/mesh/drain");
    assertThat(drain.status()).isEqualTo(200);
    assertThat(drain.json()).isEqualTo(JSON.readTree("{\"draining\": true}"));
    assertThat(mesh.isDraining()).isTrue();

    assertThat(post("/mesh/healthcheck/ok").json()).isEqualTo(JSON.readTree("{\"draining\": false}"));
    assertThat(mesh.isDraining()).isFalse();

    assertThat(post("/mesh/healthcheck/fail").json()).isEqualTo(JSON.readTree("{\"draining\": true}"));
    assertThat(mesh.isDraining()).isTrue();
    assertThat(get("/mesh/clusters").json().get("draining").booleanValue()).isTrue();
  }

  @Test
  void aMutationFromAnotherOriginsPageIsRefusedWith403() throws Exception {
    String self = "http://127.0.0.1:" + server.port();
    assertThat(post("/mesh/drain", "Origin", "http://evil.example").status()).isEqualTo(403);
    assertThat(post("/mesh/drain", "Origin", "null").status()).isEqualTo(403);
    assertThat(post("/mesh/drain", "Origin", "http://127.0.0.1:1").status()).isEqualTo(403);
    assertThat(post("/mesh/drain", "Sec-Fetch-Site", "cross-site").status()).isEqualTo(403);
    assertThat(post("/mesh/drain", "Sec-Fetch-Site", "same-site").status()).isEqualTo(403);
    assertThat(mesh.isDraining()).isFalse();

    assertThat(post("/mesh/drain", "Origin", self, "Sec-Fetch-Site", "same-origin").status())
        .isEqualTo(200);
    assertThat(mesh.isDraining()).isTrue();
  }

  // ------------------------------------------------------------------------------ access

  /** A client whose connections come from 127.0.0.2 (its own pool: never reuses client's). */
  OkHttpClient from127002() throws IOException {
    return client.newBuilder()
        .connectionPool(new okhttp3.ConnectionPool())
        .socketFactory(new BoundSocketFactory("127.0.0.2"))
        .build();
  }

  /** Status, content type and body, the parts a client could tell apart. */
  static Map<String, Object> visible(Reply r, int port) {
    return Map.of("status", r.status(),
        "type", String.valueOf(r.headers().get("Content-Type")),
        "body", r.body().replace(":" + port + "/", ":PORT/"));
  }

  static final List<String> EVERY_PATH = List.of("/mesh", "/mesh/", "/mesh/clusters",
      "/mesh/config", "/mesh/routes", "/mesh/explain?url=http://inventory/", "/mesh/metrics",
      "/mesh/drain", "/mesh/healthcheck/fail", "/mesh/healthcheck/ok");

  /** Every admin path, with GET and POST, answers exactly as a server without any admin. */
  void assertAbsent(OkHttpClient c) throws Exception {
    try (AdminServer bare = new AdminServer(null)) {
      for (String path : EVERY_PATH) {
        for (boolean isPost : new boolean[] {false, true}) {
          Request.Builder mine = new Request.Builder().url(server.url(path));
          Request.Builder theirs = new Request.Builder().url(bare.url(path));
          if (isPost) {
            mine.post(RequestBody.create(new byte[0], null));
            theirs.post(RequestBody.create(new byte[0], null));
          }
          Reply got = call(c, mine.build());
          assertThat(got.status()).as(path).isEqualTo(404);
          assertThat(visible(got, server.port())).as(path)
              .isEqualTo(visible(call(client, theirs.build()), bare.port()));
        }
      }
    }
    assertThat(mesh.isDraining()).isFalse();
  }

  @Test
  void whenAdminIsDisabledEveryAdminPathIsIndistinguishableFromAMissingPage() throws Exception {
    mesh.reload(ConfigLoader.load(YAML.replace("enabled: true", "enabled: false")));

    assertAbsent(client);
  }

  @Test
  void fromAnAddressOutsideAllowFromEveryAdminPathIsIndistinguishableFromAMissingPage()
      throws Exception {
    OkHttpClient from2 = from127002();

    assertAbsent(from2);
  }

  @Test
  void allowFromAdmitsAnotherAddressOnceListed() throws Exception {
    OkHttpClient from2 = from127002();
    mesh.reload(ConfigLoader.load(YAML.replace("[\"127.0.0.1/32\"]", "[\"127.0.0.2/32\"]")));

    assertThat(call(from2, new Request.Builder().url(server.url("/mesh/clusters")).build()).status())
        .isEqualTo(200);
    assertThat(get("/mesh/clusters").status()).isEqualTo(404);
  }

  @Test
  void anUnknownPathUnderMeshIsLeftToTheApplication() throws Exception {
    assertThat(get("/mesh/nope").status()).isEqualTo(404);
    assertThat(get("/mesh/clusters/").status()).isEqualTo(404);
    assertThat(get("/meshy").status()).isEqualTo(404);
  }

  // ------------------------------------------------------------------------------ misc

  @Test
  void headAnswersWithTheHeadersOfGetAndNoBody() throws Exception {
    int length = get("/mesh/clusters").body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    Reply head = call(client, new Request.Builder().url(server.url("/mesh/clusters")).head().build());

    assertThat(head.status()).isEqualTo(200);
    assertThat(head.headers().get("Content-Length")).isEqualTo(Integer.toString(length));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void meshWithoutSlashRedirectsToTheDashboard() throws Exception {
    Reply r = get("/mesh");

    assertThat(r.status()).isEqualTo(302);
    assertThat(r.headers().get("Location")).isEqualTo("/mesh/");
  }

  @Test
  void underAContextPathTheAdminLivesBelowIt() throws Exception {
    try (AdminServer ctx = new AdminServer(new MeshAdmin(mesh), "/app")) {
      Reply r = call(client, new Request.Builder().url(ctx.url("/app/mesh")).build());
      assertThat(r.status()).isEqualTo(302);
      assertThat(r.headers().get("Location")).isEqualTo("/app/mesh/");
      assertThat(call(client, new Request.Builder().url(ctx.url("/app/mesh/clusters")).build())
          .status()).isEqualTo(200);
    }
  }

  @Test
  void theDashboardIsOneSelfContainedPageUnderAStrictContentSecurityPolicy() throws Exception {
    Reply r = get("/mesh/");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("Content-Type")).isEqualTo("text/html;charset=utf-8");
    String csp = r.headers().get("Content-Security-Policy");
    assertThat(csp).startsWith("default-src 'none'; script-src 'sha256-")
        .contains("connect-src 'self'").contains("frame-ancestors 'none'")
        .doesNotContain("unsafe");
    assertThat(r.body()).doesNotContain("src=").doesNotContain("<link")
        .doesNotContain("@import").doesNotContain("url(").doesNotContain("innerHTML")
        .doesNotContain("http://").doesNotContain("https://");
    assertThat(r.body().split("<script>", -1)).hasSize(2);
  }

  @Test
  void theFactoryIsFoundThroughServiceLoader() {
    List<io.mesh4j.servlet.AdminHandler.Factory> found = java.util.ServiceLoader
        .load(io.mesh4j.servlet.AdminHandler.Factory.class).stream()
        .map(java.util.ServiceLoader.Provider::get).toList();

    assertThat(found).hasSize(1);
    assertThat(found.get(0).create(mesh)).isInstanceOf(MeshAdmin.class);
    assertThat(((MeshAdmin) found.get(0).create(mesh)).mesh()).isSameAs(mesh);
  }
}
