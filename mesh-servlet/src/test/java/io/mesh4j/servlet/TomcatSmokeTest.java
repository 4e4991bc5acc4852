package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.context.MeshContext;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The same filter on a second container: embedded Tomcat 11, over loopback. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TomcatSmokeTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: moved
                match: { prefix: /v1/ }
                redirect: { prefix_rewrite: /v2/, code: 302 }
              - name: teapot
                match: { path: /teapot }
                respond: { status: 418, body: "short and stout" }
              - name: limited
                match: { path: /limited }
                rate_limit: { requests_per_second: 1, burst: 2 }
                pass: {}
              - name: async
                match: { prefix: /async }
                pass: {}
              - name: app
                match: { prefix: / }
                headers: { add: { x-mesh-route: app } }
                pass: {}
        authz:
          default_action: allow
          rules:
            - { name: loopback-two-kept-out, action: deny, match: { prefix: /private, source: [127.0.0.2/32] } }
      propagate:
        headers: [x-canary]
      """;

  @TempDir static Path baseDir;
  static final FakeTime TIME = new FakeTime();
  static final MeterRegistry REGISTRY = new SimpleMeterRegistry();
  static final OkHttpClient CLIENT = Fixtures.client();
  static Mesh mesh;
  static Tomcat tomcat;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, TIME, REGISTRY);
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
    def.setAsyncSupported("true");
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("mesh");
    map.addURLPattern("/*");
    map.setDispatcher("REQUEST");
    map.setDispatcher("ASYNC");
    map.setDispatcher("ERROR");
    context.addFilterMap(map);

    Tomcat.addServlet(context, "async", servlet((req, res) -> {
      AsyncContext ac = req.startAsync();
      ac.start(() -> {
        TIME.advance(Duration.ofMillis(30));
        try {
          write((HttpServletResponse) ac.getResponse(), 200, "async " + MeshContext.current().headers());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        ac.complete();
      });
    })).setAsyncSupported(true);
    context.addServletMappingDecoded("/async/*", "async");
    Tomcat.addServlet(context, "app", servlet((req, res) -> write(res, 200,
        "app " + req.getRequestURI() + " route-header=" + req.getHeader("x-mesh-route")
            + " context=" + MeshContext.current().headers()))).setAsyncSupported(true);
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

  private static String call(OkHttpClient client, String path) throws IOException {
    Request r = new Request.Builder().url(HttpUrl.get("http://127.0.0.1:" + port + path))
        .header("x-request-id", "t-1").header("x-canary", "green").build();
    try (Response res = client.newCall(r).execute()) {
      String location = res.header("Location");
      String draining = res.header(MeshFilter.DRAINING_HEADER);
      return res.code() + " " + res.body().string().trim()
          + (location == null ? "" : " location=" + location)
          + (draining == null ? "" : " draining=" + draining)
          + " id=" + res.header("x-request-id");
    }
  }

  @Test
  @Order(1)
  void routesAnswerOnTomcat() throws Exception {
    assertThat(call(CLIENT, "/v1/a?b=c"))
        .isEqualTo("302  location=/v2/a?b=c id=t-1");
    assertThat(call(CLIENT, "/teapot")).isEqualTo("418 short and stout id=t-1");
    assertThat(call(CLIENT, "/page")).isEqualTo(
        "200 app /page route-header=app context={x-request-id=t-1, x-canary=green} id=t-1");
  }

  @Test
  @Order(2)
  void rateLimitAndAuthzAnswerOnTomcat() throws Exception {
    assertThat(call(CLIENT, "/limited")).startsWith("200 ");
    assertThat(call(CLIENT, "/limited")).startsWith("200 ");
    assertThat(call(CLIENT, "/limited")).isEqualTo("429 rate limited id=t-1");
    assertThat(call(Fixtures.clientFrom("127.0.0.2"), "/private/x")).isEqualTo("403 access denied id=t-1");
    assertThat(call(CLIENT, "/private/x")).startsWith("200 app /private/x");
  }

  @Test
  @Order(3)
  void asyncRequestsCarryTheContextAndAreRecordedOnceAtCompletion() throws Exception {
    assertThat(call(CLIENT, "/async/x")).isEqualTo("200 async {x-request-id=t-1, x-canary=green} id=t-1");
    await("recorded", () -> count(REGISTRY, "self/async", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(REGISTRY, "self/async", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(30.0);
  }

  @Test
  @Order(4)
  void drainingShowsOnTomcat() throws Exception {
    assertThat(call(CLIENT, "/mesh/health")).isEqualTo("200 serving id=t-1");
    mesh.drain();
    assertThat(call(CLIENT, "/mesh/health")).isEqualTo("503 draining draining=true id=t-1");
    assertThat(call(CLIENT, "/teapot")).isEqualTo("418 short and stout draining=true id=t-1");
    mesh.undrain();
  }
}
