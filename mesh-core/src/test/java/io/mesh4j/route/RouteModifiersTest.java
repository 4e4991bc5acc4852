package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.any;
import static io.mesh4j.route.RouteFixtures.forward;
import static io.mesh4j.route.RouteFixtures.inbound;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.pass;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.regex;
import static io.mesh4j.route.RouteFixtures.respond;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.route.RouteFixtures.Match;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Path rewrites, the other modifiers, and the respond and pass actions. */
class RouteModifiersTest {

  private static Route only(RouteConfig config) {
    return outbound(vhost("v", List.of("*"), config)).routes().get(0);
  }

  private static RewriteConfig prefixTo(String p) {
    return new RewriteConfig(p, null, null, null);
  }

  private static RewriteConfig regexTo(String regex, String substitution) {
    return new RewriteConfig(null, regex, substitution, null);
  }

  static Stream<Arguments> rewrites() {
    return Stream.of(
        Arguments.of(prefix("/api/"), prefixTo("/v2/"), "/api/users", "/v2/users"),
        Arguments.of(prefix("/api"), prefixTo("/v2"), "/api/users", "/v2/users"),
        Arguments.of(prefix("/api"), prefixTo("/v2"), "/apiusers", "/v2users"),
        Arguments.of(prefix("/API/").ignoringCase(), prefixTo("/v2/"), "/api/x", "/v2/x"),
        Arguments.of(separated("/api"), prefixTo("/v2"), "/api/x", "/v2/x"),
        Arguments.of(separated("/api"), prefixTo("/v2"), "/api", "/v2"),
        Arguments.of(separated("/api/"), prefixTo("/v2"), "/api/x", "/v2/x"),
        Arguments.of(separated("/api"), prefixTo("/"), "/api/x", "/x"),
        Arguments.of(separated("/api"), prefixTo("/"), "/api", "/"),
        Arguments.of(separated("/api"), prefixTo("/v2/"), "/api/x", "/v2/x"),
        Arguments.of(path("/old"), prefixTo("/new"), "/old", "/new"),
        Arguments.of(regex("/o.d"), prefixTo("/new"), "/old", "/new"),
        Arguments.of(any(), prefixTo("/v2"), "/x", "/v2/x"),
        Arguments.of(any(), regexTo("^/service/([^/]+)(/.*)$", "\\2/instance/\\1"),
            "/service/foo/v1/api", "/v1/api/instance/foo"),
        Arguments.of(any(), regexTo("a", "b"), "/aaa", "/bbb"),
        Arguments.of(any(), regexTo("/(a)", "/$1\\1"), "/ab", "/$1ab"),
        // A result that is not a safe path (here a backslash) is refused: null, the caller answers 400.
        Arguments.of(any(), regexTo("/(a)", "\\\\\\1"), "/ab", null),
        Arguments.of(any(), regexTo("/(a)(x)?", "/\\2\\1"), "/ab", "/ab"),
        Arguments.of(any(), regexTo("^/v1/", "/v2/"), "/x/v1/", "/x/v1/"),
        Arguments.of(any(), regexTo("(?i)/API", "/api"), "/Api/API", "/api/api"),
        Arguments.of(any(), regexTo("x*", "-"), "/ab", null),
        // Results are made canonical again, and a prefix rewrite never leaves its target.
        Arguments.of(any(), regexTo("^/a/", "/a/../b/"), "/a/x", "/b/x"),
        Arguments.of(prefix("/box/"), prefixTo("/sandbox/"), "/box/x", "/sandbox/x"),
        Arguments.of(prefix("/box"), prefixTo("/sandbox/"), "/box../etc/passwd", null),
        Arguments.of(prefix("/box"), prefixTo("/sandbox"), "/box/../x", null),
        Arguments.of(prefix("/box"), prefixTo("/sandbox/"), "/box%2e%2e/x", null));
  }

  @ParameterizedTest(name = "{0} + {1}: {2} -> {3}")
  @MethodSource("rewrites")
  void rewritePath(Match m, RewriteConfig rewrite, String path, String expected) {
    Route r = only(route("r", m, forward("c"), rewrite));
    TestRequest request = TestRequest.raw("GET", "http", "h", path, "q=1");

    assertThat(r.rewritesPath()).isTrue();
    assertThat(r.rewritePath(request)).isEqualTo(expected);
  }

