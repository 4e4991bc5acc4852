package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Edge header hardening (issue 15), asserted on what the MockWebServer upstream received: header
 * names with {@code _} (Envoy's {@code headers_with_underscores_action}) and {@code Forwarded} /
 * {@code X-Real-IP} from a peer that is not a trusted proxy. The client is 127.0.0.1.
 */
class GatewayHeaderHardeningTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
  private MockWebServer upstream;

  @BeforeEach
  void startUpstream() throws IOException {
    upstream = new MockWebServer();
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        received.add(request);
        return new MockResponse.Builder().code(200).body("up").build();
      }
    });
    upstream.start(InetAddress.getByName("127.0.0.1"), 0);
    closeables.add(upstream);
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private Front front(String inboundExtra) throws Exception {
    Mesh mesh = Mesh.builder().meterRegistry(registry).config(Configs.of(
        "127.0.0.1:" + upstream.getPort(), "", inboundExtra + """

            virtual_hosts:
              - name: self
                domains: ["*"]
                routes:
                  - { name: v2, match: {prefix: /v2/}, to: v2 }
            """)).build();
    closeables.add(mesh);
    Front f = new Front(mesh, true);
    closeables.add(f);
    return f;
  }

  private String send(Front front) throws IOException {
    Request request = new Request.Builder().url(front.url("/v2/x"))
        .header("x-user", "bob")
        .header("x_user", "admin")
        .header("X_Tenant", "other")
        .header("Forwarded", "for=203.0.113.9;proto=https")
        .header("X-Real-IP", "203.0.113.9")
        .build();
    try (Response r = client.newCall(request).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  private double count(String name, String reason) {
    Counter c = registry.find(name).tags(MeshMetricNames.TAG_REASON, reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void byDefaultUnderscoredNamesAndUntrustedForwardedAndRealIpNeverReachTheUpstream()
      throws Exception {
    assertThat(send(front(""))).isEqualTo("200 up");

    Headers got = received.get(0).getHeaders();
    assertThat(got.get("x-user")).isEqualTo("bob");
    assertThat(got.names()).doesNotContain("x_user", "X_Tenant", "Forwarded", "X-Real-IP")
        .allSatisfy(n -> assertThat(n).doesNotContain("_"));
    assertThat(got.values("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(count(MeshMetricNames.GATEWAY_HEADERS_REMOVED, "underscore")).isEqualTo(2);
    assertThat(count(MeshMetricNames.GATEWAY_HEADERS_REMOVED, "untrusted_forwarded")).isEqualTo(2);
  }

  @Test
  void rejectRequestAnswers400WithoutCallingTheUpstream() throws Exception {
    String answer = send(front("headers_with_underscores_action: reject_request"));

    assertThat(answer).startsWith("400 header name with an underscore: ");
    assertThat(received).isEmpty();
    assertThat(upstream.getRequestCount()).isZero();
    assertThat(count(MeshMetricNames.GATEWAY_REJECTED, "underscore")).isEqualTo(1);
  }

  @Test
  void allowForwardsUnderscoredNames() throws Exception {
    assertThat(send(front("headers_with_underscores_action: allow"))).isEqualTo("200 up");

    Headers got = received.get(0).getHeaders();
    assertThat(got.get("x_user")).isEqualTo("admin");
    assertThat(got.get("X_Tenant")).isEqualTo("other");
    assertThat(got.get("Forwarded")).isNull();
    assertThat(count(MeshMetricNames.GATEWAY_HEADERS_REMOVED, "underscore")).isZero();
  }

  @Test
  void aTrustedProxysForwardedAndRealIpAreKept() throws Exception {
    assertThat(send(front("trusted_proxies: [127.0.0.1/32]"))).isEqualTo("200 up");

    Headers got = received.get(0).getHeaders();
    assertThat(got.get("Forwarded")).isEqualTo("for=203.0.113.9;proto=https");
    assertThat(got.get("X-Real-IP")).isEqualTo("203.0.113.9");
    assertThat(got.get("x_user")).isNull();
    assertThat(count(MeshMetricNames.GATEWAY_HEADERS_REMOVED, "untrusted_forwarded")).isZero();
  }
}
