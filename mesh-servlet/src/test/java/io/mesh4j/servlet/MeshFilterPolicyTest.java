package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.policy.PolicyContext;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyExchange;
import io.mesh4j.policy.PolicyOutcome;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Request policies and custom matchers on the server side, over real loopback connections. */
class MeshFilterPolicyTest {
  static final String CONFIG = """
      version: 1
      service: shop
      policies: [ observe ]
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            policies: [ { name: tag, args: { value: from-host } } ]
            routes:
              - name: gold
                match: { prefix: /api/, custom: { name: jwt-claim, args: { claim: tier, equals: gold } } }
                headers: { add: { x-route: gold } }
                pass: {}
              - name: api
                match: { prefix: /api/ }
                headers: { add: { x-route: api, x-tag: route-value } }
                pass: {}
              - name: limited
                match: { prefix: /limited }
                pass: {}
                policies: [ quota ]
              - name: open
                match: { prefix: /open }
                pass: {}
                policies: [ boom ]
              - name: closed
                match: { prefix: /closed }
                pass: {}
                policies: [ { name: boom, args: { mode: closed } } ]
        authz:
          rules:
            - { name: no-internal, action: deny, match: { prefix: /internal } }
      """;

  @TempDir Path dir;
  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = Fixtures.client();
  final List<String> observed = new CopyOnWriteArrayList<>();
  final java.util.concurrent.CountDownLatch asyncStarted = new java.util.concurrent.CountDownLatch(1);
  final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
  Mesh mesh;
  JettyServer server;

  /** Sets x-tag to args.value and removes x-secret. */
  static final class Tag implements RequestPolicy.Factory {
    @Override public String name() { return "tag"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      String value = args.string("value");
      return e -> {
        e.setHeader("x-tag", value);
        e.removeHeader("x-secret");
        return PolicyDecision.CONTINUE;
      };
    }
  }

  static final class Quota implements RequestPolicy.Factory {
    @Override public String name() { return "quota"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      return e -> PolicyDecision.respond(429, "over quota\n", Map.of("Retry-After", "3"));
    }
  }

  static final class Boom implements RequestPolicy.Factory {
    @Override public String name() { return "boom"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      boolean closed = "closed".equals(args.string("mode"));
      return new RequestPolicy() {
        @Override public FailureMode failureMode() {
          return closed ? FailureMode.FAIL_CLOSED : FailureMode.FAIL_OPEN;
        }
        @Override public PolicyDecision onRequest(PolicyExchange e) {
          throw new IllegalStateException("boom");
        }
      };
    }
  }

