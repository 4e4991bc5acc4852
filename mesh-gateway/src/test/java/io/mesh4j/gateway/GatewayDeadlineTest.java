package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.internal.Deadlines;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request arriving at the gateway with a deadline ({@code grpc-timeout}): the forward is bounded
 * by it, carries the time left upstream in the same header, and a stalled upstream makes the
 * gateway answer 504 {@code deadline-exceeded} at about the deadline, not at the route's timeout.
 */
class GatewayDeadlineTest {

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void theInboundDeadlineBoundsTheForwardAndTravelsUpstream(boolean async) throws Exception {
    List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    try (MockWebServer up = new MockWebServer()) {
      up.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          received.add(request);
          return new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();
        }
      });
      up.start(InetAddress.getByName("127.0.0.1"), 0);
      try (Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
              version: 1
              service: front
              clusters:
                - name: v2
                  endpoints: [{ address: 127.0.0.1:%d }]
                  retry: { attempts: 1 }
              inbound:
                virtual_hosts:
                  - name: self
                    domains: ["*"]
                    routes:
                      - { name: v2, match: { prefix: /v2/ }, to: v2, timeout: 20s }
              propagate:
                deadline_headers: [grpc-timeout]
              """.formatted(up.getPort()))).build();
          Front front = new Front(mesh, async)) {
        OkHttpClient client = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
        long t0 = System.nanoTime();
        try (Response r = client.newCall(new Request.Builder().url(front.url("/v2/x"))
            .header("grpc-timeout", "300m").build()).execute()) {
          long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          assertThat(r.code()).isEqualTo(504);
          assertThat(r.header("x-mesh-error")).isEqualTo("deadline-exceeded");
          assertThat(took).isBetween(250L, 5_000L);
        }
        assertThat(received).hasSize(1);
        long forwarded = Deadlines.parse("grpc-timeout", received.get(0).getHeaders().get("grpc-timeout"));
        assertThat(forwarded).isBetween(1L, Duration.ofMillis(300).toNanos());
        client.connectionPool().evictAll();
      }
    }
  }
}
