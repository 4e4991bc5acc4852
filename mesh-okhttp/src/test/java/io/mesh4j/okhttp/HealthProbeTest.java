package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.StatusRange;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.health.ProbeResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthProbeTest {
  final Fixture f = new Fixture();
  final OkHttpHealthProbe probe = new OkHttpHealthProbe();

  @AfterEach
  void tearDown() {
    probe.close();
    f.close();
  }

  static HealthCheckConfig check(String path, Duration timeout) {
    return new HealthCheckConfig("http", path, Duration.ofSeconds(5), timeout, 3, 2,
        List.of(StatusRange.SUCCESS));
  }

  static Endpoint endpoint(int port) {
    return new Endpoint("inventory", "127.0.0.1", port, 1, null);
  }

  ProbeResult probe(int port, HealthCheckConfig config) throws Exception {
    return probe.probe(endpoint(port), config).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anAnswerIsJudgedByItsStatusAndTheBodyIsNotNeeded() throws Exception {
    Backend a = f.backend()
        .enqueue(new MockResponse.Builder().code(204).build())
        .enqueue(new MockResponse.Builder().code(503).body("draining").build());
    HealthCheckConfig config = check("/health?deep=1", Duration.ofSeconds(2));

    ProbeResult up = probe(a.port(), config);
    ProbeResult down = probe(a.port(), config);

    assertThat(up.httpStatus()).isEqualTo(204);
    assertThat(up.passes(config)).isTrue();
    assertThat(down.httpStatus()).isEqualTo(503);
    assertThat(down.passes(config)).isFalse();
    RecordedRequest first = a.take();
    assertThat(first.getTarget()).isEqualTo("/health?deep=1");
    assertThat(first.getMethod()).isEqualTo("GET");
    assertThat(first.getHeaders().get("User-Agent")).isEqualTo(OkHttpHealthProbe.USER_AGENT);
    assertThat(first.getHeaders().get("Host")).isEqualTo(a.address());
    RecordedRequest second = a.take();
    assertThat(second.getConnectionIndex()).isEqualTo(first.getConnectionIndex());
  }

  @Test
  void anUnreachableEndpointIsUnhealthyNotAnError() throws Exception {
    ProbeResult r = probe(TestSupport.closedPort(), check("/health", Duration.ofSeconds(2)));

    assertThat(r.httpStatus()).isEqualTo(-1);
    assertThat(r.passes(check("/health", Duration.ofSeconds(2)))).isFalse();
    assertThat(r.detail()).startsWith("ConnectException");
  }

  @Test
  void anEndpointThatDoesNotAnswerWithinTheTimeoutIsUnhealthy() throws Exception {
    Backend a = f.backend().enqueue(new MockResponse.Builder()
        .onResponseStart(SocketEffect.Stall.INSTANCE).build());

    ProbeResult r = probe(a.port(), check("/health", Duration.ofMillis(300)));

    assertThat(r.passes(check("/health", Duration.ofMillis(300)))).isFalse();
    assertThat(r.detail()).contains("timeout");
  }

  @Test
  void theHttpProbeIsFoundThroughTheServiceLoader() {
    try (Mesh mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters: []
        """).build()) {
      assertThat(mesh.healthProbes().names()).contains("tcp", "http");
      assertThat(mesh.healthProbes().get("http")).isInstanceOf(OkHttpHealthProbe.class);
    }
  }

  @Test
  void anEndpointFailingItsHttpChecksStopsReceivingTraffic() throws IOException {
    Backend sick = f.backend().otherwise(r -> r.getTarget().equals("/health")
        ? new MockResponse.Builder().code(503).build()
        : new MockResponse.Builder().code(200).body("sick").build());
    Backend well = f.backend().otherwise(200, "well");
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
            health_check: { path: /health, interval: 1s, timeout: 1s, unhealthy_threshold: 1, healthy_threshold: 1 }
            panic_threshold: 0
        """.formatted(sick.address(), well.address()));

    await("the sick endpoint is found unhealthy", Duration.ofSeconds(10), () ->
        f.mesh.cluster("inventory").statuses().stream()
            .anyMatch(s -> s.endpoint().port() == sick.port() && !s.healthy()));
    for (int i = 0; i < 6; i++) {
      try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/x").build())
          .execute()) {
        assertThat(r.body().string()).isEqualTo("well");
      }
    }
    assertThat(sick.received).noneMatch(r -> r.getTarget().equals("/x"));
    assertThat(well.received).filteredOn(r -> r.getTarget().equals("/x")).hasSize(6);
  }
}