  final class Observe implements RequestPolicy.Factory {
    @Override public String name() { return "observe"; }
    @Override public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
      return new RequestPolicy() {
        @Override public PolicyDecision onRequest(PolicyExchange e) { return PolicyDecision.CONTINUE; }
        @Override public void onComplete(PolicyExchange e, PolicyOutcome o) {
          observed.add(e.side() + " " + e.path() + " " + o.status() + " " + e.route() + " "
              + o.respondedBy() + " id=" + (e.requestId() != null));
        }
      };
    }
  }

  void start() throws Exception {
    Path f = dir.resolve("mesh.yaml");
    Files.writeString(f, CONFIG);
    mesh = Mesh.builder().configFile(f).watch(Duration.ZERO).ticker(time).scheduler(time)
        .meterRegistry(registry)
        .policy(new Tag()).policy(new Quota()).policy(new Boom()).policy(new Observe())
        .build();
    server = JettyServer.builder(new MeshFilter(mesh))
        .servlet("/*", servlet((req, res) -> write(res, 200, "app route=" + req.getHeader("x-route")
            + " tag=" + req.getHeader("x-tag") + " tags=" + java.util.Collections.list(req.getHeaders("x-tag"))
            + " secret=" + req.getHeader("x-secret"))))
        .servlet("/async", servlet((req, res) -> {
          jakarta.servlet.AsyncContext ac = req.startAsync();
          String tag = req.getHeader("x-tag");
          Thread worker = new Thread(() -> {
            try {
              asyncStarted.countDown();
              release.await();
              res.setStatus(202);
              res.getOutputStream().write(("async tag=" + tag).getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
              res.setStatus(500);
            } finally {
              ac.complete();
            }
          });
          worker.start();
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) server.close();
    if (mesh != null) mesh.close();
  }

  String call(String path, Map<String, String> headers) throws Exception {
    Request.Builder b = new Request.Builder().url(server.url(path));
    headers.forEach(b::header);
    try (Response r = client.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  double errors(String policy) {
    Counter c = registry.find(MeshMetricNames.POLICY_ERRORS).tag(MeshMetricNames.TAG_POLICY, policy)
        .tag(MeshMetricNames.TAG_SIDE, "inbound").tag(MeshMetricNames.TAG_PHASE, "request").counter();
    return c == null ? -1 : c.count();
  }

  static String jwt(String payload) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    return "Bearer " + e.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + "."
        + e.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".sig";
  }

  @Test
  void policyHeaderEditsReachTheApplicationAndReplaceTheRoutesOwnValue() throws Exception {
    start();
    assertThat(call("/api/x", Map.of("x-secret", "s", "x-tag", "client")))
        .isEqualTo("200 app route=api tag=from-host tags=[from-host] secret=null");
    await("the outcome", () -> observed.size() == 1);
    assertThat(observed).containsExactly("INBOUND /api/x 200 api null id=true");
  }

  @Test
  void theJwtClaimMatcherRoutesInboundRequests() throws Exception {
    start();
    assertThat(call("/api/x", Map.of("authorization", jwt("{\"tier\":\"gold\"}"))))
        .startsWith("200 app route=gold ");
    assertThat(call("/api/x", Map.of("authorization", jwt("{\"tier\":\"free\"}"))))
        .startsWith("200 app route=api ");
  }

  @Test
  void aPolicyAnswerIsWrittenByTheFilterAndRecordedAsOutcomePolicy() throws Exception {
    start();
    Request r = new Request.Builder().url(server.url("/limited")).build();
    try (Response res = client.newCall(r).execute()) {
      assertThat(res.code()).isEqualTo(429);
      assertThat(res.header("Retry-After")).isEqualTo("3");
      assertThat(res.body().string()).isEqualTo("over quota\n");
    }
    assertThat(Fixtures.count(registry, "self/limited", "4xx", MeshMetricNames.OUTCOME_POLICY)).isEqualTo(1);
    assertThat(observed).containsExactly("INBOUND /limited 429 limited quota id=true");
  }

  @Test
  void policiesObserveAnswersTheFilterMakesAndRequestsNoRouteMatched() throws Exception {
    start();
    assertThat(call("/internal/x", Map.of())).isEqualTo("403 access denied");
    assertThat(call("/elsewhere", Map.of())).startsWith("200 app route=null tag=null");
    await("two outcomes", () -> observed.size() == 2);
    assertThat(observed).containsExactly(
        "INBOUND /internal/x 403 null null id=true", "INBOUND /elsewhere 200 null null id=true");
  }

  @Test
  void anAsyncRequestIsObservedOnceWhenItsResponseCompletes() throws Exception {
    start();
    java.util.concurrent.CompletableFuture<String> answer =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return call("/async", Map.of());
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
    assertThat(asyncStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(observed).as("the outcome is not known while the application holds it").isEmpty();
    release.countDown();
    assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .as("no route matched: only the global policies ran").isEqualTo("202 async tag=null");
    await("the async outcome", () -> observed.size() == 1);
    assertThat(observed).containsExactly("INBOUND /async 202 null null id=true");
  }

  @Test
  void aThrowingPolicyIsContainedAsItsFailureModeSays() throws Exception {
    start();
    assertThat(call("/open", Map.of())).startsWith("200 app ");
    assertThat(call("/closed", Map.of())).isEqualTo("500 request policy failed");
    assertThat(errors("boom")).isEqualTo(2.0);
    await("two outcomes", () -> observed.size() == 2);
    assertThat(observed).containsExactly(
        "INBOUND /open 200 open null id=true", "INBOUND /closed 500 closed boom id=true");
  }
}
