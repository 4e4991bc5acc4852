package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.util.EnumSet;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin as users get it: the real {@link MeshFilter} in front of an application, with no
 * handler given, finds {@link MeshAdmin} through ServiceLoader and hands it the source address it
 * resolved (X-Forwarded-For only from trusted proxies).
 */
class AdminThroughMeshFilterTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String YAML = """
      version: 1
      service: shop
      clusters:
        - name: inventory
          endpoints: ["127.0.0.1:9001"]
      inbound:
        trusted_proxies: ["127.0.0.1/32"]
      admin:
        enabled: true
        allow_from: ["10.1.2.3/32"]
      """;

  final Mesh mesh = Mesh.of(ConfigLoader.load(YAML));
  final OkHttpClient client = new OkHttpClient.Builder().followRedirects(false).build();
  Server server;
  int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addFilter(new FilterHolder(new MeshFilter(mesh)), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new AdminServer.NotFoundApp()), "/*");
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    mesh.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  record Reply(int status, String type, String draining, String body) {}

  Reply send(OkHttpClient c, String method, String path, String forwardedFor) throws IOException {
    Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + path)
        .method(method, method.equals("POST") ? RequestBody.create(new byte[0], null) : null);
    if (forwardedFor != null) b.header("X-Forwarded-For", forwardedFor);
    try (Response r = c.newCall(b.build()).execute()) {
      return new Reply(r.code(), r.header("Content-Type"), r.header("x-mesh-draining"), r.body().string());
    }
  }

  @Test
  void theFilterFindsTheAdminAndServesItToAnAllowedClientBehindATrustedProxy() throws Exception {
    Reply clusters = send(client, "GET", "/mesh/clusters", "10.1.2.3");
    Reply dashboard = send(client, "GET", "/mesh/", "10.1.2.3");

    assertThat(clusters.status()).isEqualTo(200);
    JsonNode j = JSON.readTree(clusters.body());
    assertThat(j.get("service").textValue()).isEqualTo("shop");
    assertThat(j.at("/clusters/0/endpoints/0/address").textValue()).isEqualTo("127.0.0.1:9001");
    assertThat(dashboard.status()).isEqualTo(200);
    assertThat(dashboard.type()).isEqualTo("text/html;charset=utf-8");
  }

  @Test
  void theSocketPeerOutsideAllowFromGetsTheApplicationsOwn404() throws Exception {
    Reply r = send(client, "GET", "/mesh/clusters", null);

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body()).contains("HTTP ERROR 404").doesNotContain("inventory");
  }

  @Test
  void aForgedForwardedForFromAnUntrustedPeerChangesNothing() throws Exception {
    OkHttpClient from2 = client.newBuilder().connectionPool(new ConnectionPool())
        .socketFactory(new BoundSocketFactory("127.0.0.2")).build();

    Reply r = send(from2, "GET", "/mesh/clusters", "10.1.2.3");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.body()).doesNotContain("inventory");
    from2.connectionPool().evictAll();
  }

  @Test
  void postDrainMakesTheFiltersHealthEndpointFailAndHealthcheckOkRestoresIt() throws Exception {
    assertThat(send(client, "GET", "/mesh/health", null).status()).isEqualTo(200);

    assertThat(send(client, "POST", "/mesh/drain", "10.1.2.3").status()).isEqualTo(200);

    Reply health = send(client, "GET", "/mesh/health", null);
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.draining()).isEqualTo("true");
    assertThat(send(client, "GET", "/anything", null).draining()).isEqualTo("true");

    assertThat(send(client, "POST", "/mesh/healthcheck/ok", "10.1.2.3").status()).isEqualTo(200);
    Reply back = send(client, "GET", "/mesh/health", null);
    assertThat(back.status()).isEqualTo(200);
    assertThat(back.draining()).isNull();
  }

  @Test
  void aGetOnAMutationThroughTheFilterIs405AndDrainsNothing() throws Exception {
    Reply r = send(client, "GET", "/mesh/healthcheck/fail", "10.1.2.3");

    assertThat(r.status()).isEqualTo(405);
    assertThat(mesh.isDraining()).isFalse();
    assertThat(send(client, "GET", "/mesh/health", null).status()).isEqualTo(200);
  }
}
