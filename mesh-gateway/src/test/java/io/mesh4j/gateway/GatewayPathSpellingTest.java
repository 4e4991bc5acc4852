package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, gateway side: the route is chosen on the canonical path and the upstream receives
 * exactly the decided path (its request line is checked); a rewrite never leaves its target.
 * Requests go over raw sockets so no client normalises the spelling first.
 */
class GatewayPathSpellingTest {
  private static final String INBOUND = """
      virtual_hosts:
        - name: self
          domains: ["*"]
          routes:
            - name: box
              match: {prefix: /box}
              rewrite: {prefix: /sandbox/}
              to: v2
            - name: api
              match: {path_separated_prefix: /api}
              to: v2
      authz:
        default_action: allow
        rules:
          - {name: no-admin, action: deny, match: {path_separated_prefix: /api/admin}}
      """;

  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Front front;

  @BeforeEach
  void start() throws Exception {
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
    Mesh mesh = Mesh.builder().config(Configs.of("127.0.0.1:" + up.getPort(), "", INBOUND)).build();
    closeables.add(mesh);
    front = new Front(mesh, true);
    closeables.add(front);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
  }

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
      return r.substring(r.indexOf(' ') + 1, r.indexOf(' ') + 4);
    }
  }

  @Test
  void theUpstreamReceivesTheDecidedPathByteForByte() throws Exception {
    List<String> statuses = new ArrayList<>();
    for (String target : List.of("/api/x/../y?q=1", "/api/y;v=1/z", "/api/%7Ez%20", "/api/./x",
        "/box/x", "/api/plain?a=%2F")) {
      statuses.add(target + " " + send(target));
    }
    assertThat(statuses).allMatch(s -> s.endsWith(" 200"), "all 200");
    assertThat(received).containsExactly(
        "/api/y?q=1", "/api/y;v=1/z", "/api/~z%20", "/api/x", "/sandbox/x", "/api/plain?a=%2F");
  }

  @Test
  void aDotSegmentCannotLeaveTheRouteUpstream() throws Exception {
    // Decided on "/secret" (no gateway route: the local application answers), never sent upstream.
    send("/api/../secret");
    send("/api/%2e%2e/secret");
    send("/api;x/..;/secret");
    send("http://127.0.0.1/api/../secret");
    assertThat(received).isEmpty();
  }

  @Test
  void noSpellingGetsPastTheAuthzDenyTowardsTheUpstream() throws Exception {
    for (String target : List.of("/api/admin/x", "/api/./admin/x", "/api/x/../admin/x",
        "/api/%61dmin/x", "/api/admin;p=1/x", "/api;/admin/x", "//api//admin/x", "/api/admin%2Fx",
        "/api%2Fadmin/x", "/api/admin\\x", "http://127.0.0.1/api/x/../admin/x")) {
      assertThat(send(target)).as(target).isIn("403", "400");
    }
    assertThat(received).isEmpty();
  }

  @Test
  void aPrefixRewriteCannotLeaveItsTarget() throws Exception {
    // "/box../etc/passwd" matches prefix /box; rewritten it would be "/sandbox/../etc/passwd".
    assertThat(send("/box../etc/passwd")).isNotEqualTo("200");
    assertThat(send("/box%2E%2E/etc/passwd")).isNotEqualTo("200");
    send("/box/../abcd../etc/passwd"); // decided on /abcd../etc/passwd: no gateway route, local
    assertThat(received).isEmpty();
  }

  @Test
  void randomSpellingsOfTheDeniedPathNeverReachTheUpstream() throws Exception {
    long seed = Long.getLong("pathSeed", 0x15_2026L);
    Random r = new Random(seed);
    for (int i = 0; i < 400; i++) {
      StringBuilder b = new StringBuilder();
      if (r.nextInt(6) == 0) b.append("http://127.0.0.1");
      b.append(r.nextBoolean() ? "/api" : "/%61pi");
      if (r.nextInt(3) == 0) b.append(";x");
      b.append(new String[] {"/", "//", "/./", "/q/../", "/%2e/"}[r.nextInt(5)]);
      for (char ch : "admin".toCharArray()) {
        b.append(r.nextInt(3) == 0 ? "%" + (r.nextBoolean() ? Integer.toHexString(ch)
            : Integer.toHexString(ch).toUpperCase(Locale.ROOT)) : String.valueOf(ch));
      }
      if (r.nextInt(3) == 0) b.append(";jsessionid=2");
      b.append(r.nextBoolean() ? "/x" : "/./x");
      String target = b.toString();
      String status = send(target);
      assertThat(received).as("seed " + seed + ": " + target + " -> " + status).isEmpty();
    }
  }
}
