package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MirrorFaultGrpcTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  double mirror(String result) {
    return f.registry.find(MeshMetricNames.CLIENT_MIRROR)
        .tags(MeshMetricNames.TAG_CLUSTER, "shadow", MeshMetricNames.TAG_RESULT, result)
        .counter().count();
  }

  static String mirrored(String mainAddress, String shadowAddress) {
    return mirrored(mainAddress, shadowAddress, "1s");
  }

  static String mirrored(String mainAddress, String shadowAddress, String shadowTimeout) {
    return """
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: shadow, endpoints: [{ address: %s }], timeout: %s }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: all
                  match: { prefix: / }
                  to: inventory
                  mirror: { cluster: shadow }
        """.formatted(mainAddress, shadowAddress, shadowTimeout);
  }

  @Test
  void aSlowMirrorNeverDelaysOrChangesTheRealResponseAndDropsBeyondItsBound() throws Exception {
    Backend main = f.backend().otherwise(200, "real");
    Backend shadow = f.backend().otherwise(r -> new MockResponse.Builder()
        .onResponseStart(SocketEffect.Stall.INSTANCE).build());
    f.wrap(mirrored(main.address(), shadow.address(), "60s"));
    f.client = MeshOkHttp.builder(f.mesh).mirrorMaxInFlight(2).wrap(new OkHttpClient());

    for (int i = 0; i < 10; i++) {
      try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/items")
          .build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("real");
      }
    }

    assertThat(main.count()).isEqualTo(10);
    assertThat(mirror("dropped")).isEqualTo(8);
    await("two copies reach the stalled mirror", Duration.ofSeconds(5),
        () -> shadow.received.size() == 2);
    assertThat(shadow.received)
        .allSatisfy(r -> assertThat(r.getHeaders().get("Host")).isEqualTo("inventory-shadow"));
    shadow.close();
    await("both copies fail once the mirror goes away", Duration.ofSeconds(10),
        () -> mirror("failed") == 2);
    assertThat(mirror("sent")).isZero();
    assertThat(f.activeRequests("shadow")).isZero();
  }

  @Test
  void aMirrorCopyCarriesTheBodyAndIsReportedToItsCluster() throws Exception {
    Backend main = f.backend().otherwise(201, "created");
    Backend shadow = f.backend().otherwise(500, "shadow broke");
    f.wrap(mirrored(main.address(), shadow.address()));

    try (Response r = f.client.newCall(new Request.Builder().url("http://inventory:8080/items")
        .post(RequestBody.create("{\"a\":1}", MediaType.get("application/json"))).build())
        .execute()) {
      assertThat(r.code()).isEqualTo(201);
      assertThat(r.body().string()).isEqualTo("created");
    }

    RecordedRequest copy = shadow.take();
    assertThat(copy.getMethod()).isEqualTo("POST");
    assertThat(copy.getBody().utf8()).isEqualTo("{\"a\":1}");
    assertThat(copy.getHeaders().get("Host")).isEqualTo("inventory-shadow:8080");
    assertThat(copy.getHeaders().get("x-request-id"))
        .isEqualTo(main.take().getHeaders().get("x-request-id"));
    await("the copy's outcome is reported", Duration.ofSeconds(5), () -> mirror("sent") == 1);
    assertThat(f.reportedOutcomes("shadow")).isEqualTo(1);
    assertThat(f.activeRequests("shadow")).isZero();
  }

  @Test
  void anAbortFaultAnswersWithoutForwarding() throws IOException {
    Backend main = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: chaos
                  match: { prefix: / }
                  to: inventory
                  fault: { abort: { status: 503, percent: 100 } }
        """.formatted(main.address()));

    try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("x-mesh-fault")).isEqualTo("abort");
    }
    assertThat(main.count()).isZero();
    assertThat(f.registry.get(MeshMetricNames.CLIENT_FAULTS).tag(MeshMetricNames.TAG_KIND, "abort")
        .counter().count()).isEqualTo(1);
  }

  @Test
  void aDelayFaultHoldsTheRequestOnTheMeshSchedulerThenForwardsIt() throws Exception {
    FakeTime time = new FakeTime();
    Backend main = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: chaos
                  match: { prefix: / }
                  to: inventory
                  fault: { delay: { fixed: 300ms, percent: 100 } }
        """.formatted(main.address()), b -> b.ticker(time).scheduler(time));
    CompletableFuture<Integer> status = new CompletableFuture<>();
    new Thread(() -> {
      try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/").build())
          .execute()) {
        status.complete(r.code());
      } catch (IOException e) {
        status.completeExceptionally(e);
      }
    }).start();

    await("the delay is pending", Duration.ofSeconds(5),
        () -> time.pendingDelays().contains(Duration.ofMillis(300)));
    assertThat(main.count()).isZero();
    time.advance(Duration.ofMillis(300));

    assertThat(status.get(5, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(main.count()).isEqualTo(1);
  }

  static final MediaType GRPC = MediaType.get("application/grpc");

  static MockResponse trailersOnly(int grpcStatus) {
    return new MockResponse.Builder().code(200)
        .headers(Headers.of("content-type", "application/grpc", "grpc-status",
            Integer.toString(grpcStatus)))
        .build();
  }

  OkHttpClient grpcClient(Backend b, String retry) {
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: %s
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: get
                  match: { path: /pkg.Inventory/Get }
                  to: inventory
        """.formatted(b.address(), retry));
    return MeshOkHttp.wrap(new OkHttpClient.Builder()
        .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build(), f.mesh);
  }

  Response grpcCall(OkHttpClient c, boolean idempotencyKey) throws IOException {
    Request.Builder b = new Request.Builder().url("http://inventory/pkg.Inventory/Get")
        .header("te", "trailers")
        .post(RequestBody.create(new byte[] {0, 0, 0, 0, 0}, GRPC));
    if (idempotencyKey) b.header("Idempotency-Key", "g-1");
    return c.newCall(b.build()).execute();
  }

  @Test
  void grpcCallsAreRetriedOnATrailersOnlyStatusNamedInRetryOnWhenSafe() throws Exception {
    Backend b = f.h2cBackend().enqueue(trailersOnly(14)).enqueue(trailersOnly(14))
        .otherwise(r -> trailersOnly(0));
    OkHttpClient c = grpcClient(b, "{ retry_on: [unavailable] }");

    try (Response first = grpcCall(c, false)) {
      assertThat(first.header("grpc-status")).isEqualTo("14");
    }
    assertThat(b.count()).isEqualTo(1);
    try (Response second = grpcCall(c, true)) {
      assertThat(second.header("grpc-status")).isEqualTo("0");
    }
    assertThat(b.count()).isEqualTo(3);
    assertThat(b.take().getTarget()).isEqualTo("/pkg.Inventory/Get");
    TestSupport.assertNoLeaks(c);
  }

  @Test
  void aGrpcStatusNotNamedInRetryOnIsNotRetried() throws IOException {
    Backend b = f.h2cBackend().enqueue(trailersOnly(13)).otherwise(r -> trailersOnly(0));
    OkHttpClient c = grpcClient(b, "{ retry_on: [unavailable], idempotent_only: false }");

    try (Response r = grpcCall(c, false)) {
      assertThat(r.header("grpc-status")).isEqualTo("13");
    }
    assertThat(b.count()).isEqualTo(1);
    TestSupport.assertNoLeaks(c);
  }
}
