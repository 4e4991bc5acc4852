package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** Scenario J's hop: real Jetty backends behind Jetty's own reverse proxy. */
class JettyProxyServerTest {

  @Test
  void theProxyForwardsEveryRequestRoundRobinOnKeptAliveConnections() throws IOException {
    OkHttpClient client = HttpClients.newClient();
    try (BackendServer backends = BackendServer.start(3);
        JettyProxyServer proxy = JettyProxyServer.start(backends.ports())) {
      Hops.assertRoundRobinOverThreeBackends(client, proxy.port());
      assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
    } finally {
      HttpClients.shutdown(client);
    }
  }
}
