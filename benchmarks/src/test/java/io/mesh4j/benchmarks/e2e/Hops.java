package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/** Checks shared by the tests of the hops in front of {@link BackendServer}s (gateway, Jetty's proxy). */
final class Hops {
  private Hops() {}

  /**
   * Sends 30 GETs to the hop on {@code port} and checks that each answers 200 with a backend's exact
   * body, and that each of three backends answered exactly 10.
   */
  static void assertRoundRobinOverThreeBackends(OkHttpClient client, int port) throws IOException {
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < 30; i++) {
      try (Response r = client.newCall(HttpClients.get("http://127.0.0.1:" + port + "/")).execute()) {
        assertThat(r.code()).isEqualTo(200);
        byte[] body = r.body().bytes();
        int index = body[8] - '0';
        assertThat(body).isEqualTo(BackendServer.body(index));
        seen.merge("backend " + index, 1, Integer::sum);
      }
    }
    assertThat(seen).isEqualTo(Map.of("backend 0", 10, "backend 1", 10, "backend 2", 10));
  }
}
