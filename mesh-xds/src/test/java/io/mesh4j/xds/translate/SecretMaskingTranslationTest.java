package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.Secrets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A translation issue never quotes the configured value of a credential-like header or query
 * parameter (issue 15): the same {@link Secrets} rule as the admin pages and config errors.
 */
class SecretMaskingTranslationTest {
  /** An invalid java.util.regex pattern that carries the "secret". */
  static final String SECRET = "Bearer s3cr3t-(";

  static Stream<Arguments> secretRoutes() {
    return Stream.of(
        Arguments.of("header safe_regex_match",
            "{match: {prefix: /, headers: [{name: Authorization, safe_regex_match: {regex: '"
                + SECRET + "'}}]}, route: {cluster: a}}"),
        Arguments.of("header string_match.safe_regex",
            "{match: {prefix: /, headers: [{name: x-api-key, string_match: {safe_regex: {regex: '"
                + SECRET + "'}}}]}, route: {cluster: a}}"),
        Arguments.of("query string_match.safe_regex",
            "{match: {prefix: /, query_parameters: [{name: access_token, string_match: "
                + "{safe_regex: {regex: '" + SECRET + "'}}}]}, route: {cluster: a}}"),
        Arguments.of("added header with a command operator",
            "{match: {prefix: /}, route: {cluster: a}, request_headers_to_add: [{header: "
                + "{key: authorization, value: '" + SECRET + "%REQ(x)%'}}]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("secretRoutes")
  void theRejectionNamesTheFieldButNotTheSecret(String what, String route) {
    Translation t = Envoy.outbound(Envoy.oneVhost(route));

    assertThat(t.accepted()).isFalse();
    assertThat(t.issues()).allSatisfy(i -> assertThat(i.toString()).doesNotContain("s3cr3t"));
    assertThat(t.rejected()).anySatisfy(i -> assertThat(i.message()).contains(Secrets.MASK));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plainRoutes")
  void anOrdinaryHeadersPatternIsStillQuoted(String route) {
    Translation t = Envoy.outbound(Envoy.oneVhost(route));

    assertThat(t.rejected()).anySatisfy(i -> assertThat(i.message()).contains("\"u-(\""));
  }

  static Stream<String> plainRoutes() {
    return Stream.of(
        "{match: {prefix: /, headers: [{name: x-user, safe_regex_match: {regex: 'u-('}}]}, "
            + "route: {cluster: a}}",
        "{match: {prefix: /, query_parameters: [{name: user, string_match: {safe_regex: "
            + "{regex: 'u-('}}}]}, route: {cluster: a}}");
  }
}
