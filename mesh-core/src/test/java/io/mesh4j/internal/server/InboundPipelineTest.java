package io.mesh4j.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.RequestView;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inbound pipeline without any server: the adapter's part is a request view and a responder,
 * and what it gets back is a verdict. Servlet-level behaviour is tested in mesh-servlet.
 */
class InboundPipelineTest {
  static final String CONFIG =
      """
      version: 1
      service: shop
      clusters:
        - name: v2
          endpoints: [{ address: 127.0.0.1:8082 }]
      inbound:
        authz:
          default_action: allow
          rules:
            - name: no-internal
              action: deny
              match: { prefix: /internal/ }
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: limited
                match: { prefix: /limited }
                rate_limit: { requests_per_second: 1, burst: 1 }
                pass: {}
              - name: internal-limited
                match: { prefix: /internal/limited }
                rate_limit: { requests_per_second: 1, burst: 1 }
                pass: {}
              - name: broken
                match: { prefix: /broken }
                fault: { abort: { status: 502, percent: 100 } }
                redirect: { prefix_rewrite: /v2/, code: 308 }
              - name: old
                match: { prefix: /old/ }
                redirect: { prefix_rewrite: /v2/, code: 308 }
              - name: maintenance
                match: { path: /maintenance }
                respond: { status: 503, body: "down", headers: { retry-after: "30" } }
              - name: remote
                match: { prefix: /remote }
                to: v2
              - name: canary
                match: { prefix: /canary }
                split:
                  - {local: true, weight: 1}
                  - {cluster: v2, weight: 1}
              - name: rest
                match: { prefix: / }
                pass: {}
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(CONFIG)).ticker(time).scheduler(time)
      .meterRegistry(registry).build();
  final InboundPipeline pipeline = new InboundPipeline(mesh, s -> null);
  final List<String> answers = new ArrayList<>();

  @AfterEach
  void close() {
    mesh.close();
  }

  @Test
  void theStepsAreDeclaredOnceInEnvoysFilterOrder() {
    assertThat(InboundPipeline.STEPS).containsExactly(
        InboundPipeline.Step.ROUTE, InboundPipeline.Step.POLICIES, InboundPipeline.Step.AUTHZ,
        InboundPipeline.Step.RATE_LIMIT, InboundPipeline.Step.FAULT,
        InboundPipeline.Step.CONCURRENCY, InboundPipeline.Step.ACTION);
  }

  @Test
  void aPassRouteComesBackToTheAdapterUnrecordedWithTheRouteChosen() throws Exception {
    InboundExchange ex = exchange();
    assertThat(decide("/anything", ex)).isEqualTo(InboundPipeline.Verdict.PASS);
    assertThat(ex.route().route().name()).isEqualTo("rest");
    assertThat(ex.isRecorded()).isFalse();
    assertThat(answers).isEmpty();
  }

  @Test
  void authzRunsBeforeTheRateLimitSoADeniedRequestSpendsNoToken() throws Exception {
    InboundExchange denied = exchange();
    assertThat(decide("/internal/limited", denied)).isEqualTo(InboundPipeline.Verdict.ANSWERED);
    assertThat(answers).containsExactly("403 access denied\n {}");
    assertThat(denied.isRecorded()).isTrue();
    assertThat(count("internal-limited", MeshMetricNames.OUTCOME_DENIED)).isEqualTo(1);
    assertThat(registry.get(MeshMetricNames.SERVER_DENIED).tag(MeshMetricNames.TAG_RULE, "no-internal")
        .counter().count()).isEqualTo(1.0);
  }

  @Test
  void theRateLimitAnswers429WithRetryAfterOnceTheBurstIsSpent() throws Exception {
    assertThat(decide("/limited", exchange())).isEqualTo(InboundPipeline.Verdict.PASS);
    assertThat(decide("/limited", exchange())).isEqualTo(InboundPipeline.Verdict.ANSWERED);
    assertThat(answers).containsExactly("429 rate limited\n {Retry-After=1}");
    assertThat(count("self/limited", MeshMetricNames.OUTCOME_RATELIMITED)).isEqualTo(1);
  }

  @Test
  void aFaultAbortRunsBeforeTheRoutesAction() throws Exception {
    assertThat(decide("/broken", exchange())).isEqualTo(InboundPipeline.Verdict.ANSWERED);
    assertThat(answers).containsExactly("502 fault filter abort\n {}");
    assertThat(count("self/broken", MeshMetricNames.OUTCOME_FAULT)).isEqualTo(1);
  }

  @Test
  void redirectAndRespondAreAnsweredAndRecordedByTheEngine() throws Exception {
    assertThat(decide("/old/x", exchange())).isEqualTo(InboundPipeline.Verdict.ANSWERED);
    assertThat(decide("/maintenance", exchange())).isEqualTo(InboundPipeline.Verdict.ANSWERED);
    assertThat(answers).containsExactly(
        "308  {Location=/v2/x}", "503 down {retry-after=30}");
    assertThat(count("self/old", MeshMetricNames.OUTCOME_REDIRECT)).isEqualTo(1);
    assertThat(count("self/maintenance", MeshMetricNames.OUTCOME_RESPOND)).isEqualTo(1);
  }

  @Test
  void toForwardsToItsClusterAndASplitAlternatesLocalAndRemoteTurns() throws Exception {
    InboundExchange remote = exchange();
    assertThat(decide("/remote", remote)).isEqualTo(InboundPipeline.Verdict.FORWARD);
    assertThat(remote.cluster()).isEqualTo("v2");
    int local = 0;
    int forwarded = 0;
    for (int i = 0; i < 10; i++) {
      InboundExchange ex = exchange();
      InboundPipeline.Verdict v = decide("/canary", ex);
      if (v == InboundPipeline.Verdict.PASS) local++;
      if (v == InboundPipeline.Verdict.FORWARD && "v2".equals(ex.cluster())) forwarded++;
    }
    assertThat(local).isEqualTo(5);
    assertThat(forwarded).isEqualTo(5);
  }

  @Test
  void theOutcomeIsRecordedOnceWhoeverFinishesTheRequest() throws Exception {
    InboundExchange ex = exchange();
    decide("/anything", ex);
    assertThat(ex.record(Outcome.PASS, 200)).isTrue();
    assertThat(ex.record(Outcome.ERROR, 500)).isFalse();
    assertThat(count("self/rest", MeshMetricNames.OUTCOME_PASS)).isEqualTo(1);
    assertThat(registry.find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_OUTCOME, MeshMetricNames.OUTCOME_ERROR).timer()).isNull();
  }

  @Test
  void theRouteStateAndItsTokenBucketSurviveAReloadThatKeepsTheRoute() throws Exception {
    assertThat(decide("/limited", exchange())).isEqualTo(InboundPipeline.Verdict.PASS);
    InboundPlan before = pipeline.plan();
    mesh.reload(ConfigLoader.load(CONFIG.replace("service: shop", "service: shop\n")));
    InboundPlan after = pipeline.plan();
    assertThat(after).isNotSameAs(before);
    assertThat(decide("/limited", exchange())).isEqualTo(InboundPipeline.Verdict.ANSWERED);
  }

  @Test
  void aRefusedSnapshotLeavesThePreviousPlanServing() {
    InboundPipeline refusing = new InboundPipeline(mesh, s -> s.generation() > 1 ? "no" : null);
    InboundPlan first = refusing.plan();
    mesh.reload(ConfigLoader.load(CONFIG));
    assertThat(refusing.plan()).isSameAs(first);
  }

  private InboundPipeline.Verdict decide(String path, InboundExchange ex) throws Exception {
    return pipeline.decide(pipeline.plan(), new View(path), ex,
        (status, body, headers) -> answers.add(status + " " + body + " " + headers));
  }

  private InboundExchange exchange() {
    return new InboundExchange(MeshContext.EMPTY, time, time.read());
  }

  private long count(String route, String outcome) {
    Timer t = registry.find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_ROUTE, route.contains("/") ? route : "self/" + route)
        .tag(MeshMetricNames.TAG_OUTCOME, outcome).timer();
    return t == null ? 0 : t.count();
  }

  private record View(String path) implements RequestView {
    @Override public String method() { return "GET"; }
    @Override public String scheme() { return "http"; }
    @Override public String authority() { return "shop.example"; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return null; }
    @Override public String sourceAddress() { return "10.0.0.1"; }
  }
}
