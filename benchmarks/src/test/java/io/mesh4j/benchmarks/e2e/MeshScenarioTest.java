package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class MeshScenarioTest {

  @Test
  void theMeshSpreadsCallsEvenlyOverTheThreeBackendsOnKeptAliveConnections() throws Exception {
    try (BackendServer backends = BackendServer.start(3);
        MeshScenario b = MeshScenario.create(backends.ports())) {
      assertThat(b.key()).isEqualTo("B");
      Map<String, Integer> seen = new TreeMap<>();
      for (int i = 0; i < 30; i++) {
        try (Response r = b.client().newCall(HttpClients.get("http://backend/")).execute()) {
          assertThat(r.code()).isEqualTo(200);
          String body = r.body().string();
          seen.merge(body.substring(0, body.indexOf(' ', 8)), 1, Integer::sum);
        }
      }
      assertThat(seen).isEqualTo(Map.of("backend 0", 10, "backend 1", 10, "backend 2", 10));
      assertThat(b.client().connectionPool().connectionCount()).isEqualTo(3);
    }
  }

  @Test
  void closingStopsTheMesh() throws Exception {
    try (BackendServer backends = BackendServer.start(3)) {
      MeshScenario b = MeshScenario.create(backends.ports());
      assertThat(b.newExchange().run()).isTrue();
      b.close();
      assertThat(b.mesh().isClosed()).isTrue();
    }
  }
}
