package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.headerPresent;
import static io.mesh4j.route.RouteFixtures.inverted;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.pass;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.query;
import static io.mesh4j.route.RouteFixtures.queryPresent;
import static io.mesh4j.route.RouteFixtures.redirect;
import static io.mesh4j.route.RouteFixtures.regex;
import static io.mesh4j.route.RouteFixtures.respond;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.split;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random and hostile requests never make routing throw, and the indexed match always agrees with
 * a linear scan and with explain.
 */
class RouteTablePropertyTest {

  private static final List<VirtualHostConfig> HOSTS = List.of(
      vhost("api", List.of("api", "*.api.internal", "api.*", "[::1]"),
          to("canary", prefix("/api/").header(header("x-canary", Kind.EXACT, "true"))),
          to("methods", separated("/api/v1").methods("GET", "HEAD")),
          to("ci", prefix("/API/V2/").ignoringCase()),
          to("exact", path("/api/exact")),
          to("regex", regex("/api/(a|b)*c").header(inverted(header("x-no", Kind.PREFIX, "n")))),
          to("regex-prefix", regex("^/api/ab?/[a-c]+").header(headerPresent("x-c", true))),
          to("regex-alt", regex("/s|/api/b.*").header(headerPresent("x-s", true))),
          to("regex-ci", regex("/API/[A-C]*").ignoringCase().header(headerPresent("x-r", true))),
          to("hdr-regex", match().header(header("x-r", Kind.REGEX, "(a|b)*c"))),
          to("hdr", match().header(header("x-s", Kind.SUFFIX, "z"))
              .header(header("x-c", Kind.CONTAINS, "..")).header(headerPresent("x-p", false))),
          to("pseudo", match().header(header(":path", Kind.PREFIX, "/q?"))
              .header(header(":authority", Kind.SUFFIX, ":1"))),
          to("query", match().query(query("q", QueryMatchConfig.Kind.EXACT, "\u00e9 x"))
              .query(query("r", QueryMatchConfig.Kind.REGEX, "[0-9]+"))),
          to("query-present", match().query(queryPresent("p", true))),
          to("src", match().source("10.0.0.0/8", "2001:db8::/32")),
          to("who", match().principals("spiffe://a/*", "cn=b")),
          route("split", prefix("/s"), split("a", 3, "b", 1)),
          route("redirect", prefix("/r"), redirect("https", null, 8443, null, "/new/", false, 301)),
          route("redirect-host", separated("/rh"), redirect(null, "x.example", null, null, "/",
              true, 302)),
          route("rewrite", prefix("/w"), RouteFixtures.forward("w"),
              new RewriteConfig(null, "/(w+)(.*)", "/\\2/\\1", null)),
          route("respond", path("/"), respond(503, "down", Map.of()))),
      vhost("all", List.of("*"),
          route("pass", prefix("/p"), pass()),
          to("root", separated("/"))));

  private static final RouteTable OUT = RouteTable.outbound(
      new OutboundConfig(HOSTS), Set.of("inventory", "billing"), new Random(1));
  private static final RouteTable OUT_NO_CATCH_ALL = RouteTable.outbound(
      new OutboundConfig(HOSTS.subList(0, 1)), Set.of("inventory", "billing"), new Random(1));
  private static final RouteTable IN = RouteTable.inbound(
      new InboundConfig(HOSTS.subList(0, 1), null, List.of(), null), new Random(1));

  @Property(tries = 2000)
  void matchAndExplainNeverThrowAndAlwaysAgree(@ForAll("requests") TestRequest request) {
    for (RouteTable t : List.of(OUT, OUT_NO_CATCH_ALL, IN)) {
      RouteMatch m = t.match(request);
      assertThat(m).isNotNull();
      assertThat(t.matchLinear(request)).isSameAs(m);

      Explanation e = t.explain(request);
      assertThat(e.outcome()).isEqualTo(m.outcome());
      assertThat(e.virtualHost()).isEqualTo(m.virtualHost());
      assertThat(e.toText()).isNotEmpty();
      assertThat(e.toJsonMap()).hasSize(6);
      if (m.isRouted()) {
        Route r = m.route();
        assertThat(e.route()).isEqualTo(r.name());
        assertThat(r.rewritePath(request)).isNotNull();
        if (r.action() instanceof RouteAction.Redirect redirect) {
          assertThat(redirect.location(request)).isEqualTo(e.location()).doesNotContain("\r", "\n");
        }
        if (r.action() instanceof RouteAction.ClusterTarget target) {
          assertThat(target.clusters()).contains(target.pickCluster());
        }
      } else {
        assertThat(e.route()).isNull();
        assertThat(e.action()).isEqualTo("none");
      }
    }
  }

