package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Collections;
import java.util.concurrent.ConcurrentLinkedQueue;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A repeated header is one value, its lines joined with "," (Envoy's rule), for route and authz
 * matching on a real Jetty 12: a client's own line cannot win over one a proxy appended.
 */
class MeshFilterRepeatedHeaderTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: guests
                match: { prefix: /, headers: [{ name: x-role, contains: "guest" }] }
                respond: { status: 418, body: guest seen }
              - name: joined
                match: { prefix: /, headers: [{ name: x-tier, regex: "gold,silver" }] }
                respond: { status: 299, body: both lines seen }
              - name: app
                match: { prefix: / }
                pass: {}
        authz:
          default_action: deny
          rules:
            - name: admins-only
              action: allow
              match: { prefix: /admin, headers: [{ name: x-role, exact: admin }] }
            - name: public
              action: allow
              match: { prefix: /public }
      """;

  final OkHttpClient client = Fixtures.client();
  final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, new FakeTime(), new SimpleMeterRegistry());
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> {
          received.add(req.getRequestURI() + " x-role="
              + Collections.list(req.getHeaders("x-role")));
          write(res, 200, "app");
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private String call(String path, String... headers) throws Exception {
    Request.Builder b = new Request.Builder().url(server.url(path));
    for (int i = 0; i < headers.length; i += 2) b.addHeader(headers[i], headers[i + 1]);
    try (Response r = client.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  @Test
  void exactFailsWhenAProxyAppendedASecondLine() throws Exception {
    assertThat(call("/admin/x", "x-role", "admin")).isEqualTo("200 app");
    // The client's own "admin" line first, the proxy's line after it: "admin,user" is not "admin".
    assertThat(call("/admin/x", "x-role", "admin", "x-role", "user")).isEqualTo("403 access denied");
    assertThat(call("/admin/x", "x-role", "user", "x-role", "admin")).isEqualTo("403 access denied");

    assertThat(received).containsExactly("/admin/x x-role=[admin]");
  }

  @Test
  void containsAndRegexSeeTheJoinedValue() throws Exception {
    assertThat(call("/public/x", "x-role", "admin", "x-role", "guest")).isEqualTo("418 guest seen");
    assertThat(call("/public/x", "x-tier", "gold", "x-tier", "silver"))
        .isEqualTo("299 both lines seen");
    assertThat(call("/public/x", "x-tier", "gold")).isEqualTo("200 app");

    assertThat(received).containsExactly("/public/x x-role=[]");
  }
}
