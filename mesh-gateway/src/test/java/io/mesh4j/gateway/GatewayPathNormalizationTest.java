package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, gateway, {@code path_normalization}: under each option the upstream's request line
 * (a MockWebServer on loopback) carries exactly the path decided on, and the authz deny on {@code
 * /api/admin} holds. The front is a Jetty made lenient so {@code %2F} reaches the filter (Jetty
 * refuses it itself by default).
 */
class GatewayPathNormalizationTest {
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Front front;

  void start(String options) throws Exception {
    MockWebServer up = new MockWebServer();
    up.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        received.add(request.getTarget());
        return new MockResponse.Builder().code(200).body("upstream").build();
      }
    });
    up.start(InetAddress.getByName("127.0.0.1"), 0);
    closeables.add(up);
    Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: front
        clusters:
          - { name: v2, endpoints: ["127.0.0.1:%d"] }
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - { name: api, match: { path_separated_prefix: /api }, to: v2 }
          authz:
            default_action: allow
            rules:
              - { name: no-admin, action: deny, match: { path_separated_prefix: /api/admin } }
        path_normalization: %s
        """.formatted(up.getPort(), options))).build();
    closeables.add(mesh);
    front = new Front(mesh, true, Gateways.create(mesh), true);
    closeables.add(front);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
  }

  /** The status code and lower-cased Location of one raw request. */
  private String send(String target) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      s.getInputStream().transferTo(buf);
      String r = buf.toString(StandardCharsets.UTF_8);
      String status = r.substring(r.indexOf(' ') + 1, r.indexOf(' ') + 4);
      for (String line : r.substring(0, Math.max(0, r.indexOf("\r\n\r\n"))).split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("location:")) {
          return status + " " + line.substring(9).trim();
        }
      }
      return status;
    }
  }

  @Test
  void defaultsRefuseEscapedSlashesEvenWhenTheContainerLetsThemThrough() throws Exception {
    start("{}");
    assertThat(send("/api%2Fy")).isEqualTo("400");
    assertThat(send("/api%2Fadmin/x")).isEqualTo("400");
    assertThat(send("/api/y")).isEqualTo("200");
    assertThat(received).containsExactly("/api/y");
  }

  @Test
  void unescapeAndForwardSendsTheUnescapedPathAndTheDenyHolds() throws Exception {
    start("{ path_with_escaped_slashes_action: unescape_and_forward }");
    assertThat(send("/api%2Fy;v=1?q=1")).isEqualTo("200");
    assertThat(send("/api%2Fadmin/x")).isEqualTo("403");
    assertThat(send("/api/x%2F..%2Fadmin/x")).isIn("403", "400");
    assertThat(received).containsExactly("/api/y;v=1?q=1");
  }

  @Test
  void unescapeAndRedirectAnswers307AndSendsNothing() throws Exception {
    start("{ path_with_escaped_slashes_action: unescape_and_redirect }");
    assertThat(send("/api%2Fy?q=1")).isEqualTo("307 /api/y?q=1");
    assertThat(send("/api%2Fadmin/x")).isEqualTo("307 /api/admin/x");
    assertThat(received).isEmpty();
  }

  @Test
  void withoutNormalizationADotSegmentIsRefusedNeverForwarded() throws Exception {
    start("{ normalize_path: false }");
    assertThat(send("/api/x/../y")).isEqualTo("400");
    assertThat(send("/api/%79")).isEqualTo("400");
    assertThat(send("/api/x/../admin/x")).isEqualTo("400");
    assertThat(send("/api/y;v=1")).isEqualTo("200");
    assertThat(received).containsExactly("/api/y;v=1");
  }

  /**
   * {@code merge_slashes: false} decides on, and forwards, the empty segments: {@code
   * /api//admin/x} is not under {@code /api/admin}, so the deny does not apply, and the upstream
   * receives exactly that path. An upstream that merges slashes would serve {@code /api/admin/x}:
   * that is why the option is a validator warning and documented as unsafe in front of one.
   */
  @Test
  void withoutMergingTheUpstreamGetsExactlyTheDecidedPathEmptySegmentsIncluded() throws Exception {
    start("{ merge_slashes: false }");
    assertThat(send("/api//y")).isEqualTo("200");
    assertThat(send("/api//admin/x")).isEqualTo("200");
    assertThat(send("/api/admin/x")).isEqualTo("403");
    assertThat(received).containsExactly("/api//y", "/api//admin/x");
  }
}
