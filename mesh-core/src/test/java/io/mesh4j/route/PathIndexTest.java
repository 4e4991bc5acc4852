package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.regex;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathIndexTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiterString = " => ", nullValues = "null", value = {
      "/api/v1/[a-z]+ => /api/v1/",
      "^/api/.* => /api/",
      "/api/v1 => /api/v1",
      "/ab*c => /a",
      "/ab?c => /a",
      "/ab{2} => /a",
      "/ab+ => /ab",
      "/a.b => /a",
      "/a\\.b => /a",
      "/a(b) => /a",
      "/a[b] => /a",
      "/a$ => /a",
      "/a|/b => null",
      "/a(b|c) => null",
      "(?i)/a => null",
      ".* => null",
      "a* => null",
      "\\Q/a\\E => null",
      "^ => null",
      "/caf\u00e9/x => /caf\u00e9/x",
  })
  void theLiteralPrefixOfARegexIsItsLeadingPlainRun(String regex, String expected) {
    assertThat(PathCondition.regexLiteralPrefix(regex)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/a/x       | optional",
      "/abbbc     | star",
      "/x/1       | alternation",
      "/API/z     | insensitive",
      "/zz        | fallback",
      "/a/b/c     | optional",
  })
  void indexedRegexRoutesStillWinInRouteOrder(String path, String expected) {
    RouteTable t = outbound(vhost("v", List.of("*"),
        to("optional", regex("/ab?/.*")),
        to("star", regex("/ab*c")),
        to("alternation", regex("/x/1|/y")),
        to("insensitive", regex("/api/z").ignoringCase()),
        to("prefix", prefix("/a")),
        to("fallback", match())));

    TestRequest r = TestRequest.raw("GET", "http", "h", path, null);

    assertThat(t.match(r).route().name()).isEqualTo(expected);
    assertThat(t.matchLinear(r)).isSameAs(t.match(r));
  }
}
