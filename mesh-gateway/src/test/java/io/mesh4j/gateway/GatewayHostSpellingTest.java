package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Through the gateway, a virtual host's deny holds for every spelling of its host (trailing dot,
 * case, port): the upstream receives nothing; another host is forwarded (issue 15).
 */
class GatewayHostSpellingTest {
  private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
  private final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private MockWebServer upstream;
  private Mesh mesh;
  private Front front;

  @BeforeEach
  void start() throws Exception {
    upstream = new MockWebServer();
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        received.add(request);
        return new MockResponse.Builder().code(200).body("up").build();
      }
    });
    upstream.start(InetAddress.getByName("127.0.0.1"), 0);
    mesh = Mesh.builder().config(Configs.of("127.0.0.1:" + upstream.getPort(), "", """
        virtual_hosts:
          - name: blocked
            domains: [blocked.example]
            routes:
              - { name: deny, match: {prefix: /}, respond: {status: 403, body: blocked} }
          - name: rest
            domains: ["*"]
            routes:
              - { name: v2, match: {prefix: /}, to: v2 }
        """)).build();
    front = new Front(mesh, true);
  }

  @AfterEach
  void stop() throws Exception {
    front.close();
    mesh.close();
    upstream.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private String get(String host) throws Exception {
    Request r = new Request.Builder().url(front.url("/x")).header("Host", host).build();
    try (Response res = client.newCall(r).execute()) {
      return res.code() + " " + res.body().string().trim();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"blocked.example", "blocked.example.", "BLOCKED.Example.:8080",
      "Blocked.Example:8080"})
  void everySpellingOfTheBlockedHostIsDeniedAndNothingIsForwarded(String host) throws Exception {
    assertThat(get(host)).isEqualTo("403 blocked");
    assertThat(received).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"other.example", "notblocked.example."})
  void anotherHostIsForwarded(String host) throws Exception {
    assertThat(get(host)).isEqualTo("200 up");
    assertThat(received).hasSize(1);
    assertThat(received.get(0).getTarget()).isEqualTo("/x");
  }
}
