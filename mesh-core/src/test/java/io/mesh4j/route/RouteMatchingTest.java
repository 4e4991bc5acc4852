package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.any;
import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.headerPresent;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.regex;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.route.RouteFixtures.Match;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Path matchers, methods and first-match-wins, through both the matcher and a table. */
class RouteMatchingTest {

  /** Whether {@code m} matches, asserting the standalone matcher and a one-route table agree. */
  static boolean matches(Match m, TestRequest request) {
    boolean direct = RequestMatcher.compile(m.build()).matches(request);
    RouteTable t = outbound(vhost("v", List.of("*"), to("r", m)));
    RouteMatch viaTable = t.match(request);
    assertThat(viaTable.isRouted()).as("table agrees with matcher").isEqualTo(direct);
    assertThat(RequestMatcher.compile(m.build()).firstFailure(request) == null)
        .as("firstFailure agrees with matches").isEqualTo(direct);
    return direct;
  }

  static Stream<Arguments> pathCases() {
    return Stream.of(
        Arguments.of(prefix("/api/"), "/api/x", true),
        Arguments.of(prefix("/api/"), "/api/", true),
        Arguments.of(prefix("/api/"), "/api", false),
        Arguments.of(prefix("/api/"), "/apix/", false),
        Arguments.of(prefix("/api/"), "/API/x", false),
        Arguments.of(prefix("/foo"), "/foobar", true),
        Arguments.of(prefix("/"), "/", true),
        Arguments.of(prefix("/api/").ignoringCase(), "/API/x", true),
        Arguments.of(prefix("/api/").ignoringCase(), "/Api/", true),
        Arguments.of(prefix("/api/").ignoringCase(), "/Apix", false),
        Arguments.of(path("/admin"), "/admin", true),
        Arguments.of(path("/admin"), "/admin/", false),
        Arguments.of(path("/admin"), "/admi", false),
        Arguments.of(path("/admin"), "/ADMIN", false),
        Arguments.of(path("/admin").ignoringCase(), "/ADMIN", true),
        Arguments.of(path("/admin").ignoringCase(), "/ADMINS", false),
        Arguments.of(separated("/foo"), "/foo", true),
        Arguments.of(separated("/foo"), "/foo/", true),
        Arguments.of(separated("/foo"), "/foo/x", true),
        Arguments.of(separated("/foo"), "/foobar", false),
        Arguments.of(separated("/foo"), "/fo", false),
        Arguments.of(separated("/foo"), "/FOO/x", false),
        Arguments.of(separated("/foo").ignoringCase(), "/FOO/x", true),
        Arguments.of(separated("/foo").ignoringCase(), "/FOObar", false),
        Arguments.of(separated("/foo/"), "/foo", true),
        Arguments.of(separated("/foo/"), "/foo/x", true),
        Arguments.of(separated("/foo/"), "/foobar", false),
        Arguments.of(separated("/"), "/x", true),
        Arguments.of(separated("/"), "/", true),
        Arguments.of(separated("/"), "x", false),
        Arguments.of(regex("/api/v[0-9]+/.*"), "/api/v1/x", true),
        Arguments.of(regex("/api/v[0-9]+/.*"), "/api/v1", false),
        Arguments.of(regex("/api/v[0-9]+/.*"), "/x/api/v1/x", false),
        Arguments.of(regex("/api/[a-z]+").ignoringCase(), "/API/ABC", true),
        Arguments.of(regex("/api/[a-z]+"), "/API/ABC", false),
        Arguments.of(regex("/caf\u00e9").ignoringCase(), "/CAF\u00c9", true),
        Arguments.of(any(), "/whatever", true));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("pathCases")
  void pathMatchers(Match m, String path, boolean expected) {
    assertThat(matches(m, TestRequest.raw("GET", "http", "h", path, null))).isEqualTo(expected);
  }

  @Test
  void theQueryStringIsNeverPartOfThePath() {
    TestRequest r = TestRequest.get("http://h/admin?x=1");

    assertThat(matches(path("/admin"), r)).isTrue();
    assertThat(matches(regex("/admin"), r)).isTrue();
    assertThat(matches(separated("/admin"), r)).isTrue();
    assertThat(matches(prefix("/admin?"), r)).isFalse();
  }

  @Test
  void caseInsensitiveAppliesToThePathOnlyNotToHeaderValues() {
    Match m = prefix("/api").ignoringCase().header(header("x-env", Kind.EXACT, "prod"));

    assertThat(matches(m, TestRequest.get("http://h/API").header("x-env", "prod"))).isTrue();
    assertThat(matches(m, TestRequest.get("http://h/API").header("x-env", "PROD"))).isFalse();
  }

  static Stream<Arguments> methodCases() {
    return Stream.of(
        Arguments.of("GET", true),
        Arguments.of("HEAD", true),
        Arguments.of("POST", false),
        Arguments.of("get", false),
        Arguments.of(null, false));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("methodCases")
  void methodsMustContainTheRequestMethod(String method, boolean expected) {
    Match m = match().methods("GET", "HEAD");

    assertThat(matches(m, TestRequest.get("http://h/").method(method))).isEqualTo(expected);
  }

  @Test
  void theFirstRouteWhoseEveryConditionHoldsWins() {
    RouteTable t = outbound(vhost("v", List.of("*"),
        to("canary", prefix("/api/").header(header("x-canary", Kind.EXACT, "true"))),
        to("api", prefix("/api/")),
        to("api-v2", prefix("/api/v2/")),
        to("admin", path("/admin").methods("DELETE")),
        to("rest", prefix("/"))));

    assertThat(name(t, TestRequest.get("http://h/api/v2/x").header("x-canary", "true")))
        .isEqualTo("canary");
    assertThat(name(t, TestRequest.get("http://h/api/v2/x"))).isEqualTo("api");
    assertThat(name(t, TestRequest.get("http://h/admin"))).isEqualTo("rest");
    assertThat(name(t, TestRequest.get("http://h/admin").method("DELETE"))).isEqualTo("admin");
  }

  @Test
  void theIndexKeepsRouteOrderAcrossIndexedCaseInsensitiveAndRegexRoutes() {
    RouteTable t = outbound(vhost("v", List.of("*"),
        to("long-prefix", prefix("/a/b/c").header(headerPresent("x-1", true))),
        to("regex", regex("/a/.*").header(headerPresent("x-2", true))),
        to("ci", prefix("/A/B").ignoringCase().header(headerPresent("x-3", true))),
        to("short-prefix", prefix("/a").header(headerPresent("x-4", true))),
        to("header-only", match().header(headerPresent("x-5", true))),
        to("exact", path("/a/b/c/d")),
        to("root", prefix("/"))));

    // Each step adds one more header to the same request, unlocking an earlier route.
    TestRequest all = TestRequest.get("http://h/a/b/c/d");
    assertThat(name(t, all.header("x-5", ""))).isEqualTo("header-only");
    assertThat(name(t, all.header("x-4", ""))).isEqualTo("short-prefix");
    assertThat(name(t, all.header("x-3", ""))).isEqualTo("ci");
    assertThat(name(t, all.header("x-2", ""))).isEqualTo("regex");
    assertThat(name(t, all.header("x-1", ""))).isEqualTo("long-prefix");
    assertThat(name(t, TestRequest.get("http://h/a/b/c/d"))).isEqualTo("exact");
    assertThat(name(t, TestRequest.get("http://h/a/b/c/d/e"))).isEqualTo("root");
    assertThat(name(t, TestRequest.get("http://h/z").header("x-5", ""))).isEqualTo("header-only");
  }

  @Test
  void routesWithoutAConfiguredNameAreNamedByTheirPosition() {
    RouteTable t = outbound(vhost("v", List.of("*"),
        RouteFixtures.route(null, prefix("/a"), RouteFixtures.forward("a")),
        RouteFixtures.route(null, prefix("/"), RouteFixtures.forward("b"))));

    assertThat(name(t, TestRequest.get("http://h/x"))).isEqualTo("routes[1]");
  }

  @Test
  void aRouteMatchResultIsPreallocatedPerRoute() {
    RouteTable t = outbound(vhost("v", List.of("*"), to("api", prefix("/api"))));

    assertThat(t.match(TestRequest.get("http://h/api/1")))
        .isSameAs(t.match(TestRequest.get("http://h/api/2")));
  }

  private static String name(RouteTable t, TestRequest r) {
    RouteMatch m = t.match(r);
    assertThat(t.matchLinear(r)).isSameAs(m);
    return m.isRouted() ? m.route().name() : m.outcome().name();
  }
}
