package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Scenario J's hop: real Jetty backends behind Jetty's own reverse proxy. */
class JettyProxyServerTest {

  @Test
  void theProxyForwardsEveryRequestRoundRobinOnKeptAliveConnections() throws IOException {
    OkHttpClient client = HttpClients.newClient();
    try (BackendServer backends = BackendServer.start(3);
        JettyProxyServer proxy = JettyProxyServer.start(backends.ports())) {
      Map<String, Integer> seen = new TreeMap<>();
      for (int i = 0; i < 30; i++) {
        try (Response r = client.newCall(HttpClients.get("http://127.0.0.1:" + proxy.port() + "/")).execute()) {
          assertThat(r.code()).isEqualTo(200);
          byte[] body = r.body().bytes();
          int index = body[8] - '0';
          assertThat(body).isEqualTo(BackendServer.body(index));
          seen.merge("backend " + index, 1, Integer::sum);
        }
      }
      assertThat(seen).isEqualTo(Map.of("backend 0", 10, "backend 1", 10, "backend 2", 10));
      assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
    } finally {
      HttpClients.shutdown(client);
    }
  }
}
