package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter with the admin endpoints it finds through ServiceLoader ({@code MeshAdmin}): access
 * follows the source address the filter resolved, so neither another host nor a client forwarded
 * by a trusted proxy reaches the admin, and a drain through it flips the health endpoint.
 */
class MeshFilterWithMeshAdminTest {
  static final String CONFIG = """
      version: 1
      service: shop
      clusters:
        - name: inventory
          endpoints: [{ address: 127.0.0.1:1 }]
      inbound:
        trusted_proxies: [127.0.0.1/32]
      admin:
        enabled: true
        allow_from: [127.0.0.1/32]
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final OkHttpClient local = Fixtures.client();
  final OkHttpClient other = Fixtures.clientFrom("127.0.0.2");
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", Fixtures.servlet((req, res) -> Fixtures.write(res, 404, "app has no " + req.getRequestURI())))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private String call(OkHttpClient client, String method, String path, String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url(server.url(path))
        .method(method, method.equals("POST") ? RequestBody.create(new byte[0]) : null);
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    try (Response r = client.newCall(b.build()).execute()) {
      String type = r.header("Content-Type");
      return r.code() + " " + (type == null ? "-" : type.replace(" ", "")) + " " + r.body().string();
    }
  }

  @Test
  void anAllowedSourceGetsTheAdminEndpoints() throws Exception {
    assertThat(call(local, "GET", "/mesh/clusters"))
        .startsWith("200 application/json;charset=utf-8 ")
        .contains("\"inventory\"");
  }

  @Test
  void anotherHostGetsTheApplicationsOwn404AsIfThereWereNoAdmin() throws Exception {
    assertThat(call(other, "GET", "/mesh/clusters")).isEqualTo("404 text/plain;charset=utf-8 app has no /mesh/clusters");
    assertThat(call(other, "POST", "/mesh/drain")).isEqualTo("404 text/plain;charset=utf-8 app has no /mesh/drain");
    assertThat(mesh.isDraining()).isFalse();
  }

  @Test
  void aClientForwardedByATrustedProxyIsJudgedByItsOwnAddress() throws Exception {
    assertThat(call(local, "GET", "/mesh/clusters", "X-Forwarded-For", "192.0.2.10"))
        .isEqualTo("404 text/plain;charset=utf-8 app has no /mesh/clusters");
    assertThat(call(other, "GET", "/mesh/clusters", "X-Forwarded-For", "127.0.0.1"))
        .as("a forged header from an untrusted peer changes nothing")
        .isEqualTo("404 text/plain;charset=utf-8 app has no /mesh/clusters");
  }

  @Test
  void whenAdminIsDisabledEvenAnAllowedSourceGets404() throws Exception {
    mesh.reload(ConfigLoader.load(CONFIG.replace("enabled: true", "enabled: false")));

    assertThat(call(local, "GET", "/mesh/clusters")).isEqualTo("404 text/plain;charset=utf-8 app has no /mesh/clusters");
  }

  @Test
  void aDrainPostedToTheAdminTurnsTheHealthEndpointTo503() throws Exception {
    assertThat(call(local, "GET", "/mesh/health")).isEqualTo("200 text/plain;charset=utf-8 serving\n");
    assertThat(call(local, "GET", "/mesh/drain")).startsWith("405 ");

    assertThat(call(local, "POST", "/mesh/drain")).startsWith("200 ");

    assertThat(mesh.isDraining()).isTrue();
    try (Response r = local.newCall(new Request.Builder().url(server.url("/mesh/health")).build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshFilter.DRAINING_HEADER)).isEqualTo("true");
    }
  }

  @Test
  void theServerRequestMetricsShowInThePrometheusEndpoint() throws Exception {
    call(local, "GET", "/some/page");
    await("recorded", () -> Fixtures.totalRequests(registry) == 1);

    assertThat(call(local, "GET", "/mesh/metrics")).contains("mesh_server_requests")
        .contains("route=\"none\"").contains("outcome=\"pass\"").contains("status=\"4xx\"");
  }
}
