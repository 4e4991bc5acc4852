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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and hostile requests never make routing throw, and the indexed match always agrees with
 * a linear scan and with explain.
 *
 * <p>Randomized with plain JUnit: the requests come from a {@link SplittableRandom} with a fixed
 * seed, so every run checks the same 10,000 requests; request {@code i} depends only on the seed
 * and {@code i}. A failure names the seed and the case index. {@code -Dmesh4j.seed=N} uses seed
 * {@code N} instead, for exploration; a failure there is reproduced with the same flag.
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

  private static final long SEED = 0x726f757465L;
  private static final int CASES = 10_000;

  @Test
  void matchAndExplainNeverThrowAndAlwaysAgree() {
    String override = System.getProperty("mesh4j.seed", "").trim();
    long seed = override.isEmpty() ? SEED : Long.parseLong(override);
    SplittableRandom seeds = new SplittableRandom(seed);
    for (int i = 0; i < CASES; i++) {
      SplittableRandom random = new SplittableRandom(seeds.nextLong());
      TestRequest request = null;
      try {
        request = request(random);
        matchesAgree(request);
      } catch (RuntimeException | Error e) {
        throw new AssertionError("case " + i + " (seed " + seed + "; rerun with -Dmesh4j.seed="
            + seed + "): " + show(String.valueOf(request)), e);
      }
    }
  }

  private static void matchesAgree(TestRequest request) {
    for (RouteTable t : List.of(OUT, OUT_NO_CATCH_ALL, IN)) {
      RouteMatch raw = t.match(request);
      assertThat(raw).isNotNull();
      assertThat(t.matchLinear(request)).isSameAs(raw);

      // Explain decides on the canonical path, as the adapters do.
      Explanation e = t.explain(request);
      assertThat(e.toText()).isNotEmpty();
      assertThat(e.toJsonMap()).hasSize(8);
      RequestView canonical = RequestPath.DEFAULT.canonicalView(request);
      if (canonical == null) {
        assertThat(e.action()).isEqualTo("refuse");
        assertThat(e.refusal()).isNotNull();
        continue;
      }
      RouteMatch m = t.match(canonical);
      assertThat(e.canonicalPath()).isEqualTo(canonical.path());
      assertThat(e.outcome()).isEqualTo(m.outcome());
      assertThat(e.virtualHost()).isEqualTo(m.virtualHost());
      if (m.isRouted()) {
        Route r = m.route();
        assertThat(e.route()).isEqualTo(r.name());
        // Never throws; a rewritten path is canonical, or null when it has no safe form (400).
        String rewritten = r.rewritePath(canonical);
        if (rewritten != null && r.rewritesPath()) {
          assertThat(RequestPath.DEFAULT.canonical(rewritten)).isEqualTo(rewritten);
        }
        if (r.action() instanceof RouteAction.Redirect redirect) {
          assertThat(redirect.location(canonical)).isEqualTo(e.location()).doesNotContain("\r", "\n");
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

  // ------------------------------------------------------------------ generators

  /**
   * A request whose every part may be ordinary, odd (any UTF-16 units, so lone surrogates too),
   * huge or null: odd and encoded paths, {@code ..}, non-ASCII hosts and paths, empty and null
   * hosts, null queries, headers up to 200,000 characters, malformed source addresses.
   */
  static TestRequest request(SplittableRandom r) {
    String method = switch (weighted(r, 5, 1, 1)) {
      case 0 -> oneOf(r, "GET", "HEAD", "POST", "DELETE", "get");
      case 1 -> odd(r, 8);
      default -> null;
    };
    String scheme = r.nextInt(10) == 0 ? null : oneOf(r, "http", "https", "HTTP", "", "ftp");
    String authority = switch (weighted(r, 4, 1, 1)) {
      case 0 -> pieces(r, List.of("api", "API", ".", "x", "api.internal", ":", "1", "[", "]",
          "::1", "inventory", "billing", "*", "@", "/", "\u00e9", "\u0130", "\uD83D\uDE00",
          "\uDC00"), 6);
      case 1 -> odd(r, 30);
      default -> null;
    };
    String path = switch (weighted(r, 6, 1, 1, 1, 1)) {
      case 0 -> pieces(r, List.of("/", "/api/", "/API/v2/", "/api/v1", "api", "exact", "..",
          "/..", "%", "%2", "%zz", "%2F", "a", "b", "c", "/s", "/r", "/rh", "/w", "/p", "/q", "?",
          "#", "\u0000", " ", "\\", "\u00e9", "\u212a", "\uD83D\uDE00", "\uD800", "//"), 10);
      case 1 -> odd(r, 200);
      case 2 -> "/api/" + "ab".repeat(size(r, 20_000));
      case 3 -> oneOf(r, "", "*");
      default -> null;
    };
    String query = switch (weighted(r, 4, 1, 2)) {
      case 0 -> pieces(r, List.of("q", "r", "p", "=", "&", "%", "%C3%A9", "%20x", "+", "1",
          "%zz", "%4", "\u00e9", "\uD800", "==", "&&"), 8);
      case 1 -> odd(r, 50);
      default -> null;
    };
    TestRequest request = TestRequest.raw(method, scheme, authority, path, query);
    String canary = headerValue(r);
    String hr = headerValue(r);
    String hs = headerValue(r);
    String source = r.nextInt(10) < 3 ? null : oneOf(r, "10.1.2.3", "192.168.0.1",
        "2001:db8::7", "[2001:db8::7]", "::ffff:10.0.0.1", "::1", "", "not-an-ip", "1.2.3",
        "1.2.3.4.5", "999.1.1.1", "fe80::1%eth0", ":::", "[");
    String principal = r.nextBoolean() ? null
        : oneOf(r, "spiffe://a/x", "spiffe://b", "cn=b", "", "*");
    if (canary != null) request.header("x-canary", canary).header("x-no", canary);
    if (hr != null) request.header("x-r", hr);
    if (hs != null) request.header("x-s", hs).header("x-c", hs);
    return request.source(source).principal(principal);
  }

  private static String headerValue(SplittableRandom r) {
    return switch (weighted(r, 4, 1, 1, 3)) {
      case 0 -> pieces(r, List.of("a", "b", "c", "z", "..", "n", "true", " ", "\u00e9", "\r\n",
          "\uD800"), 6);
      case 1 -> "ab".repeat(size(r, 100_000));
      case 2 -> odd(r, 100);
      default -> null;
    };
  }

  /** The index of the weight chosen, each with probability weight / sum of weights. */
  private static int weighted(SplittableRandom r, int... weights) {
    int total = 0;
    for (int w : weights) total += w;
    int x = r.nextInt(total);
    for (int i = 0; ; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
  }

  private static String oneOf(SplittableRandom r, String... values) {
    return values[r.nextInt(values.length)];
  }

  /** 0 to {@code max}: the edges, a small size or any size, in equal thirds of the rest. */
  private static int size(SplittableRandom r, int max) {
    return switch (r.nextInt(8)) {
      case 0 -> 0;
      case 1 -> max;
      case 2, 3, 4 -> r.nextInt(Math.min(max, 16) + 1);
      default -> r.nextInt(max + 1);
    };
  }

  /** 0 to {@code maxLength} UTF-16 units, each any value from U+0000 to U+FFFF. */
  private static String odd(SplittableRandom r, int maxLength) {
    int length = size(r, maxLength);
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) chars[i] = (char) r.nextInt(0x10000);
    return new String(chars);
  }

  /** 0 to {@code maxPieces} pieces of {@code alphabet}, concatenated. */
  private static String pieces(SplittableRandom r, List<String> alphabet, int maxPieces) {
    StringBuilder s = new StringBuilder();
    for (int n = r.nextInt(maxPieces + 1); n > 0; n--) {
      s.append(alphabet.get(r.nextInt(alphabet.size())));
    }
    return s.toString();
  }

  /** {@code s} with control characters and surrogates escaped, cut to 1,000 characters. */
  private static String show(String s) {
    StringBuilder out = new StringBuilder();
    int shown = Math.min(s.length(), 1000);
    for (int i = 0; i < shown; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04X", (int) c));
      } else out.append(c);
    }
    if (shown < s.length()) out.append("... (").append(s.length()).append(" chars)");
    return out.toString();
  }
}
