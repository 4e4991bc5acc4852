package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.counter;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Authz and source addresses over real loopback connections: the default client connects from
 * 127.0.0.1, the "other" client from 127.0.0.2. 127.0.0.1 is the trusted proxy.
 */
class MeshFilterAuthzTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        trusted_proxies: [127.0.0.1/32]
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: moved
                match: { prefix: /old/ }
                redirect: { path: /new }
              - name: admin-area
                match: { prefix: /admin }
                pass: {}
        authz:
          default_action: allow
          rules:
            - name: no-internal
              action: deny
              match: { prefix: /internal/ }
            - name: office-admins
              action: allow
              match: { prefix: /admin, source: [10.20.0.0/16] }
            - name: admin-otherwise
              action: deny
              match: { prefix: /admin }
            - name: not-from-two
              action: deny
              match: { prefix: /private, source: [127.0.0.2/32] }
            - name: no-deletes
              action: deny
              match: { methods: [DELETE], headers: [{ name: x-force, present: false }] }
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient local = Fixtures.client();
  final OkHttpClient other = Fixtures.clientFrom("127.0.0.2");
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> write(res, 200,
            "app source=" + req.getAttribute(MeshFilter.SOURCE_ADDRESS_ATTRIBUTE)
                + " peer=" + req.getRemoteAddr())))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  private String call(OkHttpClient client, String method, String path, String... headers) throws Exception {
    Request.Builder b = new Request.Builder().url(server.url(path)).method(method, null);
    for (int i = 0; i < headers.length; i += 2) b.addHeader(headers[i], headers[i + 1]);
    try (Response r = client.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  @Test
  void aDenyRuleAnswers403WithAShortBodyAndCountsTheRule() throws Exception {
    assertThat(call(local, "GET", "/internal/keys")).isEqualTo("403 access denied");
    assertThat(call(other, "GET", "/internal/keys")).isEqualTo("403 access denied");
    assertThat(call(local, "GET", "/public")).isEqualTo("200 app source=127.0.0.1 peer=127.0.0.1");

    await("three recorded", () -> Fixtures.totalRequests(registry) == 3);
    assertThat(counter(registry, MeshMetricNames.SERVER_DENIED, "rule", "no-internal")).isEqualTo(2.0);
    assertThat(count(registry, "none", "4xx", "denied")).isEqualTo(2);
    assertThat(count(registry, "none", "2xx", "pass")).isEqualTo(1);
  }

  @Test
  void authzIsDecidedBeforeTheRouteActs() throws Exception {
    assertThat(call(local, "GET", "/admin/users")).isEqualTo("403 access denied");
    await("recorded", () -> count(registry, "self/admin-area", "4xx", "denied") == 1);
    assertThat(counter(registry, MeshMetricNames.SERVER_DENIED, "rule", "admin-otherwise")).isEqualTo(1.0);
  }

  @Test
  void rulesMatchOnMethodAndHeaders() throws Exception {
    assertThat(call(local, "DELETE", "/orders/1")).isEqualTo("403 access denied");
    assertThat(call(local, "DELETE", "/orders/1", "x-force", "yes")).startsWith("200 app");
    assertThat(counter(registry, MeshMetricNames.SERVER_DENIED, "rule", "no-deletes")).isEqualTo(1.0);
  }

  @Test
  void aSourceRuleSeesTheSocketPeer() throws Exception {
    assertThat(call(other, "GET", "/private/x")).isEqualTo("403 access denied");
    assertThat(call(local, "GET", "/private/x")).isEqualTo("200 app source=127.0.0.1 peer=127.0.0.1");
  }

  @ParameterizedTest(name = "from {0} with X-Forwarded-For [{1}] the source is {2}")
  @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
      127.0.0.2; 10.20.1.1;                 127.0.0.2
      127.0.0.2; 10.20.1.1, 127.0.0.1;      127.0.0.2
      127.0.0.1; -;                         127.0.0.1
      127.0.0.1; 10.20.1.1;                 10.20.1.1
      127.0.0.1; 203.0.113.9, 10.20.1.1;    10.20.1.1
      127.0.0.1; 10.20.1.1, 127.0.0.1;      10.20.1.1
      127.0.0.1; 127.0.0.1, 127.0.0.1;      127.0.0.1
      127.0.0.1; 10.20.1.1:4711;            10.20.1.1
      127.0.0.1; [2001:db8::7]:443;         2001:db8::7
      127.0.0.1; 10.20.1.1, unknown;        127.0.0.1
      127.0.0.1; 10.20.1.1, ;               10.20.1.1
      """)
  void xForwardedForCountsOnlyFromATrustedProxy(String from, String forwardedFor, String source)
      throws Exception {
    OkHttpClient client = from.equals("127.0.0.1") ? local : other;
    String[] headers = forwardedFor == null ? new String[0] : new String[] {"X-Forwarded-For", forwardedFor};

    assertThat(call(client, "GET", "/public", headers))
        .isEqualTo("200 app source=" + source + " peer=" + from);
  }

  @Test
  void severalForwardedForLinesAreReadAsOneListInOrder() throws Exception {
    assertThat(call(local, "GET", "/public", "X-Forwarded-For", "10.20.1.1", "X-Forwarded-For", "198.51.100.4, 127.0.0.1"))
        .isEqualTo("200 app source=198.51.100.4 peer=127.0.0.1");
  }

  @Test
  void aForgedForwardedForFromAnUntrustedPeerChangesNothing() throws Exception {
    assertThat(call(other, "GET", "/admin/x", "X-Forwarded-For", "10.20.30.40")).isEqualTo("403 access denied");
    assertThat(call(other, "GET", "/private/x", "X-Forwarded-For", "10.20.30.40")).isEqualTo("403 access denied");
  }

  @Test
  void aTrustedProxyForwardsTheClientAddressThatRulesThenSee() throws Exception {
    assertThat(call(local, "GET", "/admin/x", "X-Forwarded-For", "10.20.30.40"))
        .isEqualTo("200 app source=10.20.30.40 peer=127.0.0.1");
    assertThat(call(local, "GET", "/admin/x", "X-Forwarded-For", "10.21.30.40")).isEqualTo("403 access denied");
    assertThat(call(local, "GET", "/private/x", "X-Forwarded-For", "127.0.0.2")).isEqualTo("403 access denied");
  }
}
