package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated sidecar configs, and (where the haproxy and nginx packages are installed, as
 * {@code run-e2e.sh} ensures) the real proxies: round robin over the three backends, keep-alive
 * to the client and to the backends, and nothing left running after close.
 */
class SidecarTest {
  private static BackendServer backends;

  @BeforeAll
  static void start() {
    backends = BackendServer.start(3);
  }

  @AfterAll
  static void stop() {
    backends.close();
  }

  @Test
  void theHaproxyConfigRoundRobinsOverEveryBackendWithKeepAlive() {
    assertThat(Sidecar.haproxyConfig(9000, new int[] {9001, 9002, 9003})).isEqualTo("""
        # mesh4j end-to-end benchmark sidecar: generated, loopback only
        global
          maxconn 4096
        defaults
          mode http
          option http-keep-alive
          http-reuse always
          timeout connect 5s
          timeout client 300s
          timeout server 300s
          timeout http-keep-alive 300s
        frontend bench
          bind 127.0.0.1:9000
          default_backend backends
        backend backends
          balance roundrobin
          server b0 127.0.0.1:9001
          server b1 127.0.0.1:9002
          server b2 127.0.0.1:9003
        """);
  }

  @Test
  void theLeastConnectionVariantsOfTheTailScenarioChangeOnlyTheBalancing() {
    String haproxy = Sidecar.haproxyConfig(9000, new int[] {9001, 9002}, "leastconn");
    assertThat(haproxy).contains("  balance leastconn\n").doesNotContain("roundrobin")
        .isEqualTo(Sidecar.haproxyConfig(9000, new int[] {9001, 9002})
            .replace("balance roundrobin", "balance leastconn"));
    String nginx = Sidecar.nginxConfig(9000, new int[] {9001, 9002}, "least_conn");
    assertThat(nginx).contains("  upstream backends {\n    least_conn;\n    server 127.0.0.1:9001;\n");
    assertThat(Sidecar.nginxConfig(9000, new int[] {9001}, null))
        .isEqualTo(Sidecar.nginxConfig(9000, new int[] {9001}));
  }

  @Test
  void theNginxConfigKeepsUpstreamConnectionsAlive() {
    String config = Sidecar.nginxConfig(9000, new int[] {9001, 9002, 9003});
    assertThat(config)
        .contains("    listen 127.0.0.1:9000;\n")
        .contains("    server 127.0.0.1:9001;\n    server 127.0.0.1:9002;\n    server 127.0.0.1:9003;\n    keepalive 256;\n")
        .contains("      proxy_pass http://backends;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n")
        .contains("  keepalive_requests 100000000;\n")
        .contains("  access_log off;\n")
        .doesNotContain("0.0.0.0");
  }

  @Test
  void haproxyRoundRobinsKeepsConnectionsAliveAndStopsCompletely(@TempDir Path dir) throws IOException {
    assumeThat(installed("haproxy")).as("haproxy installed").isTrue();
    Sidecar haproxy = Sidecar.startHaproxy(dir, freePort(), backends.ports());
    List<ProcessHandle> tree;
    try {
      assertThat(haproxy.name()).isEqualTo("HAProxy");
      assertThat(haproxy.version()).startsWith("HAProxy version ");
      roundRobinsWithKeepAlive(haproxy);
      tree = haproxy.processTree();
    } finally {
      haproxy.close();
    }
    assertThat(tree).noneMatch(ProcessHandle::isAlive);
  }

  @Test
  void nginxRoundRobinsKeepsConnectionsAliveAndStopsCompletely(@TempDir Path dir) throws IOException {
    assumeThat(installed("nginx")).as("nginx installed").isTrue();
    Sidecar nginx = Sidecar.startNginx(dir, freePort(), backends.ports());
    List<ProcessHandle> tree;
    try {
      assertThat(nginx.name()).isEqualTo("nginx");
      assertThat(nginx.version()).startsWith("nginx version: nginx/");
      roundRobinsWithKeepAlive(nginx);
      tree = nginx.processTree();
      assertThat(tree).as("master and at least one worker").hasSizeGreaterThanOrEqualTo(2);
    } finally {
      nginx.close();
    }
    assertThat(tree).noneMatch(ProcessHandle::isAlive);
  }

  private static void roundRobinsWithKeepAlive(Sidecar sidecar) throws IOException {
    OkHttpClient client = HttpClients.newClient();
    try {
      long opened = backends.connectionsOpened();
      Map<String, Integer> seen = new TreeMap<>();
      for (int i = 0; i < 30; i++) {
        try (Response r = client.newCall(HttpClients.get("http://127.0.0.1:" + sidecar.port() + "/")).execute()) {
          assertThat(r.code()).isEqualTo(200);
          String body = r.body().string();
          assertThat(body).hasSize(BackendServer.BODY_LENGTH);
          seen.merge(body.substring(0, body.indexOf(' ', 8)), 1, Integer::sum);
        }
      }
      assertThat(seen).isEqualTo(Map.of("backend 0", 10, "backend 1", 10, "backend 2", 10));
      assertThat(client.connectionPool().connectionCount()).as("client-side connections").isEqualTo(1);
      // One connection per backend per proxy worker at most; without keep-alive it would be 30.
      assertThat(backends.connectionsOpened() - opened).as("proxy-to-backend connections").isBetween(3L, 3L * Runtime.getRuntime().availableProcessors());
    } finally {
      HttpClients.shutdown(client);
    }
  }

  private static boolean installed(String command) {
    try {
      Sidecar.binary(command);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