  @Provide
  Arbitrary<TestRequest> requests() {
    Arbitrary<String> method = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.of("GET", "HEAD", "POST", "DELETE", "get")),
        net.jqwik.api.Tuple.of(1, odd(8)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(null)));
    Arbitrary<String> scheme = Arbitraries.of("http", "https", "HTTP", "", "ftp").injectNull(0.1);
    Arbitrary<String> authority = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, pieces(List.of("api", "API", ".", "x", "api.internal",
            ":", "1", "[", "]", "::1", "inventory", "billing", "*", "@", "/", "\u00e9",
            "\u0130", "\uD83D\uDE00", "\uDC00"), 6)),
        net.jqwik.api.Tuple.of(1, odd(30)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(null)));
    Arbitrary<String> path = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, pieces(List.of("/", "/api/", "/API/v2/", "/api/v1", "api",
            "exact", "..", "/..", "%", "%2", "%zz", "%2F", "a", "b", "c", "/s", "/r", "/rh",
            "/w", "/p", "/q", "?", "#", "\u0000", " ", "\\", "\u00e9", "\u212a", "\uD83D\uDE00",
            "\uD800", "//"), 10)),
        net.jqwik.api.Tuple.of(1, odd(200)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 20_000)
            .map(n -> "/api/" + "ab".repeat(n))),
        net.jqwik.api.Tuple.of(1, Arbitraries.of("", "*")),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(null)));
    Arbitrary<String> queryString = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, pieces(List.of("q", "r", "p", "=", "&", "%", "%C3%A9",
            "%20x", "+", "1", "%zz", "%4", "\u00e9", "\uD800", "==", "&&"), 8)),
        net.jqwik.api.Tuple.of(1, odd(50)),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(null)));
    Arbitrary<String> headerValue = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, pieces(List.of("a", "b", "c", "z", "..", "n", "true", " ",
            "\u00e9", "\r\n", "\uD800"), 6)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 100_000)
            .map(n -> "ab".repeat(n))),
        net.jqwik.api.Tuple.of(1, odd(100)),
        net.jqwik.api.Tuple.of(3, Arbitraries.just(null)));
    Arbitrary<String> source = Arbitraries.of("10.1.2.3", "192.168.0.1", "2001:db8::7",
        "[2001:db8::7]", "::ffff:10.0.0.1", "::1", "", "not-an-ip", "1.2.3", "1.2.3.4.5",
        "999.1.1.1", "fe80::1%eth0", ":::", "[").injectNull(0.3);
    Arbitrary<String> principal = Arbitraries.of("spiffe://a/x", "spiffe://b", "cn=b", "", "*")
        .injectNull(0.5);

    Arbitrary<TestRequest> base = Combinators.combine(method, scheme, authority, path, queryString)
        .as(TestRequest::raw);
    return Combinators.combine(base, headerValue, headerValue, headerValue, source, principal)
        .as((r, canary, hr, hs, s, p) -> {
          if (canary != null) r.header("x-canary", canary).header("x-no", canary);
          if (hr != null) r.header("x-r", hr);
          if (hs != null) r.header("x-s", hs).header("x-c", hs);
          return r.source(s).principal(p);
        });
  }

  private static Arbitrary<String> odd(int maxLength) {
    return Arbitraries.strings().all().ofMaxLength(maxLength);
  }

  private static Arbitrary<String> pieces(List<String> alphabet, int maxPieces) {
    return Arbitraries.of(alphabet).list().ofMaxSize(maxPieces).map(l -> String.join("", l));
  }
}
