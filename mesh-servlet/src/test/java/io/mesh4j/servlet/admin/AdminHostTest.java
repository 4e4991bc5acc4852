package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DNS rebinding: a page on rebind.example whose name now resolves to 127.0.0.1 is same-origin
 * with the admin as far as the browser knows, so only the Host it sends can tell it apart.
 */
class AdminHostTest {
  static final String YAML = """
      version: 1
      service: frontend
      clusters: [{ name: inventory, endpoints: ["127.0.0.1:9001"] }]
      admin: { enabled: true, allow_from: ["127.0.0.1/32"], allowed_hosts: [Admin.Internal.] }
      """;
  static final String REFUSED = "admin requests must name a loopback Host, localhost, or a host"
      + " listed in admin.allowed_hosts";

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

  private Response post(String path, String host) throws Exception {
    Request.Builder b = new Request.Builder().url(server.url(path))
        .post(RequestBody.create(new byte[0]));
    if (host != null) {
      b.header("Host", host).header("Origin", "http://" + host)
          .header("Sec-Fetch-Site", "same-origin");
    }
    return client.newCall(b.build()).execute();
  }

  private Response get(String path, String host) throws Exception {
    return client.newCall(new Request.Builder().url(server.url(path)).header("Host", host).build())
        .execute();
  }

  @Test
  void aRebindingPageCannotDrainTheMesh() throws Exception {
    String host = "rebind.example:" + server.port();
    for (String path : new String[] {"/mesh/drain", "/mesh/healthcheck/fail"}) {
      try (Response r = post(path, host)) {
        assertThat(r.code()).isEqualTo(403);
        assertThat(r.body().string()).contains(REFUSED);
      }
    }
    assertThat(mesh.isDraining()).isFalse();
  }

  @Test
  void aRebindingPageCannotUndrainTheMeshEither() throws Exception {
    mesh.drain();
    try (Response r = post("/mesh/healthcheck/ok", "rebind.example:" + server.port())) {
      assertThat(r.code()).isEqualTo(403);
    }
    assertThat(mesh.isDraining()).isTrue();
  }

  @Test
  void aRebindingPageCannotReadTheConfigOrExplain() throws Exception {
    String host = "rebind.example:" + server.port();
    for (String path : new String[] {"/mesh/config", "/mesh/explain?url=http://inventory/x"}) {
      try (Response r = get(path, host)) {
        assertThat(r.code()).as(path).isEqualTo(403);
        String body = r.body().string();
        assertThat(body).contains(REFUSED).doesNotContain("127.0.0.1:9001");
      }
    }
    try (Response r = get("/mesh/config", "127.0.0.1:" + server.port())) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("127.0.0.1:9001");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:%d", "127.9.8.7:%d", "localhost:%d",
      "LOCALHOST.:%d", "[::1]:%d", "[0:0:0:0:0:0:0:1]", "admin.internal:%d", "ADMIN.internal.",
      "curl"})
  void anOperatorsHostDrains(String spelling) throws Exception {
    if (spelling.equals("curl")) {
      // Tools send the URL's own host and neither Origin nor Sec-Fetch-Site.
      try (Response r = post("/mesh/drain", null)) {
        assertThat(r.code()).isEqualTo(200);
      }
    } else {
      try (Response r = post("/mesh/drain", String.format(spelling, server.port()))) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    assertThat(mesh.isDraining()).isTrue();
  }

  @Test
  void anAllowedHostWithAPortOrAPathIsAConfigErrorNamingIt() {
    assertThatThrownBy(() -> ConfigLoader.load(YAML.replace("[Admin.Internal.]",
        "[ok.internal, \"admin.internal:8080\"]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.allowed_hosts[1]: \"admin.internal:8080\" (expected: a host"
            + " name or IP literal without port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"128.0.0.1", "10.0.0.1", "[::2]", "localhost.example", "admin.internal.evil",
      "127.0.0.1.nip.io", "[::1", "", "evil@127.0.0.1"})
  void otherHostsAreRefused(String host) {
    assertThat(MeshAdmin.hostAllowed(mesh.current().config().admin(), host)).isFalse();
  }
}
