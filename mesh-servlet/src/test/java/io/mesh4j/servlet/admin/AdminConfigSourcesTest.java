package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.ConfigSourceStatus;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /mesh/config shows the status of every external config source registered on the mesh. */
class AdminConfigSourcesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String YAML = """
      version: 1
      service: frontend
      clusters: [{ name: inventory, endpoints: ["127.0.0.1:9001"] }]
      admin: { enabled: true, allow_from: ["127.0.0.1/32"] }
      """;

  final FakeTime time = new FakeTime();
  final OkHttpClient client = new OkHttpClient();
  Mesh mesh;
  AdminServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Mesh.builder().config(ConfigLoader.load(YAML)).ticker(time).scheduler(time).build();
    server = new AdminServer(new MeshAdmin(mesh));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  JsonNode config() throws Exception {
    try (Response r = client.newCall(new Request.Builder().url(server.url("/mesh/config")).build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      return JSON.readTree(r.body().string());
    }
  }

  @Test
  void withoutSourcesTheObjectIsEmpty() throws Exception {
    assertThat(config().get("config_sources")).isEqualTo(JSON.readTree("{}"));
  }

  @Test
  void aSourcesStatusTreeIsRenderedAsJsonReadAtRequestTime() throws Exception {
    Map<String, Object> nack = new LinkedHashMap<>();
    nack.put("type", "Cluster");
    nack.put("version", "v3");
    nack.put("nonce", "7");
    nack.put("detail", "Cluster inventory: outlier_detection.x: not supported");
    nack.put("at", null);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("state", "connected");
    status.put("resources", Map.of("Cluster", Map.of("version", "v2", "nonce", "6")));
    status.put("last_nack", nack);
    status.put("reconnects", 3);
    status.put("ratio", 0.5);
    status.put("tls", true);
    status.put("listeners", Arrays.asList("out", null));
    status.put("auth_token", "s3cr3t");
    mesh.registerConfigSource("xds", () -> status);

    JsonNode j = config().get("config_sources");

    assertThat(j).isEqualTo(JSON.readTree("""
        {"xds": {"state": "connected",
                 "resources": {"Cluster": {"version": "v2", "nonce": "6"}},
                 "last_nack": {"type": "Cluster", "version": "v3", "nonce": "7",
                               "detail": "Cluster inventory: outlier_detection.x: not supported",
                               "at": null},
                 "reconnects": 3, "ratio": 0.5, "tls": true, "listeners": ["out", null],
                 "auth_token": "******"}}
        """));
    status.put("state", "connecting");
    assertThat(config().at("/config_sources/xds/state").textValue()).isEqualTo("connecting");
  }

  @Test
  void aStatusThatThrowsIsShownAsAnErrorAndTheOtherSourcesStillRender() throws Exception {
    ConfigSourceStatus broken = () -> {
      throw new IllegalStateException("boom");
    };
    mesh.registerConfigSource("broken", broken);
    mesh.registerConfigSource("xds", () -> Map.of("state", "connected", "types", List.of()));

    assertThat(config().get("config_sources")).isEqualTo(JSON.readTree("""
        {"broken": {"status_error": "java.lang.IllegalStateException: boom"},
         "xds": {"state": "connected", "types": []}}
        """));
  }
}
