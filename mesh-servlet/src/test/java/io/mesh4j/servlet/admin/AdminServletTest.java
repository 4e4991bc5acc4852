package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MeshAdminServlet: the admin on a port of its own, without MeshFilter. */
class AdminServletTest {
  final OkHttpClient client = new OkHttpClient.Builder().followRedirects(false).build();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(AdminEndpointsTest.YAML))
      .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).build();
  Server server;
  int port;

  @AfterEach
  void stop() throws Exception {
    if (server != null) server.stop();
    mesh.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  void start(ServletHolder holder, String mapping, Consumer<ServletContextHandler> setup) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    setup.accept(context);
    context.addServlet(holder, mapping);
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  record Reply(int status, String type, String body) {}

  Reply get(String path) throws IOException {
    return call(new Request.Builder().url("http://127.0.0.1:" + port + path).build());
  }

  Reply call(Request r) throws IOException {
    try (Response res = client.newCall(r).execute()) {
      return new Reply(res.code(), res.header("Content-Type"), res.body().string());
    }
  }

  @Test
  void mappedAtMeshStarItServesEveryEndpointAndNothingElse() throws Exception {
    start(new ServletHolder(new MeshAdminServlet(mesh)), "/mesh/*", c -> { });

    assertThat(get("/mesh/clusters").status()).isEqualTo(200);
    assertThat(get("/mesh/").type()).isEqualTo("text/html;charset=utf-8");
    assertThat(get("/mesh/metrics").body()).contains("# TYPE mesh_cluster_endpoints gauge");
    assertThat(call(new Request.Builder().url("http://127.0.0.1:" + port + "/mesh/drain")
        .post(RequestBody.create(new byte[0], null)).build()).status()).isEqualTo(200);
    assertThat(mesh.isDraining()).isTrue();
    assertThat(get("/mesh").status()).isEqualTo(302);
  }

  @Test
  void whatTheAdminDoesNotAnswerGetsTheContainersOwn404() throws Exception {
    start(new ServletHolder(new MeshAdminServlet(mesh)), "/", c -> { });

    Reply unknown = get("/mesh/nope");
    Reply outside = get("/elsewhere");

    assertThat(get("/mesh/clusters").status()).isEqualTo(200);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.type()).isEqualTo(outside.type());
    assertThat(unknown.body().replace("/mesh/nope", "PATH"))
        .isEqualTo(outside.body().replace("/elsewhere", "PATH"));

    mesh.reload(ConfigLoader.load(AdminEndpointsTest.YAML.replace("enabled: true", "enabled: false")));
    Reply disabled = get("/mesh/clusters");
    assertThat(disabled.status()).isEqualTo(404);
    assertThat(disabled.body().replace("/mesh/clusters", "PATH"))
        .isEqualTo(outside.body().replace("/elsewhere", "PATH"));
  }

  @Test
  void deployedByClassNameItTakesTheMeshFromTheServletContext() throws Exception {
    start(new ServletHolder(MeshAdminServlet.class), "/mesh/*",
        c -> c.setAttribute(MeshAdminServlet.DEFAULT_MESH_ATTRIBUTE, mesh));

    assertThat(get("/mesh/config").body()).contains("\"service\" : \"frontend\"");
  }

  @Test
  void theContextAttributeCanBeNamedByAnInitParameter() throws Exception {
    ServletHolder holder = new ServletHolder(MeshAdminServlet.class);
    holder.setInitParameter(MeshAdminServlet.MESH_ATTRIBUTE_PARAM, "app.mesh");
    start(holder, "/mesh/*", c -> c.setAttribute("app.mesh", mesh));

    assertThat(get("/mesh/clusters").status()).isEqualTo(200);
  }

  @Test
  void withoutAMeshInTheContextTheServletIsPermanentlyUnavailable() throws Exception {
    ServletHolder holder = new ServletHolder(MeshAdminServlet.class);
    start(holder, "/mesh/*", c -> c.setAttribute("io.mesh4j.Mesh", "not a mesh"));

    // Servlet spec: a servlet permanently unavailable at init is out of service, answered with 404.
    assertThat(get("/mesh/clusters").status()).isEqualTo(404);
    assertThat(holder.isAvailable()).isFalse();
  }
}
