package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host-spelling and repeated-header rules of {@link MeshFilterHostSpellingTest} and {@link
 * MeshFilterRepeatedHeaderTest} on the second container, embedded Tomcat 11 (its header and host
 * handling is its own), asserting what the servlet received.
 */
class TomcatHostAndHeaderSpellingTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: blocked
            domains: [blocked.example]
            routes:
              - name: deny
                match: { prefix: / }
                respond: { status: 403, body: "blocked" }
          - name: rest
            domains: ["*"]
            routes:
              - name: app
                match: { prefix: / }
                pass: {}
        authz:
          default_action: deny
          rules:
            - name: admins-only
              action: allow
              match: { prefix: /admin, headers: [{ name: x-role, exact: admin }] }
            - name: rest
              action: allow
              match: { prefix: /public }
      """;

  @TempDir static Path baseDir;
  static final OkHttpClient CLIENT = Fixtures.client();
  static final List<String> RECEIVED = new CopyOnWriteArrayList<>();
  static Mesh mesh;
  static Tomcat tomcat;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, new FakeTime(), new SimpleMeterRegistry());
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", baseDir.toString());
    FilterDef def = new FilterDef();
    def.setFilterName("mesh");
    def.setFilter(new MeshFilter(mesh));
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("mesh");
    map.addURLPattern("/*");
    context.addFilterMap(map);
    Tomcat.addServlet(context, "app", servlet((req, res) -> {
      RECEIVED.add(req.getHeader("host") + " " + req.getRequestURI() + " x-role="
          + Collections.list(req.getHeaders("x-role")));
      write(res, 200, "app");
    }));
    context.addServletMappingDecoded("/", "app");
    tomcat.start();
    port = connector.getLocalPort();
  }

  @AfterAll
  static void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    mesh.close();
  }

  @BeforeEach
  void clear() {
    RECEIVED.clear();
  }

  private static String call(String path, String... headers) throws Exception {
    Request.Builder b = new Request.Builder().url(HttpUrl.get("http://127.0.0.1:" + port + path));
    for (int i = 0; i < headers.length; i += 2) b.addHeader(headers[i], headers[i + 1]);
    try (Response r = CLIENT.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"blocked.example", "blocked.example.", "BLOCKED.Example.:8080",
      "Blocked.Example:8080"})
  void everySpellingOfTheBlockedHostIsDeniedAndTheServletReceivesNothing(String host)
      throws Exception {
    assertThat(call("/public/x", "Host", host)).isEqualTo("403 blocked");
    assertThat(RECEIVED).isEmpty();
  }

  @Test
  void anotherHostStillReachesTheServlet() throws Exception {
    assertThat(call("/public/x", "Host", "notblocked.example.")).isEqualTo("200 app");
    assertThat(RECEIVED).containsExactly("notblocked.example. /public/x x-role=[]");
  }

  @Test
  void exactFailsOnARepeatedHeaderWhoeverSentTheFirstLine() throws Exception {
    assertThat(call("/admin/x", "x-role", "admin", "x-role", "user")).isEqualTo("403 access denied");
    assertThat(call("/admin/x", "x-role", "user", "x-role", "admin")).isEqualTo("403 access denied");
    assertThat(RECEIVED).isEmpty();

    assertThat(call("/admin/x", "x-role", "admin")).isEqualTo("200 app");
    assertThat(RECEIVED).containsExactly("127.0.0.1:" + port + " /admin/x x-role=[admin]");
  }
}
