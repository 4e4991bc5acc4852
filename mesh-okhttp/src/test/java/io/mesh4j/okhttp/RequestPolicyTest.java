package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.policy.PolicyContext;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyExchange;
import io.mesh4j.policy.PolicyOutcome;
import io.mesh4j.policy.RequestPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request policies and custom matchers around real calls through the OkHttp interceptor. */
class RequestPolicyTest {
  @TempDir Path dir;
  final List<Backend> backends = new ArrayList<>();
  final List<String> observed = new CopyOnWriteArrayList<>();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  Mesh mesh;
  OkHttpClient client;

  @AfterEach
  void tearDown() {
    if (client != null) assertNoLeaks(client);
    if (mesh != null) mesh.close();
    backends.forEach(Backend::close);
  }

  Backend backend(String body) {
    Backend b = new Backend().otherwise(200, body);
    backends.add(b);
    return b;
  }

  /** Sets x-signature to args.value and removes x-secret. */
  static final class Sign implements RequestPolicy.Factory {
    @Override public String name() { return "sign"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      String value = args.string("value");
      return e -> {
        e.setHeader("x-signature", value);
        e.removeHeader("x-secret");
        return PolicyDecision.CONTINUE;
      };
    }
  }

  /** Answers 429 when the request has x-over. */
  static final class Quota implements RequestPolicy.Factory {
    @Override public String name() { return "quota"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      return e -> e.header("x-over") == null
          ? PolicyDecision.CONTINUE
          : PolicyDecision.respond(429, "over quota", Map.of("retry-after", "3"));
    }
  }

  /** Throws from onRequest; fail-closed when args.mode is closed. */
  static final class Boom implements RequestPolicy.Factory {
    @Override public String name() { return "boom"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      boolean closed = "closed".equals(args.string("mode"));
      return new RequestPolicy() {
        @Override public FailureMode failureMode() {
          return closed ? FailureMode.FAIL_CLOSED : FailureMode.FAIL_OPEN;
        }
        @Override public PolicyDecision onRequest(PolicyExchange e) {
          e.setHeader("x-half-done", "1");
          throw new IllegalStateException("boom");
        }
      };
    }
  }

  /** Records each outcome as "side status route respondedBy failure". */
  final class Observe implements RequestPolicy.Factory {
    @Override public String name() { return "observe"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      return new RequestPolicy() {
        @Override public PolicyDecision onRequest(PolicyExchange e) { return PolicyDecision.CONTINUE; }
        @Override public void onComplete(PolicyExchange e, PolicyOutcome o) {
          observed.add(e.side() + " " + o.status() + " " + e.virtualHost() + "/" + e.route() + " "
              + o.respondedBy() + " " + (o.failure() == null ? "-" : o.failure().getClass().getSimpleName()));
        }
      };
    }
  }

  OkHttpClient wrap(String yaml) throws IOException {
    Path f = dir.resolve("mesh.yaml");
    Files.writeString(f, yaml);
    mesh = Mesh.builder().configFile(f).watch(Duration.ZERO).meterRegistry(registry)
        .policy(new Sign()).policy(new Quota()).policy(new Boom()).policy(new Observe())
        .build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    return client;
  }

