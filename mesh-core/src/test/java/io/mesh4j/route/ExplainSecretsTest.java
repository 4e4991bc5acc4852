package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.inbound;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.query;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.Secrets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Explain (text and JSON) never prints a configured or received secret value (issue 15). */
class ExplainSecretsTest {
  private static final String CONFIGURED = "s3cr3t-configured";
  private static final String SENT = "s3cr3t-sent";

  private static final RouteTable TABLE = inbound(vhost("self", List.of("*"),
      to("exact", match().header(header("authorization", Kind.EXACT, CONFIGURED))),
      to("inverted", match().header(
          new HeaderMatchConfig("x-api-key", Kind.PREFIX, CONFIGURED, false, true))),
      to("regex", match().header(header("cookie", Kind.REGEX, CONFIGURED + ".*"))),
      to("query", match().query(query("access_token", QueryMatchConfig.Kind.EXACT, CONFIGURED))),
      to("plain", match().header(header("x-env", Kind.EXACT, "prod")))));

  @Test
  void failedCredentialConditionsShowNeitherTheConfiguredNorTheSentValue() {
    Explanation e = TABLE.explain(TestRequest.get("http://me/?access_token=" + SENT)
        .header("authorization", SENT)
        .header("x-api-key", CONFIGURED + "-and-more")
        .header("cookie", SENT)
        .header("x-env", "dev"));

    String text = e.toText();
    String json = e.toJsonMap().toString() + e.toCompactJsonMap();
    for (String body : List.of(text, json)) {
      assertThat(body).doesNotContain(CONFIGURED).doesNotContain(SENT).doesNotContain("s3cr3t");
    }
    assertThat(e.rejected()).extracting(Explanation.RejectedRoute::reason).containsExactly(
        "header authorization value \"******\" is not \"******\"",
        "header x-api-key value \"******\" starts with \"******\" (inverted)",
        "header cookie value \"******\" does not match regex \"******\"",
        "query parameter access_token value \"******\" is not \"******\"",
        // An ordinary header keeps its values: explain is useless without them.
        "header x-env value \"dev\" is not \"prod\"");
  }

  @Test
  void configRecordsMaskCredentialValuesInToString() {
    HeaderMatchConfig h = header("Proxy-Authorization", Kind.EXACT, CONFIGURED);
    QueryMatchConfig q = query("api_key", QueryMatchConfig.Kind.REGEX, CONFIGURED);

    assertThat(h.toString()).doesNotContain(CONFIGURED).contains(Secrets.MASK);
    assertThat(q.toString()).doesNotContain(CONFIGURED).contains(Secrets.MASK);
    assertThat(header("x-env", Kind.EXACT, "prod").toString()).contains("value=prod");
  }
}
