package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.headerPresent;
import static io.mesh4j.route.RouteFixtures.inverted;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.query;
import static io.mesh4j.route.RouteFixtures.queryPresent;
import static io.mesh4j.route.RouteMatchingTest.matches;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.QueryMatchConfig;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Header, pseudo-header, query, source and principal conditions. */
class ConditionMatchingTest {

  static Stream<Arguments> headerCases() {
    HeaderMatchConfig exact = header("x-canary", Kind.EXACT, "true");
    return Stream.of(
        Arguments.of(exact, "true", true),
        Arguments.of(exact, "TRUE", false),
        Arguments.of(exact, "true ", false),
        Arguments.of(exact, null, false),
        Arguments.of(inverted(exact), "false", true),
        Arguments.of(inverted(exact), "true", false),
        Arguments.of(inverted(exact), null, false),
        Arguments.of(header("x-canary", Kind.PREFIX, "ab"), "abc", true),
        Arguments.of(header("x-canary", Kind.PREFIX, "ab"), "xab", false),
        Arguments.of(inverted(header("x-canary", Kind.PREFIX, "ab")), "xab", true),
        Arguments.of(inverted(header("x-canary", Kind.PREFIX, "ab")), null, false),
        Arguments.of(header("x-canary", Kind.SUFFIX, "bc"), "abc", true),
        Arguments.of(header("x-canary", Kind.SUFFIX, "bc"), "bcd", false),
        Arguments.of(inverted(header("x-canary", Kind.SUFFIX, "bc")), null, false),
        Arguments.of(header("x-canary", Kind.CONTAINS, "b"), "abc", true),
        Arguments.of(header("x-canary", Kind.CONTAINS, "b"), "ac", false),
        Arguments.of(inverted(header("x-canary", Kind.CONTAINS, "b")), "ac", true),
        Arguments.of(inverted(header("x-canary", Kind.CONTAINS, "b")), null, false),
        Arguments.of(header("x-canary", Kind.REGEX, "v[0-9]+"), "v12", true),
        Arguments.of(header("x-canary", Kind.REGEX, "v[0-9]+"), "xv12", false),
        Arguments.of(header("x-canary", Kind.REGEX, "v[0-9]+"), "v12x", false),
        Arguments.of(inverted(header("x-canary", Kind.REGEX, "v[0-9]+")), "v1x", true),
        Arguments.of(inverted(header("x-canary", Kind.REGEX, "v[0-9]+")), null, false),
        Arguments.of(headerPresent("x-canary", true), "", true),
        Arguments.of(headerPresent("x-canary", true), null, false),
        Arguments.of(headerPresent("x-canary", false), null, true),
        Arguments.of(headerPresent("x-canary", false), "x", false),
        Arguments.of(inverted(headerPresent("x-canary", true)), null, true),
        Arguments.of(inverted(headerPresent("x-canary", true)), "x", false),
        Arguments.of(inverted(headerPresent("x-canary", false)), "x", true),
        Arguments.of(inverted(headerPresent("x-canary", false)), null, false),
        Arguments.of(header("X-Canary", Kind.EXACT, "true"), "true", true));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("headerCases")
  void headerMatchers(HeaderMatchConfig h, String value, boolean expected) {
    TestRequest r = TestRequest.get("http://h/");
    if (value != null) r.header("X-CANARY", value);

    assertThat(matches(match().header(h), r)).isEqualTo(expected);
  }

  static Stream<Arguments> pseudoHeaderCases() {
    return Stream.of(
        Arguments.of(header(":method", Kind.EXACT, "POST"), true),
        Arguments.of(header(":method", Kind.EXACT, "GET"), false),
        Arguments.of(header(":scheme", Kind.EXACT, "https"), true),
        Arguments.of(header(":authority", Kind.EXACT, "svc.local:8443"), true),
        Arguments.of(header("host", Kind.EXACT, "svc.local:8443"), true),
        Arguments.of(header(":authority", Kind.EXACT, "svc.local"), false),
        Arguments.of(header(":path", Kind.EXACT, "/a/b?c=1&d"), true),
        Arguments.of(header(":path", Kind.PREFIX, "/a/"), true),
        Arguments.of(header(":path", Kind.SUFFIX, "?c=1&d"), true),
        Arguments.of(header(":path", Kind.EXACT, "/a/b"), false),
        Arguments.of(header(":path", Kind.REGEX, "/a/.*c=1.*"), true),
        Arguments.of(headerPresent(":unknown", false), true));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("pseudoHeaderCases")
  void pseudoHeadersReadTheRequestItself(HeaderMatchConfig h, boolean expected) {
    TestRequest r = TestRequest.get("https://svc.local:8443/a/b?c=1&d").method("POST");

    assertThat(matches(match().header(h), r)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void pathPseudoHeaderWithoutAQueryIsThePathAlone() {
    TestRequest r = TestRequest.get("http://h/a/b");

    assertThat(matches(match().header(header(":path", Kind.EXACT, "/a/b")), r)).isTrue();
  }

  static Stream<Arguments> queryCases() {
    QueryMatchConfig debugIs1 = query("debug", QueryMatchConfig.Kind.EXACT, "1");
    return Stream.of(
        Arguments.of(debugIs1, "debug=1", true),
        Arguments.of(debugIs1, "debug=2", false),
        Arguments.of(debugIs1, "x=1&debug=1", true),
        Arguments.of(debugIs1, "debug=1&debug=2", true),
        Arguments.of(debugIs1, "debug=2&debug=1", false),
        Arguments.of(debugIs1, "&&debug=1&", true),
        Arguments.of(debugIs1, "=1&debug=1", true),
        Arguments.of(debugIs1, "debugx=1", false),
        Arguments.of(debugIs1, "xdebug=1", false),
        Arguments.of(debugIs1, null, false),
        Arguments.of(debugIs1, "", false),
        Arguments.of(debugIs1, "%64ebug=%31", true),
        Arguments.of(query("debug", QueryMatchConfig.Kind.EXACT, ""), "debug", true),
        Arguments.of(query("debug", QueryMatchConfig.Kind.EXACT, ""), "debug=", true),
        Arguments.of(query("name", QueryMatchConfig.Kind.EXACT, "a b"), "na%6De=a%20b", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "a b"), "q=a+b", false),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "a+b"), "q=a+b", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "a=b"), "q=a=b", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "a=b"), "q=a%3Db", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "%zz"), "q=%zz", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "%4"), "q=%4", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "%"), "q=%", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\u00e9"), "q=%C3%A9", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\u00e9"), "q=%c3%a9", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\u00e9"), "q=\u00e9", true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\uD83D\uDE00"), "q=%F0%9F%98%80",
            true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\uD83D\uDE00"), "q=\uD83D\uDE00",
            true),
        Arguments.of(query("q", QueryMatchConfig.Kind.EXACT, "\u00e9"), "q=%C3", false),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "[a-c]+"), "v=abc", true),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "[a-c]+"), "v=abcd", false),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "A"), "v=%41", true),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "a b"), "v=a%20b", true),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, ".*"), "w=1", false),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "x"), "v=x&v=y", true),
        Arguments.of(query("v", QueryMatchConfig.Kind.REGEX, "y"), "v=x&v=y", false),
        Arguments.of(queryPresent("debug", true), "debug", true),
        Arguments.of(queryPresent("debug", true), "debug=0", true),
        Arguments.of(queryPresent("debug", true), "a=1&debug=", true),
        Arguments.of(queryPresent("debug", true), "debugx=1", false),
        Arguments.of(queryPresent("debug", true), "", false),
        Arguments.of(queryPresent("debug", true), null, false),
        Arguments.of(queryPresent("debug", false), null, true),
        Arguments.of(queryPresent("debug", false), "a=1", true),
        Arguments.of(queryPresent("debug", false), "debug", false));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("queryCases")
  void queryMatchers(QueryMatchConfig q, String query, boolean expected) {
    TestRequest r = TestRequest.raw("GET", "http", "h", "/", query);

    assertThat(matches(match().query(q), r)).isEqualTo(expected);
  }

  static Stream<Arguments> sourceCases() {
    return Stream.of(
        Arguments.of("10.0.0.0/8", "10.1.2.3", true),
        Arguments.of("10.0.0.0/8", "11.0.0.1", false),
        Arguments.of("10.0.0.0/8", "::ffff:10.0.0.1", true),
        Arguments.of("10.0.0.0/8", null, false),
        Arguments.of("10.0.0.0/8", "not-an-ip", false),
        Arguments.of("10.0.0.0/8", "", false),
        Arguments.of("192.168.1.7", "192.168.1.7", true),
        Arguments.of("192.168.1.7", "192.168.1.8", false),
        Arguments.of("0.0.0.0/0", "203.0.113.9", true),
        Arguments.of("2001:db8::/32", "2001:db8::1", true),
        Arguments.of("2001:db8::/32", "[2001:db8:ffff::1]", true),
        Arguments.of("2001:db8::/32", "2001:db9::1", false),
        Arguments.of("2001:db8::/32", "10.0.0.1", false),
        Arguments.of("::1/128", "::1", true),
        Arguments.of("::1/128", "127.0.0.1", false));
  }

  @ParameterizedTest(name = "{0} contains {1} -> {2}")
  @MethodSource("sourceCases")
  void sourceCidrs(String cidr, String source, boolean expected) {
    TestRequest r = TestRequest.get("http://h/").source(source);

    assertThat(matches(match().source(cidr), r)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void anyOfSeveralCidrsSuffices() {
    var m = match().source("10.0.0.0/8", "2001:db8::/32");

    assertThat(matches(m, TestRequest.get("http://h/").source("2001:db8::5"))).isTrue();
    assertThat(matches(m, TestRequest.get("http://h/").source("10.9.9.9"))).isTrue();
    assertThat(matches(m, TestRequest.get("http://h/").source("172.16.0.1"))).isFalse();
  }

  static Stream<Arguments> principalCases() {
    String sa = "spiffe://cluster.local/ns/shop/sa/frontend";
    return Stream.of(
        Arguments.of(sa, sa, true),
        Arguments.of(sa, sa + "x", false),
        Arguments.of(sa, null, false),
        Arguments.of("spiffe://cluster.local/ns/shop/*", sa, true),
        Arguments.of("spiffe://cluster.local/ns/shop/*", "spiffe://cluster.local/ns/shop/", true),
        Arguments.of("spiffe://cluster.local/ns/shop/*", "spiffe://cluster.local/ns/other/sa/x",
            false),
        Arguments.of("spiffe://cluster.local/ns/shop/*", null, false),
        Arguments.of("*", "anything", true),
        Arguments.of("*", null, false));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("principalCases")
  void principals(String principal, String actual, boolean expected) {
    TestRequest r = TestRequest.get("http://h/").principal(actual);

    assertThat(matches(match().principals(principal), r)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void everyConditionMustHold() {
    var m = match().prefix("/api").methods("GET").header(headerPresent("x-a", true))
        .query(queryPresent("q", true)).source("10.0.0.0/8").principals("spiffe://a");
    TestRequest ok = TestRequest.get("http://h/api?q").header("x-a", "1").source("10.0.0.1")
        .principal("spiffe://a");

    assertThat(matches(m, ok)).isTrue();
    assertThat(matches(m, TestRequest.get("http://h/api?q").header("x-a", "1")
        .source("10.0.0.1"))).isFalse();
    assertThat(matches(m, TestRequest.get("http://h/api?q").header("x-a", "1")
        .principal("spiffe://a"))).isFalse();
    assertThat(matches(m, TestRequest.get("http://h/api").header("x-a", "1")
        .source("10.0.0.1").principal("spiffe://a"))).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aRegexThatOverflowsTheStackOnAHugeValueCountsAsNoMatchInsteadOfThrowing() {
    String huge = "ab".repeat(100_000);
    var m = match().header(header("x-r", Kind.REGEX, "(a|b)*"));

    assertThat(matches(m, TestRequest.get("http://h/").header("x-r", huge))).isFalse();
    assertThat(matches(m, TestRequest.get("http://h/").header("x-r", "abab"))).isTrue();
    assertThat(matches(RouteFixtures.regex("/(a|b)*"),
        TestRequest.raw("GET", "http", "h", "/" + huge, null))).isFalse();
  }
}
