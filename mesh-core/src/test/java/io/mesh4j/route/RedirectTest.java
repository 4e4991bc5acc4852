package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.any;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.redirect;
import static io.mesh4j.route.RouteFixtures.regex;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.route.RouteFixtures.Match;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedirectTest {
  private static final String URL = "http://shop.example.com:8080/old/items?x=1";

  /** Domains that every test request's host matches: the request host is a configured one. */
  private static final List<String> CONFIGURED = List.of("*.example.com", "h", "[::1]", "shop", "*shop");

  private static String location(Match m, ActionConfig.Redirect r, TestRequest request) {
    return location(CONFIGURED, m, r, request);
  }

  private static String location(
      List<String> domains, Match m, ActionConfig.Redirect r, TestRequest request) {
    RouteTable t = outbound(vhost("v", domains, route("r", m, r)));
    RouteMatch match = t.match(request);
    assertThat(match.isRouted()).as("route matched " + request).isTrue();
    RouteAction.Redirect action = (RouteAction.Redirect) match.route().action();
    assertThat(action.code()).isEqualTo(r.code());
    return action.location(request);
  }

  private static ActionConfig.Redirect r(
      String scheme, String host, Integer port, String path, String prefixRewrite, boolean strip) {
    return redirect(scheme, host, port, path, prefixRewrite, strip, 301);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("nothing configured gives a relative Location",
            any(), r(null, null, null, null, null, false), URL,
            "/old/items?x=1"),
        Arguments.of("scheme change keeps a non-default port",
            any(), r("https", null, null, null, null, false), URL,
            "https://shop.example.com:8080/old/items?x=1"),
        Arguments.of("scheme change drops the old scheme's default port",
            any(), r("https", null, null, null, null, false), "http://shop.example.com:80/a",
            "https://shop.example.com/a"),
        Arguments.of("scheme change drops 443 going to http",
            any(), r("http", null, null, null, null, false), "https://shop.example.com:443/a",
            "http://shop.example.com/a"),
        Arguments.of("same scheme keeps even a default port",
            any(), r("http", null, null, null, null, false), "http://shop.example.com:80/a",
            "http://shop.example.com:80/a"),
        Arguments.of("scheme change without a port",
            any(), r("https", null, null, null, null, false), "http://shop.example.com/a",
            "https://shop.example.com/a"),
        Arguments.of("configured host drops the request port",
            any(), r(null, "new.example.com", null, null, null, false), URL,
            "http://new.example.com/old/items?x=1"),
        Arguments.of("configured port replaces the request port",
            any(), r(null, null, 9090, null, null, false), URL,
            "http://shop.example.com:9090/old/items?x=1"),
        Arguments.of("configured port is added to a request without one",
            any(), r(null, null, 9090, null, null, false), "http://shop.example.com/a",
            "http://shop.example.com:9090/a"),
        Arguments.of("configured host and port",
            any(), r("https", "new.example.com", 8443, null, null, false), URL,
            "https://new.example.com:8443/old/items?x=1"),
        Arguments.of("configured IPv6 host and port",
            any(), r(null, "[2001:db8::1]", 8443, null, null, false), URL,
            "http://[2001:db8::1]:8443/old/items?x=1"),
        Arguments.of("IPv6 request authority with a new port",
            any(), r(null, null, 9090, null, null, false), "http://[::1]:8080/a",
            "http://[::1]:9090/a"),
        Arguments.of("path replaces the path and keeps the query",
            any(), r(null, null, null, "/", null, false), URL,
            "/?x=1"),
        Arguments.of("a query in path replaces the request query",
            any(), r(null, null, null, "/new?y=2", null, false), URL,
            "/new?y=2"),
        Arguments.of("strip_query removes the query",
            any(), r(null, null, null, "/new?y=2", null, true), URL,
            "/new"),
        Arguments.of("strip_query with the request path",
            any(), r(null, null, null, null, null, true), URL,
            "/old/items"),
        Arguments.of("prefix_rewrite replaces the matched prefix",
            prefix("/old/"), r(null, null, null, null, "/new/", false), URL,
            "/new/items?x=1"),
        Arguments.of("prefix_rewrite of an ignoring-case prefix replaces what was sent",
            prefix("/OLD/").ignoringCase(), r(null, null, null, null, "/new/", false), URL,
            "/new/items?x=1"),
        Arguments.of("prefix_rewrite on a separated prefix keeps the separator",
            separated("/old"), r(null, null, null, null, "/v2", false), URL,
            "/v2/items?x=1"),
        Arguments.of("prefix_rewrite on a separated prefix at the segment end",
            separated("/old"), r(null, null, null, null, "/v2", false), "http://h/old",
            "/v2"),
        Arguments.of("prefix_rewrite ending in a slash absorbs the separator",
            separated("/old"), r(null, null, null, null, "/", false), URL,
            "/items?x=1"),
        Arguments.of("prefix_rewrite on an exact path replaces the whole path",
            path("/old/items"), r(null, null, null, null, "/new", false), URL,
            "/new?x=1"),
        Arguments.of("prefix_rewrite on a regex route replaces the whole path",
            regex("/old/.*"), r(null, null, null, null, "/new", false), URL,
            "/new?x=1"),
        Arguments.of("prefix_rewrite without a path condition is prepended",
            any(), r(null, null, null, null, "/v2", false), URL,
            "/v2/old/items?x=1"),
        Arguments.of("an empty query is dropped",
            any(), r(null, null, null, null, null, false), "http://h/a?",
            "/a"),
        Arguments.of("an empty query is dropped from an absolute Location",
            any(), r("https", null, null, null, null, false), "http://h/a?",
            "https://h/a"),
        Arguments.of("an authority that could name another host is not echoed",
            any(), r("https", null, null, null, null, false), "http://evil.com@shop/a?x",
            "/a?x"),
        Arguments.of("a relative Location collapses leading slashes",
            any(), r(null, null, null, null, null, false), "http://h//evil.com/x",
            "/evil.com/x"),
        Arguments.of("an absolute Location keeps the request path verbatim",
            any(), r("https", null, null, null, null, false), "http://h//evil.com/x",
            "https://h//evil.com/x"),
        Arguments.of("controls, spaces, backslashes and non-ASCII are percent-encoded",
            any(), r(null, null, null, null, null, false), "http://h/a b\\c\u00e9\r\n?q=\"1 2\"#",
            "/a%20b%5Cc%C3%A9%0D%0A?q=\"1%202\"%23"),
        Arguments.of("the same encoding in an absolute Location",
            any(), r("http", null, null, null, null, false), "http://h/a b\u00e9?q=1 2",
            "http://h/a%20b%C3%A9?q=1%202"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void locations(String why, Match m, ActionConfig.Redirect r, String url, String expected) {
    assertThat(location(m, r, TestRequest.get(url))).isEqualTo(expected);
  }

  @Test
  void noAuthorityGivesARelativeLocation() {
    TestRequest request = TestRequest.raw("GET", "http", null, "/a", "b=1");
    List<String> catchAll = List.of("*");

    assertThat(location(catchAll, any(), r(null, null, null, null, null, false), request))
        .isEqualTo("/a?b=1");
    assertThat(location(catchAll, any(), r("https", null, null, null, null, false), request))
        .isEqualTo("/a?b=1");
    assertThat(location(catchAll, any(), r(null, "to.example", null, null, null, false), request))
        .isEqualTo("http://to.example/a?b=1");
  }

  @Test
  void onlyTheRequestAuthorityPathAndQueryAreUsedNeverOtherHeaders() {
    TestRequest request = TestRequest.get("http://shop/a?b=1")
        .header("x-forwarded-host", "evil.com")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-port", "1")
        .header("host", "evil.com");

    assertThat(location(any(), r(null, null, null, null, null, false), request))
        .isEqualTo("/a?b=1");
    assertThat(location(any(), r("https", null, null, null, null, false), request))
        .isEqualTo("https://shop/a?b=1");
  }

  @Test
  void inACatchAllVirtualHostTheRequestHostIsNeverEchoed() {
    // Any Host reaches a "*" virtual host, so its value is attacker-chosen: the Location is
    // relative, or names only the configured host.
    TestRequest request = TestRequest.get("http://evil.example.net:8080/a?b=1");
    List<String> catchAll = List.of("shop.example.com", "*");

    assertThat(location(catchAll, any(), r(null, null, null, null, null, false), request))
        .isEqualTo("/a?b=1");
    assertThat(location(catchAll, any(), r(null, "shop.example.com", null, null, null, false),
        request)).isEqualTo("http://shop.example.com/a?b=1");
    // Compiled without validation (the validator rejects these), still never the request's host:
    assertThat(location(catchAll, any(), r("https", null, null, null, null, false), request))
        .isEqualTo("/a?b=1");
    assertThat(location(catchAll, any(), r(null, null, 9443, null, null, false), request))
        .isEqualTo("/a?b=1");
  }

  @Test
  void theCodeIsTheConfiguredOne() {
    for (int code : new int[] {301, 302, 303, 307, 308}) {
      var config = redirect(null, null, null, "/", null, false, code);
      RouteTable t = outbound(vhost("v", List.of("*"), route("r", any(), config)));
      RouteAction.Redirect a =
          (RouteAction.Redirect) t.match(TestRequest.get("http://h/")).route().action();
      assertThat(a.code()).isEqualTo(code);
      assertThat(a.kind()).isEqualTo(RouteAction.Kind.REDIRECT);
    }
  }
}
