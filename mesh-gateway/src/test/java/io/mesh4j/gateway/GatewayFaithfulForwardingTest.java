package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import java.io.ByteArrayOutputStream;
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
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a proxy must pass through unchanged (issue 23): the client's {@code Host}, no header of the
 * forwarding client's own, an encoded body never decoded, response trailers, and {@code Expect:
 * 100-continue} answered by the upstream, not the gateway. Each test asserts what the upstream
 * received and what the client received, on real loopback sockets.
 */
class GatewayFaithfulForwardingTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  private MockWebServer upstream(List<RecordedRequest> received, MockResponse answer)
      throws IOException {
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

  private Front front(String upstreamAddress, String routeExtra, boolean async) throws Exception {
    Mesh mesh = closeLater(Mesh.builder().config(Configs.of(upstreamAddress, "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: v2
                match: {prefix: /v2/}
                to: v2
        %s
        """.formatted(Configs.indent(routeExtra, 8)))).build());
    return closeLater(new Front(mesh, async));
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void theClientsHostGoesUpstreamAndNoHeaderOfTheForwardingClientIsAdded(boolean async)
      throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().body("ok").build());
    Front front = front("127.0.0.1:" + up.getPort(), "", async);

    String raw = exchange(front.port(), "GET /v2/a HTTP/1.1\r\nHost: shop.example:8443\r\n"
        + "Connection: close\r\n\r\n", null);

    assertThat(raw).startsWith("HTTP/1.1 200").endsWith("ok");
    assertThat(received).hasSize(1);
    Headers got = received.get(0).getHeaders();
    assertThat(got.values("Host")).containsExactly("shop.example:8443");
    assertThat(got.names()).doesNotContain("User-Agent", "Accept-Encoding");
  }

  @Test
  void theClientsOwnUserAgentAndAcceptEncodingGoUpstreamAsSent() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().body("ok").build());
    Front front = front("127.0.0.1:" + up.getPort(), "", true);

    exchange(front.port(), "GET /v2/a HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/8.5\r\n"
        + "Accept-Encoding: br\r\nConnection: close\r\n\r\n", null);

    Headers got = received.get(0).getHeaders();
    assertThat(got.values("User-Agent")).containsExactly("curl/8.5");
    assertThat(got.values("Accept-Encoding")).containsExactly("br");
  }

  @Test
  void rewriteHostReplacesTheClientsHost() throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder().body("ok").build());
    Front front = front("127.0.0.1:" + up.getPort(), "rewrite: {host: inventory.internal}", true);

    exchange(front.port(), "GET /v2/a HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n",
        null);

    Headers got = received.get(0).getHeaders();
    assertThat(got.values("Host")).containsExactly("inventory.internal");
    assertThat(got.values("X-Forwarded-Host")).containsExactly("shop.example");
  }

  /** Whatever the client asked for, an encoded upstream body reaches it encoded, byte for byte. */
  @ParameterizedTest(name = "client Accept-Encoding: {0}")
  @ValueSource(strings = {"", "gzip"})
  void anEncodedBodyIsPassedThroughNeverDecompressed(String acceptEncoding) throws Exception {
    byte[] plain = new byte[100_000];
    new Random(7).nextBytes(plain);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(plain);
    }
    byte[] encoded = gz.toByteArray();
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .addHeader("Content-Encoding", "gzip")
        .body(new Buffer().write(encoded))
        .build());
    Front front = front("127.0.0.1:" + up.getPort(), "", true);

    String ae = acceptEncoding.isEmpty() ? "" : "Accept-Encoding: " + acceptEncoding + "\r\n";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head = exchange(front.port(), "GET /v2/z HTTP/1.1\r\nHost: f\r\n" + ae
        + "Connection: close\r\n\r\n", body);

    assertThat(head.toLowerCase(Locale.ROOT))
        .contains("\r\ncontent-encoding: gzip\r\n")
        .contains("\r\ncontent-length: " + encoded.length + "\r\n")
        .doesNotContain(AsSent.CONTENT_ENCODING);
    assertThat(body.toByteArray()).isEqualTo(encoded);
    assertThat(received.get(0).getHeaders().values("Accept-Encoding"))
        .isEqualTo(acceptEncoding.isEmpty() ? List.of() : List.of(acceptEncoding));
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void responseTrailersReachTheClient(boolean async) throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    MockWebServer up = upstream(received, new MockResponse.Builder()
        .chunkedBody("first part, second part", 5)
        .trailers(Headers.of("x-checksum", "c0ffee", "grpc-status", "0"))
        .build());
    Front front = front("127.0.0.1:" + up.getPort(), "", async);
    OkHttpClient client = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
    closeLater(() -> client.connectionPool().evictAll());

    try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/t")).build())
        .execute()) {
      assertThat(r.body().string()).isEqualTo("first part, second part");
      assertThat(r.trailers().get("x-checksum")).isEqualTo("c0ffee");
      assertThat(r.trailers().get("grpc-status")).isEqualTo("0");
    }
  }

  /**
   * {@code Expect: 100-continue} is the upstream's to answer: accepted, the client gets the
   * upstream's {@code 100}, then sends its body, which arrives byte for byte.
   */
  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void expectContinueAcceptedByTheUpstreamLetsTheBodyThrough(boolean async) throws Exception {
    RawUpstream up = closeLater(new RawUpstream(true));
    Front front = front("127.0.0.1:" + up.port(), "", async);

    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), front.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v2/up HTTP/1.1\r\nHost: f\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(readHead(in)).startsWith("HTTP/1.1 100");
      out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(rest).startsWith("HTTP/1.1 200").endsWith("got hello");
    }
    String upstreamHead = up.heads.poll(10, TimeUnit.SECONDS);
    assertThat(upstreamHead.toLowerCase(Locale.ROOT)).contains("\r\nexpect: 100-continue\r\n");
    assertThat(up.bodies.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
  }

  /**
   * Refused by the upstream (here 401 before any body), the client gets that final status without
   * a {@code 100} and without having sent its body; the upstream never receives a body byte.
   */
  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void expectContinueRefusedByTheUpstreamNeverAsksTheClientForItsBody(boolean async)
      throws Exception {
    RawUpstream up = closeLater(new RawUpstream(false));
    Front front = front("127.0.0.1:" + up.port(), "", async);

    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), front.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v2/up HTTP/1.1\r\nHost: f\r\nExpect: 100-continue\r\n"
          + "Content-Length: 5\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 401");
    }
    assertThat(up.heads.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(up.bodies).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sends {@code request} (which must ask for {@code Connection: close}), returns the response
   * head and, when {@code body} is null, the body as text after it; else the body goes to it.
   */
  private static String exchange(int port, String request, ByteArrayOutputStream body)
      throws IOException {
    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      byte[] all = s.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n") + 4;
      if (body == null) return text;
      body.write(all, end, all.length - end);
      return text.substring(0, end);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    while (b.length() < 4 || !b.substring(b.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) break;
      b.append((char) c);
    }
    return b.toString();
  }

  /**
   * An HTTP/1.1 upstream on a raw loopback socket, one request per connection: records each
   * request head; when the request expects {@code 100-continue}, it either accepts (sends {@code
   * 100}, reads the body, answers {@code got <body>}) or refuses at once with 401.
   */
  static final class RawUpstream implements AutoCloseable {
    final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    private final ServerSocket server;
    private final Thread thread;

    RawUpstream(boolean accept) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
      thread = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String head = readHead(in);
            heads.add(head);
            String lower = head.toLowerCase(Locale.ROOT);
            if (!accept) {
              out.write(("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close"
                  + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
              out.flush();
              // The gateway closes this connection after the final response (Connection:
              // close); whatever arrives before that would be body bytes.
              byte[] rest = in.readAllBytes();
              if (rest.length > 0) bodies.add("unexpected body bytes: " + rest.length);
              continue;
            }
            if (lower.contains("\r\nexpect: 100-continue\r\n")) {
              out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
              out.flush();
            }
            int at = lower.indexOf("\r\ncontent-length: ");
            int length = at < 0 ? 0
                : Integer.parseInt(lower.substring(at + 18, lower.indexOf("\r\n", at + 2)).trim());
            String body = new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
            bodies.add(body);
            byte[] answer = ("got " + body).getBytes(StandardCharsets.ISO_8859_1);
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(answer);
            out.flush();
          } catch (IOException e) {
            if (server.isClosed()) return;
          }
        }
      }, "raw-upstream");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      server.close();
      thread.join(10_000);
    }
  }
}
