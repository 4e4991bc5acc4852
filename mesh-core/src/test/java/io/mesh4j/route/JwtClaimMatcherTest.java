package io.mesh4j.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ExtensionArgs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JwtClaimMatcherTest {
  final JwtClaimMatcherFactory factory = new JwtClaimMatcherFactory();

  static String token(String payloadJson) {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    return b.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".sig";
  }

  static final String PAYLOAD =
      "{\"sub\":\"u1\",\"tier\":\"gold\",\"level\":7,\"beta\":true,\"gone\":null,"
          + "\"groups\":[\"ops\",\"dev\"],\"org\":{\"id\":\"acme\"},\"https://x.io/plan\":\"pro\"}";

  boolean matches(Map<String, Object> args, String header, String value) {
    RouteMatcher m = factory.create(ExtensionArgs.of(args));
    TestRequest r = TestRequest.get("http://api/");
    if (value != null) r.header(header, value);
    return m.matches(r);
  }

  @ParameterizedTest(name = "{0}={1} -> {2}")
  @CsvSource({
      "tier, gold, true",
      "tier, free, false",
      "level, 7, true",
      "beta, true, true",
      "groups, dev, true",
      "groups, qa, false",
      "org, acme, false",
      "gone, null, false",
      "missing, x, false",
      "https://x.io/plan, pro, true",
  })
  void equalsComparesTheClaimAsText(String claim, String value, boolean expected) {
    assertThat(matches(Map.of("claim", claim, "equals", value), "authorization",
        "Bearer " + token(PAYLOAD))).isEqualTo(expected);
  }

  @Test
  void numbersAndBooleansInTheConfigCompareAsText() {
    assertThat(matches(Map.of("claim", "level", "equals", 7L), "authorization", "Bearer " + token(PAYLOAD)))
        .isTrue();
    assertThat(matches(Map.of("claim", "beta", "in", List.of(false, true)), "authorization",
        "bearer " + token(PAYLOAD))).isTrue();
  }

  @ParameterizedTest(name = "{0} present={1} -> {2}")
  @CsvSource({
      "tier, true, true",
      "gone, true, false",
      "missing, true, false",
      "tier, false, false",
      "gone, false, true",
      "missing, false, true",
  })
  void presentTestsWhetherTheClaimIsThereAndNotNull(String claim, boolean present, boolean expected) {
    assertThat(matches(Map.of("claim", claim, "present", present), "authorization",
        "Bearer " + token(PAYLOAD))).isEqualTo(expected);
  }

  @Test
  void aMissingOrBrokenTokenNeverMatchesAValueAndNeverThrows() {
    Map<String, Object> args = Map.of("claim", "tier", "equals", "gold");
    List<String> broken = new ArrayList<>(List.of(
        "", "Bearer", "Bearer abc", "Bearer a.b", "Bearer a.%%%.c", "Bearer a.b.c.d.e",
        "Bearer " + token("[1,2]"), "Bearer " + token("not json"),
        "Bearer " + "x".repeat(JwtClaimMatcherFactory.MAX_TOKEN_CHARS)));
    for (String value : broken) {
      assertThat(matches(args, "authorization", value)).as(value).isFalse();
    }
    assertThat(matches(args, "authorization", null)).isFalse();
    assertThat(matches(Map.of("claim", "tier", "present", false), "authorization", null)).isTrue();
  }

  @Test
  void aConfiguredHeaderCarriesTheTokenWithOrWithoutBearer() {
    Map<String, Object> args = Map.of("claim", "tier", "equals", "gold", "header", "X-Id-Token");
    assertThat(matches(args, "x-id-token", token(PAYLOAD))).isTrue();
    assertThat(matches(args, "x-id-token", "Bearer " + token(PAYLOAD))).isTrue();
    assertThat(matches(args, "authorization", "Bearer " + token(PAYLOAD))).isFalse();
  }

  List<String> problems(Map<String, Object> args) {
    List<String> out = new ArrayList<>();
    factory.validate(ExtensionArgs.of(args), (key, message) -> out.add(key + ": " + message));
    return out;
  }

  @Test
  void validationNamesEveryBadArgument() {
    assertThat(problems(Map.of("claim", "tier", "equals", "gold"))).isEmpty();
    assertThat(problems(Map.of())).containsExactly(
        "claim: missing (expected: a claim name such as tier)",
        ": no condition (expected exactly one of: equals, in, present)");
    assertThat(problems(Map.of("claim", "", "equals", "a", "present", true))).containsExactly(
        "claim: \"\" (expected: a non-empty claim name)",
        ": more than one condition: equals, present (expected exactly one of: equals, in, present)");
    assertThat(problems(Map.of("claim", "t", "in", List.of("a", List.of("b")), "verify", true)))
        .containsExactly(
            "verify: unknown key (expected one of: claim, equals, in, present, header)",
            "in[1]: a list (expected: a string, number or boolean)");
    assertThat(problems(Map.of("claim", "t", "present", "yes", "header", "a b"))).containsExactly(
        "present: \"yes\" (expected: true or false)",
        "header: \"a b\" (expected: a header name)");
  }
}
