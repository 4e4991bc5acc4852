package io.mesh4j.internal.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.route.RequestView;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AuthorizerTest {

  private static Authorizer load(String authz) {
    return Authorizer.compile(
        ConfigLoader.load("version: 1\nservice: s\ninbound:\n  authz:\n" + authz).inbound().authz());
  }

  private static final Authorizer RULES = load("""
          default_action: deny
          rules:
            - name: internal-only
              action: deny
              match: { prefix: /internal/, source: [0.0.0.0/0, ::/0] }
            - name: billing-from-frontend
              action: allow
              match: { prefix: /billing/, principals: ["spiffe://corp/ns/prod/sa/frontend"] }
            - name: any-prod-reads
              action: allow
              match: { methods: [GET], principals: ["spiffe://corp/ns/prod/*"] }
            - name: office
              action: allow
              match: { source: [10.1.0.0/16] }
            - action: allow
              match: { path: /health }
      """);

  @ParameterizedTest(name = "{0} {1} from {2} as {3} -> {4} by {5}")
  @CsvSource(nullValues = "-", textBlock = """
      GET,  /internal/x, 10.1.2.3, spiffe://corp/ns/prod/sa/frontend, false, internal-only
      GET,  /internal/x, ::1,      -,                                 false, internal-only
      POST, /billing/pay, 10.9.0.1, spiffe://corp/ns/prod/sa/frontend, true, billing-from-frontend
      POST, /billing/pay, 10.9.0.1, spiffe://corp/ns/prod/sa/backend,  false, default
      GET,  /billing/pay, 10.9.0.1, spiffe://corp/ns/prod/sa/backend,  true, any-prod-reads
      GET,  /orders,      10.9.0.1, spiffe://corp/ns/dev/sa/frontend,  false, default
      GET,  /orders,      10.9.0.1, -,                                 false, default
      POST, /orders,      10.1.200.7, -,                               true, office
      GET,  /health,      192.0.2.1, -,                                true, rules[4]
      GET,  /orders,      -,        -,                                 false, default
      """)
  void theFirstMatchingRuleDecidesThenTheDefault(
      String method, String path, String source, String principal, boolean allowed, String rule) {
    Authorizer.Decision d = RULES.decide(new View(method, path, source, principal));

    assertThat(d.allowed()).isEqualTo(allowed);
    assertThat(d.rule()).isEqualTo(rule);
  }

  @Test
  void decisionsAreOnePerRuleInOrderThenTheDefault() {
    assertThat(RULES.decisions()).extracting(Authorizer.Decision::rule).containsExactly(
        "internal-only", "billing-from-frontend", "any-prod-reads", "office", "rules[4]", "default");
    assertThat(RULES.decisions()).extracting(Authorizer.Decision::index)
        .containsExactly(0, 1, 2, 3, 4, -1);
    assertThat(RULES.decisions().get(5).isDefault()).isTrue();
  }

  @Test
  void theSameRuleAlwaysGivesTheSameDecisionObject() {
    View v = new View("GET", "/internal/a", "10.0.0.1", null);

    assertThat(RULES.decide(v)).isSameAs(RULES.decide(v)).isSameAs(RULES.decisions().get(0));
  }

  @Test
  void noAuthzSectionAllowsEverything() {
    Authorizer none = Authorizer.compile(ConfigLoader.load("version: 1\nservice: s\n").inbound().authz());

    Authorizer.Decision d = none.decide(new View("DELETE", "/anything", null, null));
    assertThat(d.allowed()).isTrue();
    assertThat(d.rule()).isEqualTo(Authorizer.DEFAULT_RULE);
    assertThat(Authorizer.ALLOW_ALL.decide(new View("GET", "/", "1.2.3.4", null)).allowed()).isTrue();
  }

  @Test
  void anUnparseableSourceNeverMatchesASourceRule() {
    Authorizer a = load("""
            default_action: allow
            rules:
              - { name: block, action: deny, match: { source: [0.0.0.0/0] } }
        """);

    assertThat(a.decide(new View("GET", "/", "not-an-ip", null)).rule()).isEqualTo("default");
    assertThat(a.decide(new View("GET", "/", "192.0.2.1", null)).rule()).isEqualTo("block");
  }

  @Test
  void explainNamesEachRuleTriedAndTheDecider() {
    assertThat(RULES.explain(new View("POST", "/orders", "10.1.0.9", null))).isEqualTo(
        "rule internal-only: path \"/orders\" does not start with \"/internal/\"; "
            + "rule billing-from-frontend: path \"/orders\" does not start with \"/billing/\"; "
            + "rule any-prod-reads: method \"POST\" not in [GET]; "
            + "rule office matched: allow");
    assertThat(RULES.explain(new View("GET", "/x", "192.0.2.1", null)))
        .endsWith("no rule matched: default deny");
  }

  /** A request view with what authz rules look at. */
  private static final class View implements RequestView {
    private final String method;
    private final String path;
    private final String source;
    private final String principal;
    private final Map<String, String> headers = new LinkedHashMap<>();

    View(String method, String path, String source, String principal) {
      this.method = method;
      this.path = path;
      this.source = source;
      this.principal = principal;
    }

    @Override public String method() { return method; }
    @Override public String scheme() { return "https"; }
    @Override public String authority() { return "svc"; }
    @Override public String path() { return path; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    @Override public String sourceAddress() { return source; }
    @Override public String principal() { return principal; }
  }
}
