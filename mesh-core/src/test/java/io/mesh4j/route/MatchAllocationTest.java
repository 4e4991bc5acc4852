package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.headerPresent;
import static io.mesh4j.route.RouteFixtures.inverted;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.query;
import static io.mesh4j.route.RouteFixtures.queryPresent;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.split;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RouteConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Proves the hot path allocates nothing for exact/prefix/header/query-exact tables, by reading
 * this thread's allocation counter around many matches after warm-up.
 */
class MatchAllocationTest {

  /** A request view whose accessors allocate nothing (unlike a map-backed test view). */
  private record View(
      String method, String authority, String path, String query, String canary, String user)
      implements RequestView {
    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public String header(String name) {
      if (name.equals("x-canary")) return canary;
      if (name.equals("x-user")) return user;
      return null;
    }

    @Override
    public String sourceAddress() {
      return null;
    }
  }

  @Test
  void matchingPrefixHeaderAndQueryTablesAllocatesNothing() {
    com.sun.management.ThreadMXBean threads = threadBean();
    List<RouteConfig> routes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      switch (i % 5) {
        case 0 -> routes.add(to("r" + i, prefix("/svc" + i + "/")
            .header(header("x-canary", Kind.EXACT, "true"))));
        case 1 -> routes.add(to("r" + i, separated("/svc" + i).methods("GET", "HEAD")));
        case 2 -> routes.add(to("r" + i, prefix("/SVC" + i + "/").ignoringCase()
            .header(inverted(header("x-user", Kind.PREFIX, "bot")))));
        case 3 -> routes.add(to("r" + i, path("/svc" + i + "/exact")
            .query(query("v", QueryMatchConfig.Kind.EXACT, "2")).query(queryPresent("d", true))));
        default -> routes.add(to("r" + i, match()
            .header(header("x-user", Kind.SUFFIX, "-" + i))
            .header(headerPresent("x-canary", false))));
      }
    }
    routes.add(route("split", prefix("/"), split("a", 3, "b", 1)));
    RouteTable table = outbound(Set.of("inventory"),
        vhost("shop", List.of("shop", "*.shop.internal", "shop.*"),
            routes.toArray(new RouteConfig[0])),
        vhost("strict", List.of("strict"), to("only", path("/only"))));
    View[] requests = {
        new View("GET", "shop:8080", "/svc0/items", null, "true", "u"),
        new View("GET", "a.shop.internal", "/svc51", null, null, "u"),
        new View("GET", "SHOP.eu", "/svc52/x", null, null, "human"),
        new View("GET", "shop", "/svc93/exact", "v=2&d", null, null),
        new View("GET", "shop", "/nothing", null, null, "user-99"),
        new View("GET", "shop", "/zzz", null, null, null),
        new View("GET", "inventory:9000", "/x", null, null, null),
        new View("GET", "example.org", "/x", null, null, null),
        new View("GET", "strict", "/other", null, null, null),
    };
    String[] expected = {"r0", "r51", "r52", "r93", "r99", "split", "implicit", "NOT_MESH",
        "NO_ROUTE"};
    for (int i = 0; i < requests.length; i++) {
      RouteMatch m = table.match(requests[i]);
      String got = m.isRouted()
          ? (m.route().isImplicit() ? "implicit" : m.route().name())
          : m.outcome().name();
      assertThat(got).as("request %d", i).isEqualTo(expected[i]);
    }

    long sink = 0;
    for (int i = 0; i < 300_000; i++) sink += run(table, requests[i % requests.length]);
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) sink += run(table, requests[i % requests.length]);
    long after = threads.getThreadAllocatedBytes(tid);

    assertThat(sink).isNotZero();
    // The counter itself is read with a little slack; 100k matches allocating even one object
    // each would show as >= 1.6 MB.
    assertThat(after - before).as("bytes allocated by 100k matches").isLessThan(4_096);
  }

  private static int run(RouteTable table, View request) {
    RouteMatch m = table.match(request);
    if (m.isRouted() && m.route().action() instanceof RouteAction.ClusterTarget t) {
      return t.pickCluster().length();
    }
    return m.outcome().ordinal() + 1;
  }

  private static com.sun.management.ThreadMXBean threadBean() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
    com.sun.management.ThreadMXBean sun = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(sun.isThreadAllocatedMemorySupported() && sun.isThreadAllocatedMemoryEnabled(),
        "allocation counter disabled");
    return sun;
  }
}