  static String call(OkHttpClient client, Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  String config(String address, String routePolicies) {
    return """
        version: 1
        service: frontend
        policies: [ observe ]
        clusters:
          - { name: inventory, endpoints: [%s] }
        outbound:
          virtual_hosts:
            - name: inventory
              policies: [ { name: sign, args: { value: s3cr3t-sig } } ]
              routes:
                - name: items
                  match: { prefix: /items }
                  to: inventory
                  policies: %s
                - name: rest
                  to: inventory
        """.formatted(address, routePolicies);
  }

  double errors(String policy, String side) {
    Counter c = registry.find(MeshMetricNames.POLICY_ERRORS).tag(MeshMetricNames.TAG_POLICY, policy)
        .tag(MeshMetricNames.TAG_SIDE, side).tag(MeshMetricNames.TAG_PHASE, "request").counter();
    return c == null ? -1 : c.count();
  }

  @Test
  void policiesEditTheHeadersSentToTheEndpointAndObserveTheOutcome() throws Exception {
    Backend b = backend("items");
    wrap(config(b.address(), "[ quota ]"));
    Request r = new Request.Builder().url("http://inventory/items/1")
        .header("x-secret", "do-not-forward").header("x-keep", "yes").build();
    assertThat(call(client, r)).isEqualTo("200 items");
    RecordedRequest got = b.received.get(0);
    assertThat(got.getHeaders().get("x-signature")).isEqualTo("s3cr3t-sig");
    assertThat(got.getHeaders().get("x-secret")).isNull();
    assertThat(got.getHeaders().get("x-keep")).isEqualTo("yes");
    assertThat(observed).containsExactly("OUTBOUND 200 inventory/items null -");
  }

  @Test
  void aPolicyAnswerShortCircuitsTheCallWithoutReachingTheEndpoint() throws Exception {
    Backend b = backend("items");
    wrap(config(b.address(), "[ quota ]"));
    Request r = new Request.Builder().url("http://inventory/items/1").header("x-over", "1").build();
    try (Response res = client.newCall(r).execute()) {
      assertThat(res.code()).isEqualTo(429);
      assertThat(res.header("retry-after")).isEqualTo("3");
      assertThat(res.header("content-type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(res.body().string()).isEqualTo("over quota");
    }
    assertThat(b.count()).isZero();
    assertThat(observed).containsExactly("OUTBOUND 429 inventory/items quota -");
    assertThat(call(client, new Request.Builder().url("http://inventory/other").header("x-over", "1")
        .build())).as("quota is on the items route only").isEqualTo("200 items");
  }

  @Test
  void aFailOpenPolicyThatThrowsIsCountedAndTheCallGoesOnWithoutItsEdits() throws Exception {
    Backend b = backend("items");
    wrap(config(b.address(), "[ boom ]"));
    assertThat(call(client, new Request.Builder().url("http://inventory/items").build()))
        .isEqualTo("200 items");
    assertThat(b.received.get(0).getHeaders().get("x-half-done")).isNull();
    assertThat(b.received.get(0).getHeaders().get("x-signature")).isEqualTo("s3cr3t-sig");
    assertThat(errors("boom", "outbound")).isEqualTo(1.0);
  }

  @Test
  void aFailClosedPolicyThatThrowsAnswers500WithoutCallingTheEndpoint() throws Exception {
    Backend b = backend("items");
    wrap(config(b.address(), "[ { name: boom, args: { mode: closed } } ]"));
    assertThat(call(client, new Request.Builder().url("http://inventory/items").build()))
        .isEqualTo("500 request policy failed\n");
    assertThat(b.count()).isZero();
    assertThat(errors("boom", "outbound")).isEqualTo(1.0);
    assertThat(observed).containsExactly("OUTBOUND 500 inventory/items boom -");
  }

  @Test
  void aFailedCallIsObservedWithItsException() throws Exception {
    wrap(config("127.0.0.1:" + TestSupport.closedPort(), "[]"));
    assertThatThrownBy(() -> call(client, new Request.Builder().url("http://inventory/items").build()))
        .isInstanceOf(MeshException.class);
    assertThat(observed).containsExactly("OUTBOUND 0 inventory/items null MeshException");
  }

  @Test
  void theJwtClaimMatcherFromServiceLoaderRoutesRealCalls() throws Exception {
    Backend plain = backend("plain");
    Backend gold = backend("gold");
    wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [%s] }
          - { name: inventory-gold, endpoints: [%s] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: gold
                  match: { custom: { name: jwt-claim, args: { claim: tier, equals: gold } } }
                  to: inventory-gold
                - name: rest
                  to: inventory
        """.formatted(plain.address(), gold.address()));
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    String token = enc.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + enc.encodeToString("{\"tier\":\"gold\"}".getBytes(StandardCharsets.UTF_8)) + ".x";
    assertThat(call(client, new Request.Builder().url("http://inventory/a")
        .header("Authorization", "Bearer " + token).build())).isEqualTo("200 gold");
    assertThat(call(client, new Request.Builder().url("http://inventory/a").build()))
        .isEqualTo("200 plain");
  }
}