  @Test
  void regexSubstitutionSemanticsBeforeTheSafetyCheck() {
    assertThat(new RegexRewrite("x*", "-").apply("/ab")).isEqualTo("-/-a-b-");
    assertThat(new RegexRewrite("/(a)", "\\\\\\1").apply("/ab")).isEqualTo("\\ab");
  }

  @Test
  void withoutARewriteThePathIsReturnedAsIs() {
    Route r = only(route("r", prefix("/a"), forward("c")));
    TestRequest request = TestRequest.get("http://h/a/b?x=1");

    assertThat(r.rewritesPath()).isFalse();
    assertThat(r.rewritePath(request)).isSameAs(request.path());
    assertThat(r.hostRewrite()).isNull();
  }

  @Test
  void aSubstitutionNamingAMissingGroupIsRejectedAtCompileTime() {
    assertThatThrownBy(() -> only(route("r", any(), forward("c"), regexTo("/(a)", "\\2"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group \\2");
  }

  @Test
  void everyModifierIsExposed() {
    var headers = new HeadersConfig(Map.of("x-mesh-route", "split"), List.of("x-debug"));
    var retry = new RetryOverride(3, null, null, null, null, null, null);
    var mirror = new MirrorConfig("shadow", 5);
    var fault = new FaultConfig(new FaultConfig.Delay(Duration.ofMillis(100), 1),
        new FaultConfig.Abort(503, 0.1));
    var rateLimit = new RateLimitConfig(200, 400, null, RateLimitConfig.DEFAULT_MAX_KEYS);
    RouteConfig config = new RouteConfig("r", prefix("/").build(), forward("c"),
        new RewriteConfig(null, null, null, "upstream.internal"), headers, Duration.ofSeconds(2),
        retry, mirror, fault, rateLimit, null, null, null);

    Route r = only(config);

    assertThat(r.hostRewrite()).isEqualTo("upstream.internal");
    assertThat(r.headers()).isSameAs(headers);
    assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(r.retry()).isSameAs(retry);
    assertThat(r.mirror()).isSameAs(mirror);
    assertThat(r.fault()).isSameAs(fault);
    assertThat(r.rateLimit()).isSameAs(rateLimit);
    assertThat(r.config()).isSameAs(config);
    assertThat(r.virtualHost()).isEqualTo("v");
    assertThat(r.rewritesPath()).isFalse();
  }

  @Test
  void absentModifiersAreNullExceptHeadersWhichAreEmpty() {
    Route r = only(route("r", prefix("/"), forward("c")));

    assertThat(r.headers().add()).isEmpty();
    assertThat(r.headers().remove()).isEmpty();
    assertThat(r.timeout()).isNull();
    assertThat(r.retry()).isNull();
    assertThat(r.mirror()).isNull();
    assertThat(r.fault()).isNull();
    assertThat(r.rateLimit()).isNull();
  }

  @Test
  void respondExposesStatusBodyAndHeadersInOrder() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("retry-after", "30");
    headers.put("content-type", "text/plain");
    Route r = only(route("m", path("/admin"), respond(503, "maintenance", headers)));

    RouteAction.Respond a = (RouteAction.Respond) r.action();

    assertThat(a.kind()).isEqualTo(RouteAction.Kind.RESPOND);
    assertThat(a.status()).isEqualTo(503);
    assertThat(a.body()).isEqualTo("maintenance");
    assertThat(a.headers()).containsExactly(
        Map.entry("retry-after", "30"), Map.entry("content-type", "text/plain"));
  }

  @Test
  void passIsOneSharedInstance() {
    RouteTable t = inbound(vhost("self", List.of("*"), route("app", prefix("/"), pass())));

    RouteAction a = t.match(TestRequest.get("http://h/x")).route().action();

    assertThat(a).isSameAs(RouteAction.Pass.INSTANCE);
    assertThat(a.kind()).isEqualTo(RouteAction.Kind.PASS);
  }

  @Test
  void forwardPicksItsOneCluster() {
    RouteAction.Forward f = (RouteAction.Forward) only(route("r", any(), forward("c"))).action();

    assertThat(f.kind()).isEqualTo(RouteAction.Kind.FORWARD);
    assertThat(f.pickCluster()).isEqualTo("c");
    assertThat(f.clusters()).containsExactly("c");
  }
}
