package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MeshFilter forwarding inbound {@code to} / {@code split} routes through {@link MeshGateway}: a
 * real Jetty in front, MockWebServer upstreams behind, everything on 127.0.0.1.
 */
class GatewayForwardingTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final OkHttpClient client = new OkHttpClient.Builder()
      .retryOnConnectionFailure(false)
      .followRedirects(false)
      .readTimeout(Duration.ofSeconds(30))
      .build();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  /** An upstream recording what it receives and answering with {@code answer}. */
  private MockWebServer upstream(List<RecordedRequest> received, MockResponse answer) throws IOException {
    MockWebServer s = new MockWebServer();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        received.add(request);
        return answer;
      }
    });
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    closeables.add(s);
    return s;
  }

  private Mesh mesh(String endpoints, String clusterExtra, String inbound) {
    return closeLater(Mesh.builder().config(Configs.of(endpoints, clusterExtra, inbound)).build());
  }

  private static String address(MockWebServer s) {
    return "127.0.0.1:" + s.getPort();
  }

  /** A port nothing listens on (bound, then released). */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static final String V2_ROUTES = """
      virtual_hosts:
        - name: self
          domains: ["*"]
          routes:
            - name: v2
              match: {prefix: /v2/}
              to: v2
      """;

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void methodPathQueryHeadersAndBodiesGoThroughByteExactBothWays(boolean async) throws Exception {
    byte[] requestBody = new byte[300_000];
    byte[] responseBody = new byte[500_000];
    new Random(1).nextBytes(requestBody);
    new Random(2).nextBytes(responseBody);
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .code(201)
        .addHeader("X-Up", "one")
        .addHeader("X-Up", "two")
        .addHeader("Content-Type", "application/x-thing; v=1")
        .body(new Buffer().write(responseBody))
        .build());
    Mesh mesh = mesh(address(up), "", V2_ROUTES);
    Front front = closeLater(new Front(mesh, async));

    Request request = new Request.Builder()
        .url(front.url("/v2/items/a%20b/%C3%A9;m=1?q=x%26y&empty=&q=2"))
        .header("X-Client", "c1")
        .addHeader("X-Client", "c2")
        .header("X-Forwarded-For", "198.51.100.9")
        .header("Accept-Encoding", "identity")
        .header("x-request-id", "req-123")
        .put(RequestBody.create(requestBody, MediaType.get("application/octet-stream")))
        .build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(201);
      assertThat(r.headers("X-Up")).containsExactly("one", "two");
      assertThat(r.header("Content-Type")).isEqualTo("application/x-thing; v=1");
      assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(responseBody.length));
      assertThat(r.header("x-request-id")).isEqualTo("req-123");
      assertThat(r.body().bytes()).isEqualTo(responseBody);
    }

    assertThat(received).hasSize(1);
    RecordedRequest got = received.get(0);
    assertThat(got.getMethod()).isEqualTo("PUT");
    assertThat(got.getTarget()).isEqualTo("/v2/items/a%20b/%C3%A9;m=1?q=x%26y&empty=&q=2");
    assertThat(got.getBody()).isEqualTo(ByteString.of(requestBody));
    assertThat(got.getHeaders().values("X-Client")).containsExactly("c1", "c2");
    assertThat(got.getHeaders().get("Host")).isEqualTo("127.0.0.1:" + front.port());
    assertThat(got.getHeaders().get("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(got.getHeaders().get("Content-Length")).isEqualTo(Integer.toString(requestBody.length));
    assertThat(got.getHeaders().get("x-request-id")).isEqualTo("req-123");
    // The peer (127.0.0.1) is not a trusted proxy: the client's X-Forwarded-For is not believed.
    assertThat(got.getHeaders().values("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(got.getHeaders().get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(got.getHeaders().get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + front.port());
    assertThat(front.localHits).hasValue(0);
  }

  @Test
  void aGetWithoutBodyAndAPostWithAnEmptyBodyAreForwardedAsSuch() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().code(204).build());
    Front front = closeLater(new Front(mesh(address(up), "", V2_ROUTES), true));

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/a")).build()).execute()) {
      assertThat(r.code()).isEqualTo(204);
    }
    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/b"))
        .post(RequestBody.create(new byte[0], null)).build()).execute()) {
      assertThat(r.code()).isEqualTo(204);
    }

    assertThat(received).extracting(RecordedRequest::getRequestLine)
        .containsExactly("GET /v2/a HTTP/1.1", "POST /v2/b HTTP/1.1");
    assertThat(received.get(0).getBodySize()).isEqualTo(0);
    assertThat(received.get(0).getHeaders().get("Content-Length")).isNull();
    assertThat(received.get(1).getHeaders().get("Content-Length")).isEqualTo("0");
  }

  @Test
  void hopByHopHeadersAreStrippedBothWays() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .code(200)
        .addHeader("Connection", "X-Up-Private")
        .addHeader("X-Up-Private", "secret")
        .addHeader("Keep-Alive", "timeout=5")
        .addHeader("Proxy-Authenticate", "Basic")
        .addHeader("Upgrade", "h2c")
        .addHeader("Trailer", "X-Sum")
        .addHeader("X-Up-Kept", "yes")
        .body("fine")
        .build());
    Front front = closeLater(new Front(mesh(address(up), "", V2_ROUTES), true));

    String raw = rawExchange(front.port(), "GET /v2/hop HTTP/1.1\r\n"
        + "Host: front.example\r\n"
        + "Connection: X-Client-Private, keep-alive\r\n"
        + "X-Client-Private: secret\r\n"
        + "Keep-Alive: timeout=5\r\n"
        + "Proxy-Authorization: Basic abc\r\n"
        + "TE: trailers\r\n"
        + "Proxy-Connection: keep-alive\r\n"
        + "X-Client-Kept: yes\r\n"
        + "\r\n");

    assertThat(received).as(raw).hasSize(1);
    okhttp3.Headers sent = received.get(0).getHeaders();
    assertThat(sent.names()).doesNotContain("X-Client-Private", "Keep-Alive",
        "Proxy-Authorization", "Proxy-Connection", "TE");
    assertThat(sent.get("X-Client-Kept")).isEqualTo("yes");
    assertThat(sent.get("X-Forwarded-Host")).isEqualTo("front.example");
    // Connection here is the forwarding client's own for its hop (OkHttp's explicit keep-alive;
    // Jetty's HTTP/1.1 default, none), never the client's.
    if (Gateways.transport() == GatewayTransport.OKHTTP) {
      assertThat(sent.values("Connection")).containsExactly("Keep-Alive");
    } else {
      assertThat(sent.values("Connection")).isEmpty();
    }

    String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    assertThat(head).startsWith("http/1.1 200");
    assertThat(head).contains("\r\nx-up-kept: yes");
    assertThat(head).doesNotContain("x-up-private", "keep-alive: timeout", "proxy-authenticate",
        "upgrade:", "trailer:");
    assertThat(raw).endsWith("fine");
  }

  /**
   * No SSRF through the gateway: the upstream is the route's cluster, whatever the request says —
   * a Host or X-Forwarded-Host naming another address, an absolute-form request target, a path
   * that spells an address. A loopback "victim" no config names never sees a request.
   */
  @Test
  void noPartOfTheRequestCanChooseTheUpstream() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    List<RecordedRequest> stolen = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().code(200).body("ok").build());
    MockWebServer victim = upstream(stolen,
        new MockResponse.Builder().code(200).body("victim").build());
    Front front = closeLater(new Front(mesh(address(up), "", V2_ROUTES), true));
    String v = address(victim);

    List<String> requests = List.of(
        "GET /v2/a HTTP/1.1\r\nHost: " + v + "\r\n",
        "GET /v2/a HTTP/1.1\r\nHost: front\r\nX-Forwarded-Host: " + v + "\r\n"
            + "Forwarded: host=" + v + "\r\nX-Original-URL: http://" + v + "/\r\n",
        "GET http://" + v + "/v2/a HTTP/1.1\r\nHost: " + v + "\r\n",
        "GET /v2//" + v + "/a HTTP/1.1\r\nHost: front\r\n",
        "GET /v2/..%2F..%2F" + v + "/a HTTP/1.1\r\nHost: front\r\n",
        "GET /v2/@" + v + "/a?next=http://" + v + "/ HTTP/1.1\r\nHost: front\r\n");
    int forwarded = 0;
    for (int i = 0; i < requests.size(); i++) {
      String r = requests.get(i);
      String raw = rawExchange(front.port(), r + "Connection: close\r\n\r\n");
      if (i < 3) {
        assertThat(raw).as(r).startsWith("HTTP/1.1 200").endsWith("ok");
      } else {
        // Jetty refuses ambiguous paths (empty segments, encoded slashes) with 400 itself.
        assertThat(raw).as(r).matches("(?s)HTTP/1\\.1 (200 .*ok|400 .*)");
      }
      if (raw.startsWith("HTTP/1.1 200")) forwarded++;
    }

    assertThat(received).hasSize(forwarded);
    assertThat(stolen).isEmpty();
  }

  /** Sends {@code request} on a fresh socket and reads until the server closes or the body is in. */
  private static String rawExchange(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder b = new StringBuilder();
      byte[] buf = new byte[8192];
      while (true) {
        int n = in.read(buf);
        if (n < 0) break;
        b.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        int end = b.indexOf("\r\n\r\n");
        if (end >= 0) {
          String head = b.substring(0, end).toLowerCase(java.util.Locale.ROOT);
          int cl = head.indexOf("content-length: ");
          if (cl >= 0) {
            int len = Integer.parseInt(head.substring(cl + 16).split("\r\n")[0].trim());
            if (b.length() - end - 4 >= len) break;
          }
        }
      }
      return b.toString();
    }
  }

  @Test
  void rewriteRouteHeadersAndATrustedProxyChainApply() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().code(200).body("ok").build());
    Front front = closeLater(new Front(mesh(address(up), "", """
        trusted_proxies: [127.0.0.1/32]
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: v2
                match: {prefix: /v2/}
                to: v2
                rewrite: {prefix: /api/, host: inventory.internal}
                headers: {add: {x-via-mesh: "1"}, remove: [x-secret]}
        """), true));

    Request request = new Request.Builder().url(front.url("/v2/items?page=2"))
        .header("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "shop.example")
        .header("x-secret", "s")
        .build();
    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    RecordedRequest got = received.get(0);
    assertThat(got.getTarget()).isEqualTo("/api/items?page=2");
    assertThat(got.getHeaders().get("Host")).isEqualTo("inventory.internal");
    assertThat(got.getHeaders().get("x-via-mesh")).isEqualTo("1");
    assertThat(got.getHeaders().get("x-secret")).isNull();
    assertThat(got.getHeaders().values("X-Forwarded-For"))
        .containsExactly("203.0.113.7, 10.0.0.1, 127.0.0.1");
    assertThat(got.getHeaders().get("X-Forwarded-Proto")).isEqualTo("https");
    assertThat(got.getHeaders().get("X-Forwarded-Host")).isEqualTo("shop.example");
  }

  @Test
  void aGetToADownEndpointIsRetriedOnAnotherAndEveryEndpointDownIs503() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().code(200).body("up").build());
    int down = closedPort();
    Front front = closeLater(new Front(mesh("127.0.0.1:" + down + ", " + address(up), "", V2_ROUTES),
        true));

    for (int i = 0; i < 4; i++) {
      try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/x")).build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("up");
      }
    }
    assertThat(received).hasSize(4);

    int down2 = closedPort();
    Front allDown = closeLater(new Front(mesh("127.0.0.1:" + down + ", 127.0.0.1:" + down2, "",
        V2_ROUTES), true));
    try (Response r = client.newCall(new Request.Builder().url(allDown.url("/v2/x")).build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("x-mesh-error")).isEqualTo("upstream-failure");
      assertThat(r.body().string()).isEqualTo("upstream unavailable (upstream-failure)\n");
    }
  }

  @Test
  void aPostWhoseBodyWasSentIsNotRetriedButAGetIs() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .onResponseStart(new SocketEffect.CloseSocket()).build());
    Front front = closeLater(new Front(mesh(address(up), "", V2_ROUTES), true));

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/order"))
        .post(RequestBody.create("{\"n\":1}", MediaType.get("application/json"))).build()).execute()) {
      assertThat(r.code()).isEqualTo(502);
      assertThat(r.header("x-mesh-error")).isEqualTo("upstream-failure");
      assertThat(r.body().string()).isEqualTo("bad gateway (upstream-failure)\n");
    }
    assertThat(received).hasSize(1);

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/order")).build())
        .execute()) {
      assertThat(r.code()).isEqualTo(502);
    }
    // attempts: 2 by default: the GET went out twice.
    assertThat(received).hasSize(3);
  }

  @Test
  void aStalledUpstreamIsA504AtTheRouteTimeout() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .headersDelay(20, TimeUnit.SECONDS).body("late").build());
    Front front = closeLater(new Front(mesh(address(up), "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: v2
                match: {prefix: /v2/}
                to: v2
                timeout: 400ms
        """), true));

    long t0 = System.nanoTime();
    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/slow")).build()).execute()) {
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(r.code()).isEqualTo(504);
      assertThat(r.header("x-mesh-error")).isEqualTo("timeout");
      assertThat(r.body().string()).isEqualTo("upstream timed out (timeout)\n");
      assertThat(ms).isBetween(400L, 5_000L);
    }
  }

  @Test
  void aSplitBetweenTheLocalApplicationAndAClusterIsExactOverEachCycle() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().code(200).body("remote").build());
    Front front = closeLater(new Front(mesh(address(up), "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: canary
                match: {prefix: /}
                split:
                  - {local: true, weight: 3}
                  - {cluster: v2, weight: 1}
        """), true));

    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      try (Response r = client.newCall(new Request.Builder().url(front.url("/p")).build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        bodies.add(r.body().string());
      }
    }

    for (int start = 0; start + 4 <= bodies.size(); start++) {
      List<String> window = bodies.subList(start, start + 4);
      assertThat(window.stream().filter("remote"::equals).count()).as("window %d", start)
          .isEqualTo(1);
      assertThat(window.stream().filter("local /p"::equals).count()).isEqualTo(3);
    }
    assertThat(front.localHits).hasValue(30);
    assertThat(received).hasSize(10);
  }

  @ParameterizedTest(name = "async {0}, chunked {1}")
  @org.junit.jupiter.params.provider.CsvSource({"true, true", "true, false", "false, true",
      "false, false"})
  void anUpstreamBodyCutMidwayReachesTheClientAsABrokenResponseNotAShortOne(boolean async,
      boolean chunked) throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    byte[] body = new byte[200_000];
    new Random(3).nextBytes(body);
    MockResponse.Builder answer = new MockResponse.Builder().code(200)
        .onResponseBody(new SocketEffect.CloseSocket());
    if (chunked) {
      answer.chunkedBody(new Buffer().write(body), 8192);
    } else {
      answer.body(new Buffer().write(body));
    }
    MockWebServer up = upstream(received, answer.build());
    Front front = closeLater(new Front(mesh(address(up), "", V2_ROUTES), async));

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/cut")).build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> r.body().bytes());
      assertThat(t).isInstanceOf(IOException.class);
    }
  }
}
