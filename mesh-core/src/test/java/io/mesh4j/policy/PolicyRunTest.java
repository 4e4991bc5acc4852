package io.mesh4j.policy;

import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PolicyRunTest {
  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<String> trace = new ArrayList<>();
  final List<String> logged = new ArrayList<>();

  final RequestView request = new RequestView() {
    @Override public String method() { return "GET"; }
    @Override public String scheme() { return "http"; }
    @Override public String authority() { return "api"; }
    @Override public String path() { return "/orders"; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return name.equals("x-tenant") ? "acme" : null; }
    @Override public String sourceAddress() { return "10.0.0.1"; }
  };

  /** A policy that records its calls and does {@code action} in onRequest. */
  RequestPolicy policy(
      String name, RequestPolicy.FailureMode mode, RequestPolicy.Direction direction,
      Function<PolicyExchange, PolicyDecision> action) {
    return new RequestPolicy() {
      @Override public Direction direction() { return direction; }
      @Override public FailureMode failureMode() { return mode; }
      @Override public PolicyDecision onRequest(PolicyExchange e) {
        trace.add(name + ".request");
        return action.apply(e);
      }
      @Override public void onComplete(PolicyExchange e, PolicyOutcome o) {
        trace.add(name + ".complete(" + o.status() + "," + o.respondedBy() + ")");
      }
    };
  }

  RequestPolicy passing(String name) {
    return policy(name, RequestPolicy.FailureMode.FAIL_OPEN, RequestPolicy.Direction.BOTH,
        e -> PolicyDecision.CONTINUE);
  }

  CompiledPolicy compiled(String name, RequestPolicy p) {
    return new CompiledPolicy(name, p, registry, time, (message, error) -> logged.add(message));
  }

  PolicyChain chain(CompiledPolicy... ps) {
    return PolicyChain.of(RouteTable.Direction.OUTBOUND, List.of(ps), time);
  }

  double errors(String policy, String phase) {
    var c = registry.find(MeshMetricNames.POLICY_ERRORS).tag(MeshMetricNames.TAG_POLICY, policy)
        .tag(MeshMetricNames.TAG_SIDE, "outbound").tag(MeshMetricNames.TAG_PHASE, phase).counter();
    return c == null ? -1 : c.count();
  }

  static List<String> edits(PolicyRun run) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < run.headerEditCount(); i++) {
      out.add(run.headerEditName(i) + "=" + run.headerEditValue(i));
    }
    return out;
  }

  @Test
  void policiesRunInOrderAndSeeTheHeaderEditsOfEarlierOnes() {
    PolicyChain c = chain(
        compiled("a", policy("a", RequestPolicy.FailureMode.FAIL_OPEN, RequestPolicy.Direction.BOTH, e -> {
          e.setHeader("X-Signed", "v1");
          e.removeHeader("x-tenant");
          return PolicyDecision.CONTINUE;
        })),
        compiled("b", policy("b", RequestPolicy.FailureMode.FAIL_OPEN, RequestPolicy.Direction.BOTH, e -> {
          trace.add("b saw x-signed=" + e.header("x-signed") + " x-tenant=" + e.header("X-Tenant"));
          return null;
        })));
    time.advance(Duration.ofMillis(5));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", "id-1", time.read());
    assertThat(run.onRequest()).isSameAs(PolicyDecision.CONTINUE);
    assertThat(edits(run)).containsExactly("x-signed=v1", "x-tenant=null");
    time.advance(Duration.ofMillis(7));
    run.complete(200, null);
    run.complete(500, null);
    assertThat(trace).containsExactly(
        "a.request", "b.request", "b saw x-signed=v1 x-tenant=null", "b.complete(200,null)",
        "a.complete(200,null)");
  }

  @Test
  void anAnswerSkipsTheRestAndOnlyPoliciesThatRanObserveTheOutcome() {
    PolicyChain c = chain(
        compiled("a", passing("a")),
        compiled("quota", policy("quota", RequestPolicy.FailureMode.FAIL_OPEN,
            RequestPolicy.Direction.BOTH, e -> PolicyDecision.respond(429, "slow down",
                Map.of("retry-after", "1")))),
        compiled("c", passing("c")));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", null, time.read());
    PolicyDecision d = run.onRequest();
    assertThat(d.status()).isEqualTo(429);
    assertThat(d.body()).isEqualTo("slow down");
    assertThat(d.headers()).isEqualTo(Map.of("retry-after", "1"));
    assertThat(run.respondedBy()).isEqualTo("quota");
    run.complete(429, null);
    assertThat(trace).containsExactly(
        "a.request", "quota.request", "quota.complete(429,quota)", "a.complete(429,quota)");
  }

  @Test
  void aFailOpenPolicyThatThrowsLosesItsEditsAndTheRequestGoesOn() {
    PolicyChain c = chain(
        compiled("signer", policy("signer", RequestPolicy.FailureMode.FAIL_OPEN,
            RequestPolicy.Direction.BOTH, e -> {
              e.setHeader("x-half", "done");
              throw new IllegalStateException("key store down");
            })),
        compiled("b", passing("b")));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", null, time.read());
    assertThat(run.onRequest()).isSameAs(PolicyDecision.CONTINUE);
    assertThat(run.headerEditCount()).isZero();
    assertThat(errors("signer", "request")).isEqualTo(1.0);
    assertThat(errors("b", "request")).isZero();
    run.complete(200, null);
    assertThat(trace).containsExactly(
        "signer.request", "b.request", "b.complete(200,null)", "signer.complete(200,null)");
    assertThat(logged).containsExactly("mesh4j: policy 'signer' threw in onRequest on the outbound"
        + " side; the request went on without it (fail-open) (logged at most once per 1 min)");
  }

  @Test
  void aFailClosedPolicyThatThrowsAnswers500AndStopsTheChain() {
    PolicyChain c = chain(
        compiled("signer", policy("signer", RequestPolicy.FailureMode.FAIL_CLOSED,
            RequestPolicy.Direction.BOTH, e -> {
              throw new IllegalStateException("key store down");
            })),
        compiled("b", passing("b")));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", null, time.read());
    PolicyDecision d = run.onRequest();
    assertThat(d.status()).isEqualTo(500);
    assertThat(d.body()).isEqualTo("request policy failed\n");
    assertThat(run.respondedBy()).isEqualTo("signer");
    assertThat(errors("signer", "request")).isEqualTo(1.0);
    assertThat(trace).containsExactly("signer.request");
  }

  @Test
  void aThrowFromOnCompleteIsCountedAndTheOtherPoliciesStillComplete() {
    RequestPolicy bad = new RequestPolicy() {
      @Override public PolicyDecision onRequest(PolicyExchange e) { return PolicyDecision.CONTINUE; }
      @Override public void onComplete(PolicyExchange e, PolicyOutcome o) {
        throw new IllegalStateException("disk full");
      }
    };
    PolicyChain c = chain(compiled("a", passing("a")), compiled("bad", bad));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", null, time.read());
    run.onRequest();
    run.complete(0, new java.io.IOException("reset"));
    assertThat(trace).containsExactly("a.request", "a.complete(0,null)");
    assertThat(errors("bad", "complete")).isEqualTo(1.0);
    assertThat(logged).containsExactly("mesh4j: policy 'bad' threw in onComplete on the outbound"
        + " side; the response was not changed (logged at most once per 1 min)");
  }

  @Test
  void failuresAreLoggedAtMostOncePerIntervalWithTheCountOfTheSuppressedOnes() {
    CompiledPolicy p = compiled("flaky", policy("flaky", RequestPolicy.FailureMode.FAIL_OPEN,
        RequestPolicy.Direction.BOTH, e -> {
          throw new IllegalStateException("flaky");
        }));
    PolicyChain c = chain(p);
    Runnable request1 =
        () -> PolicyInternals.start(c, request, "api", "r", null, time.read()).onRequest();
    for (int i = 0; i < 5; i++) request1.run();
    assertThat(logged).hasSize(1);
    time.advance(Duration.ofSeconds(59));
    request1.run();
    assertThat(logged).hasSize(1);
    time.advance(Duration.ofSeconds(1));
    request1.run();
    assertThat(logged).hasSize(2);
    assertThat(logged.get(1)).isEqualTo("mesh4j: policy 'flaky' threw in onRequest on the outbound"
        + " side; the request went on without it (fail-open); 5 more failure(s) of this policy"
        + " since the last report (logged at most once per 1 min)");
    assertThat(errors("flaky", "request")).isEqualTo(7.0);
  }

  @Test
  void theChainKeepsOnlyThePoliciesDeclaredForItsSide() {
    CompiledPolicy out = compiled("out", policy("out", RequestPolicy.FailureMode.FAIL_OPEN,
        RequestPolicy.Direction.OUTBOUND, e -> null));
    CompiledPolicy in = compiled("in", policy("in", RequestPolicy.FailureMode.FAIL_OPEN,
        RequestPolicy.Direction.INBOUND, e -> null));
    CompiledPolicy both = compiled("both", passing("both"));
    assertThat(PolicyChain.of(RouteTable.Direction.OUTBOUND, List.of(out, in, both), time).names())
        .containsExactly("out", "both");
    assertThat(PolicyChain.of(RouteTable.Direction.INBOUND, List.of(out, in, both), time).names())
        .containsExactly("in", "both");
    assertThat(PolicyChain.of(RouteTable.Direction.INBOUND, List.of(out), time))
        .isSameAs(PolicyChain.EMPTY);
    assertThat(registry.find(MeshMetricNames.POLICY_ERRORS).tag(MeshMetricNames.TAG_POLICY, "out")
        .tag(MeshMetricNames.TAG_SIDE, "inbound").counter()).isNull();
  }

  @Test
  void headersCannotBeEditedOnceTheRequestWentOnAndBadHeadersAreRefused() {
    PolicyChain c = chain(compiled("a", passing("a")));
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", null, time.read());
    assertThatThrownBy(() -> run.setHeader("x bad", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header name: \"x bad\" (expected: a token without spaces, colons, CR, LF or NUL)");
    assertThatThrownBy(() -> run.setHeader("x-ok", "a\r\nb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header x-ok: value holds CR, LF or NUL");
    run.onRequest();
    assertThatThrownBy(() -> run.setHeader("x-late", "v")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PolicyDecision.respond(99, "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status: 99 (expected: 200-599)");
  }

  @Test
  void theOutcomeCarriesTheDurationOnTheMeshTicker() {
    List<PolicyOutcome> seen = new ArrayList<>();
    RequestPolicy p = new RequestPolicy() {
      @Override public PolicyDecision onRequest(PolicyExchange e) { return PolicyDecision.CONTINUE; }
      @Override public void onComplete(PolicyExchange e, PolicyOutcome o) { seen.add(o); }
    };
    PolicyChain c = chain(compiled("p", p));
    long start = time.read();
    PolicyRun run = PolicyInternals.start(c, request, "api", "orders", "id-9", start);
    run.onRequest();
    time.advance(Duration.ofMillis(42));
    java.io.IOException failure = new java.io.IOException("refused");
    run.complete(0, failure);
    assertThat(seen).containsExactly(new PolicyOutcome(0, failure, 42_000_000L, null));
  }
}
