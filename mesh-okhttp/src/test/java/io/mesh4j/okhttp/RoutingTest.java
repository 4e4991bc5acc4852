package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Failure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingTest {
  final List<Backend> backends = new ArrayList<>();
  Mesh mesh;
  OkHttpClient client;

  Backend backend() {
    Backend b = new Backend();
    backends.add(b);
    return b;
  }

  Backend h2cBackend() {
    Backend b = new Backend(true);
    backends.add(b);
    return b;
  }

  OkHttpClient wrap(String yaml) {
    mesh = TestSupport.meshBuilder(yaml).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    return client;
  }

  @AfterEach
  void tearDown() {
    if (client != null) assertNoLeaks(client);
    if (mesh != null) mesh.close();
    backends.forEach(Backend::close);
  }

  static Request get(String url) {
    return new Request.Builder().url(url).build();
  }

  static String body(Response r) throws IOException {
    try (r) {
      return r.body().string();
    }
  }

  @Test
  void weightedEndpointsReceiveExactlyTheirShareOfRealCalls() throws IOException {
    Backend a = backend().otherwise(200, "a");
    Backend b = backend().otherwise(200, "b");
    Backend c = backend().otherwise(200, "c");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints:
              - { address: %s, weight: 5 }
              - { address: %s, weight: 1 }
              - { address: %s, weight: 1 }
        """.formatted(a.address(), b.address(), c.address()));

    for (int i = 0; i < 70; i++) body(client.newCall(get("http://inventory/api/items")).execute());

    assertThat(List.of(a.count(), b.count(), c.count())).containsExactly(50, 10, 10);
  }

  @Test
  void aSplitSendsEachClusterExactlyItsWeightOverFullCycles() throws IOException {
    Backend stable = backend().otherwise(200, "v1");
    Backend canary = backend().otherwise(200, "v2");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: inventory-v2, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: split
                  match: { prefix: / }
                  split:
                    - { cluster: inventory, weight: 9 }
                    - { cluster: inventory-v2, weight: 1 }
        """.formatted(stable.address(), canary.address()));

    for (int i = 0; i < 100; i++) body(client.newCall(get("http://inventory/x")).execute());

    assertThat(stable.count()).isEqualTo(90);
    assertThat(canary.count()).isEqualTo(10);
  }

  @Test
  void theEndpointGetsTheRewrittenPathWhileHostAndQueryKeepTheCallersValues() throws Exception {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: v2
                  match: { prefix: /api/ }
                  to: inventory
                  rewrite: { prefix: /v2/ }
        """.formatted(a.address()));

    Response r = client.newCall(get("http://inventory:8080/api/items?page=2&q=a%20b")).execute();

    assertThat(r.code()).isEqualTo(200);
    assertThat(r.request().url().toString()).isEqualTo("http://inventory:8080/v2/items?page=2&q=a%20b");
    assertThat(body(r)).isEqualTo("ok");
    RecordedRequest seen = a.take();
    assertThat(seen.getTarget()).isEqualTo("/v2/items?page=2&q=a%20b");
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory:8080");
  }

  @Test
  void routeHeaderChangesAndHostRewriteAreApplied() throws Exception {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: all
                  match: { prefix: / }
                  to: inventory
                  rewrite: { host: inventory.internal }
                  headers: { add: { x-mesh-route: all }, remove: [x-debug] }
        """.formatted(a.address()));

    body(client.newCall(new Request.Builder().url("http://inventory/")
        .header("x-debug", "1").header("x-keep", "yes").build()).execute());

    RecordedRequest seen = a.take();
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory.internal");
    assertThat(seen.getHeaders().get("x-mesh-route")).isEqualTo("all");
    assertThat(seen.getHeaders().get("x-debug")).isNull();
    assertThat(seen.getHeaders().get("x-keep")).isEqualTo("yes");
  }

  @Test
  void aRequestIdIsAddedWhenAbsentAndPropagatedHeadersComeFromTheCurrentContext() throws Exception {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        propagate:
          headers: [x-request-id, traceparent, x-canary]
        """.formatted(a.address()));

    body(client.newCall(get("http://inventory/plain")).execute());
    MeshContext ctx = MeshContext.builder().requestId("req-1").header("traceparent", "00-abc-def-01")
        .header("x-canary", "true").build();
    try (MeshContext.Scope s = MeshContext.attach(ctx)) {
      body(client.newCall(new Request.Builder().url("http://inventory/ctx")
          .header("x-canary", "mine").build()).execute());
    }
    body(client.newCall(new Request.Builder().url("http://inventory/own")
        .header("x-request-id", "given").build()).execute());

    RecordedRequest plain = a.take();
    assertThat(plain.getHeaders().get("x-request-id")).matches("[0-9a-f]{32}");
    assertThat(plain.getHeaders().get("traceparent")).isNull();
    RecordedRequest withContext = a.take();
    assertThat(withContext.getHeaders().get("x-request-id")).isEqualTo("req-1");
    assertThat(withContext.getHeaders().get("traceparent")).isEqualTo("00-abc-def-01");
    assertThat(withContext.getHeaders().values("x-canary")).containsExactly("mine");
    assertThat(a.take().getHeaders().values("x-request-id")).containsExactly("given");
  }

  @Test
  void aRespondRouteAnswersWithARealSyntheticResponseAndSendsNothing() throws IOException {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: maintenance
                  match: { path: /admin, methods: [DELETE] }
                  respond: { status: 503, body: maintenance, headers: { retry-after: "30", content-type: text/plain } }
                - name: all
                  match: { prefix: / }
                  to: inventory
        """.formatted(a.address()));

    Response r = client.newCall(new Request.Builder().url("http://inventory/admin").delete().build())
        .execute();

    assertThat(r.code()).isEqualTo(503);
    assertThat(r.message()).isEqualTo("Service Unavailable");
    assertThat(r.protocol()).isEqualTo(Protocol.HTTP_1_1);
    assertThat(r.header("retry-after")).isEqualTo("30");
    assertThat(r.header("Content-Length")).isEqualTo("11");
    assertThat(r.request().url().toString()).isEqualTo("http://inventory/admin");
    assertThat(r.body().contentType().toString()).isEqualTo("text/plain");
    assertThat(body(r)).isEqualTo("maintenance");
    assertThat(a.count()).isZero();
  }

  @Test
  void aRedirectRouteAnswersWithItsLocationAndIsFollowedThroughTheMesh() throws Exception {
    Backend a = backend().otherwise(200, "new home");
    String yaml = """
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: old
                  match: { prefix: /old/ }
                  redirect: { prefix_rewrite: /new/, code: 302 }
                - name: all
                  match: { prefix: / }
                  to: inventory
        """.formatted(a.address());
    wrap(yaml);
    OkHttpClient noFollow = client.newBuilder().followRedirects(false).build();

    // A relative Location: OkHttp resolves it against the URL it asked for, as browsers do.
    Response redirect = noFollow.newCall(get("http://inventory/old/page?x=1")).execute();
    assertThat(redirect.code()).isEqualTo(302);
    assertThat(redirect.header("Location")).isEqualTo("/new/page?x=1");
    redirect.close();
    assertThat(a.count()).isZero();

    Response followed = client.newCall(get("http://inventory/old/page?x=1")).execute();
    assertThat(followed.code()).isEqualTo(200);
    assertThat(body(followed)).isEqualTo("new home");
    RecordedRequest seen = a.take();
    assertThat(seen.getTarget()).isEqualTo("/new/page?x=1");
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory");
  }

  @Test
  void anUpstreamRedirectToAMeshHostIsFollowedThroughTheMesh() throws Exception {
    Backend a = backend();
    a.enqueue(new MockResponse.Builder().code(301).setHeader("Location", "http://inventory/moved").build());
    a.otherwise(200, "moved here");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));

    Response r = client.newCall(new Request.Builder().url("http://inventory/start")
        .post(okhttp3.RequestBody.create("x", null)).build()).execute();

    assertThat(body(r)).isEqualTo("moved here");
    assertThat(a.take().getMethod()).isEqualTo("POST");
    RecordedRequest second = a.take();
    assertThat(second.getMethod()).isEqualTo("GET");
    assertThat(second.getTarget()).isEqualTo("/moved");
  }

  @Test
  void aCallThatIsNotAMeshCallPassesThroughUntouched() throws Exception {
    Backend mesh1 = backend();
    Backend outside = backend().otherwise(200, "outside");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(mesh1.address()));

    Response r = client.newCall(get("http://127.0.0.1:" + outside.port() + "/direct")).execute();

    assertThat(body(r)).isEqualTo("outside");
    RecordedRequest seen = outside.take();
    assertThat(seen.getHeaders().get("x-request-id")).isNull();
    assertThat(seen.getHeaders().get("Host")).isEqualTo("127.0.0.1:" + outside.port());
    assertThat(mesh1.count()).isZero();
  }

  @Test
  void aPassThroughCallFollowsRedirectsAsOkHttpWouldWhetherExecutedOrEnqueued() throws Exception {
    Backend mesh1 = backend();
    Backend outside = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(mesh1.address()));
    String start = "http://127.0.0.1:" + outside.port() + "/start";
    for (boolean enqueued : new boolean[] {false, true}) {
      outside.enqueue(new MockResponse.Builder().code(302).setHeader("Location", "/final").build());
      outside.enqueue(new MockResponse.Builder().body("final").build());
      Response r;
      if (enqueued) {
        java.util.concurrent.CompletableFuture<Response> f = new java.util.concurrent.CompletableFuture<>();
        client.newCall(get(start)).enqueue(new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            f.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call call, Response response) {
            f.complete(response);
          }
        });
        r = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
      } else {
        r = client.newCall(get(start)).execute();
      }
      assertThat(r.code()).as(enqueued ? "enqueued" : "executed").isEqualTo(200);
      assertThat(body(r)).isEqualTo("final");
      assertThat(outside.take().getTarget()).isEqualTo("/start");
      assertThat(outside.take().getTarget()).isEqualTo("/final");
    }
    assertThat(mesh1.count()).isZero();
  }

  @Test
  void anExecutedCallRunsTheMeshCallDirectlyUnlessItHasACallTimeout() throws Exception {
    Backend a = backend().otherwise(200, "ok");
    java.util.concurrent.atomic.AtomicInteger starts = new java.util.concurrent.atomic.AtomicInteger();
    OkHttpClient counted = new OkHttpClient.Builder().eventListener(new okhttp3.EventListener() {
      @Override
      public void callStart(Call call) {
        starts.incrementAndGet();
      }
    }).build();
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address())).build();
    client = MeshOkHttp.wrap(counted, mesh);

    // Only the attempt is an OkHttp call: the caller's call is not run around the mesh.
    assertThat(body(client.newCall(get("http://inventory/a")).execute())).isEqualTo("ok");
    assertThat(starts.get()).isEqualTo(1);

    // With a call timeout, OkHttp's call runs (and times the whole exchange): two calls start.
    Call timed = client.newCall(get("http://inventory/b"));
    timed.timeout().timeout(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(body(timed.execute())).isEqualTo("ok");
    assertThat(starts.get()).isEqualTo(3);
    assertThat(a.count()).isEqualTo(2);
  }

  @Test
  void aVirtualHostWithoutAMatchingRouteFailsWithNoRouteAndSendsNothing() {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: api
                  match: { prefix: /api/ }
                  to: inventory
        """.formatted(a.address()));

    assertThatThrownBy(() -> client.newCall(get("http://inventory/other")).execute())
        .isInstanceOfSatisfying(MeshException.class, e -> {
          assertThat(e.reason()).isEqualTo(MeshException.Reason.NO_ROUTE);
          assertThat(e.requestSent()).isFalse();
          assertThat(e.attempts()).isZero();
          assertThat(e.failure()).isEqualTo(Failure.NONE);
          assertThat(e.route()).isEqualTo("inventory/");
          assertThat(e.getMessage()).contains("no-route").contains("GET /other");
        });
    assertThat(a.count()).isZero();
  }

  @Test
  void enqueuedCallsAreRoutedAndAnsweredOnTheCallback() throws Exception {
    Backend a = backend().otherwise(200, "async");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    CompletableFuture<String> result = new CompletableFuture<>();

    client.newCall(get("http://inventory/a")).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        result.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call call, Response response) throws IOException {
        result.complete(body(response));
      }
    });

    assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("async");
  }

  @Test
  void aMeshFailureReachesEnqueuedCallersInOnFailure() throws Exception {
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [] }
        """);
    CompletableFuture<IOException> failure = new CompletableFuture<>();

    client.newCall(get("http://inventory/a")).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        failure.complete(e);
      }

      @Override
      public void onResponse(Call call, Response response) {
        response.close();
        failure.completeExceptionally(new AssertionError("expected a failure"));
      }
    });

    assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(MeshException.class,
        e -> {
          assertThat(e.reason()).isEqualTo(MeshException.Reason.NO_HEALTHY_ENDPOINT);
          assertThat(e.cluster()).isEqualTo("inventory");
          assertThat(e.route()).isEqualTo("implicit");
          assertThat(e.requestSent()).isFalse();
        });
  }

  @Test
  void h2cPriorKnowledgeCallsAreRoutedWithTheCallersAuthority() throws Exception {
    Backend a = h2cBackend().otherwise(200, "h2");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    client = MeshOkHttp.wrap(new OkHttpClient.Builder()
        .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build(), mesh);

    Response r = client.newCall(get("http://inventory/h2")).execute();

    assertThat(r.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
    assertThat(body(r)).isEqualTo("h2");
    RecordedRequest seen = a.take();
    assertThat(seen.getVersion()).isEqualTo("HTTP/2");
    assertThat(seen.getHeaders().get(":authority")).isEqualTo("inventory");
  }

  @Test
  void withACustomSocketFactoryTheUrlIsRewrittenToTheEndpointInstead() throws Exception {
    Backend a = backend();
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    javax.net.SocketFactory custom = new javax.net.SocketFactory() {
      @Override
      public java.net.Socket createSocket() {
        return new java.net.Socket();
      }

      @Override
      public java.net.Socket createSocket(String h, int p) throws IOException {
        return new java.net.Socket(h, p);
      }

      @Override
      public java.net.Socket createSocket(String h, int p, java.net.InetAddress l, int lp)
          throws IOException {
        return new java.net.Socket(h, p, l, lp);
      }

      @Override
      public java.net.Socket createSocket(java.net.InetAddress h, int p) throws IOException {
        return new java.net.Socket(h, p);
      }

      @Override
      public java.net.Socket createSocket(java.net.InetAddress h, int p, java.net.InetAddress l,
          int lp) throws IOException {
        return new java.net.Socket(h, p, l, lp);
      }
    };
    client = MeshOkHttp.wrap(new OkHttpClient.Builder().socketFactory(custom).build(), mesh);

    Response r = client.newCall(get("http://inventory/items?x=1")).execute();

    assertThat(r.request().url().toString()).isEqualTo("http://" + a.address() + "/items?x=1");
    assertThat(body(r)).isEqualTo("ok");
    RecordedRequest seen = a.take();
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory");
    assertThat(seen.getTarget()).isEqualTo("/items?x=1");
  }

  @Test
  void tlsVerifiesTheCallersHostWhileConnectingToTheEndpointsAddress() throws Exception {
    okhttp3.tls.HeldCertificate root = new okhttp3.tls.HeldCertificate.Builder()
        .certificateAuthority(0).build();
    okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder()
        .addSubjectAlternativeName("inventory.internal").signedBy(root).build();
    okhttp3.tls.HandshakeCertificates server = new okhttp3.tls.HandshakeCertificates.Builder()
        .heldCertificate(cert, root.certificate()).build();
    okhttp3.tls.HandshakeCertificates trust = new okhttp3.tls.HandshakeCertificates.Builder()
        .addTrustedCertificate(root.certificate()).build();
    Backend a = backend();
    a.server.useHttps(server.sslSocketFactory());
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory.internal, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    client = MeshOkHttp.wrap(new OkHttpClient.Builder()
        .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager()).build(), mesh);

    Response r = client.newCall(get("https://inventory.internal/secure")).execute();

    assertThat(r.handshake()).isNotNull();
    assertThat(body(r)).isEqualTo("ok");
    RecordedRequest seen = a.take();
    assertThat(seen.getHandshakeServerNames()).containsExactly("inventory.internal");
  }
}
