package io.mesh4j.config;

import static io.mesh4j.config.ConfigErrorsTest.OR;
import static io.mesh4j.config.ConfigErrorsTest.errorsOf;
import static io.mesh4j.config.ConfigErrorsTest.outRoute;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A config error names the bad credential-like value's place, never the value (issue 15). */
class ConfigErrorSecretsTest {

  @Test
  void anInvalidCredentialRegexIsReportedMasked() {
    assertThat(errorsOf(outRoute(
            "match: {prefix: /, headers: [{name: authorization, regex: \"s3cr3t(\"}]}\nto: a")))
        .containsExactly(OR + "match.headers[0].regex: \"******\" (expected: a valid regex; "
            + "Unclosed group at index 7)");
  }

  @Test
  void anInvalidCredentialQueryRegexIsReportedMasked() {
    assertThat(String.join("\n", errorsOf(outRoute(
            "match: {prefix: /, query: [{name: api_key, regex: \"s3cr3t[\"}]}\nto: a"))))
        .doesNotContain("s3cr3t")
        .contains(OR + "match.query[0].regex: \"******\"");
  }

  @Test
  void anOrdinaryHeaderKeepsItsValueInTheError() {
    assertThat(errorsOf(outRoute(
            "match: {prefix: /, headers: [{name: x-env, regex: \"p(\"}]}\nto: a")))
        .containsExactly(OR + "match.headers[0].regex: \"p(\" (expected: a valid regex; "
            + "Unclosed group at index 2)");
  }
}
