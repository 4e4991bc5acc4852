package io.mesh4j.benchmarks;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ExtensionRef;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.route.RouteExtensions;
import io.mesh4j.route.RouteMatcher;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link RouteTable#match} on tables of 10, 100 and 1,000 routes (a prefix/header mix), a table
 * of 100 header-only routes (which no path index can narrow), and a regex-heavy table, each
 * hitting the last or a middle route. Requests are generated up front; a baseline reads the
 * request fields the router reads first. Two rows measure request policies on the 100-route table:
 * none (the cost every route without policies pays; equal to {@code prefixHeader}) and one no-op. Run with {@code -prof gc} to see {@code B/op}.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RouteMatch -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc
 * </pre>
 *
 * <p>On a machine busy with other work, wall-clock averages mostly measure the scheduler; {@link
 * #main} measures the same tables in this thread's CPU time instead:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.mesh4j.benchmarks.RouteMatchBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {

  private static final int REQUESTS = 64;

  /** A request view over plain fields; header lookup scans a tiny array, as adapters do. */
  static final class View implements RequestView {
    private final String method;
    private final String authority;
    private final String path;
    private final String query;
    private final String[] headerNames;
    private final String[] headerValues;

    View(String method, String authority, String path, String query, String... headers) {
      this.method = method;
      this.authority = authority;
      this.path = path;
      this.query = query;
      this.headerNames = new String[headers.length / 2];
      this.headerValues = new String[headers.length / 2];
      for (int i = 0; i < headerNames.length; i++) {
        headerNames[i] = headers[2 * i];
        headerValues[i] = headers[2 * i + 1];
      }
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public String authority() {
      return authority;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String query() {
      return query;
    }

    /**
     * RequestView's rule, as the OkHttp adapter reads it: every line scanned, a repeated header's
     * lines joined with ","; a single line returned as is.
     */
    @Override
    public String header(String name) {
      String value = null;
      for (int i = 0; i < headerNames.length; i++) {
        if (headerNames[i].equalsIgnoreCase(name)) value = RequestView.join(value, headerValues[i]);
      }
      return value;
    }

    @Override
    public String sourceAddress() {
      return "10.0.0.1";
    }
  }

  static MatchConfig match(PathMatchKind kind, String value, HeaderMatchConfig... headers) {
    return new MatchConfig(kind, value, true, Set.of(), List.of(headers), List.of(), List.of(),
        List.of(), null);
  }

  static HeaderMatchConfig exact(String name, String value) {
    return new HeaderMatchConfig(name, HeaderMatchConfig.Kind.EXACT, value, false, false);
  }

  static RouteConfig route(String name, MatchConfig match) {
    return new RouteConfig(name, match, new ActionConfig.Forward("c-" + name), null, null, null,
        null, null, null, null, null, null, null);
  }

  static RouteTable table(List<RouteConfig> routes) {
    VirtualHostConfig host = new VirtualHostConfig("shop",
        List.of("shop", "shop.internal", "*.shop.svc.cluster.local"), routes, null);
    return RouteTable.outbound(new OutboundConfig(List.of(host)), Set.of("inventory"),
        new Random(1));
  }

  static int targetIndex(int routes, String target) {
    return target.equals("last") ? routes - 1 : routes / 2;
  }

  /**
   * Route {@code i}: prefix {@code /api/svc<i>/}; every odd route also needs {@code x-tenant:
   * t<i>}. The requests hit the target route with varied tails.
   */
  @State(Scope.Benchmark)
  public static class PrefixHeaderTable {
    @Param({"10", "100", "1000"})
    int routes;

    @Param({"last", "middle"})
    String target;

    RouteTable table;
    View[] requests;

    @Setup(Level.Trial)
    public void setUp() {
      List<RouteConfig> rs = new ArrayList<>();
      for (int i = 0; i < routes; i++) {
        MatchConfig m = i % 2 == 0
            ? match(PathMatchKind.PREFIX, "/api/svc" + i + "/")
            : match(PathMatchKind.PREFIX, "/api/svc" + i + "/", exact("x-tenant", "t" + i));
        rs.add(route("r" + i, m));
      }
      table = table(rs);
      int t = targetIndex(routes, target);
      requests = new View[REQUESTS];
      for (int k = 0; k < REQUESTS; k++) {
        requests[k] = new View("GET", k % 2 == 0 ? "shop:8080" : "a.shop.svc.cluster.local",
            "/api/svc" + t + "/items/" + k, null, "x-request-id", "id-" + k,
            "x-tenant", "t" + t);
      }
      check(table, requests, "r" + t);
    }
  }

  /** 100 routes that each test only the header {@code x-tenant} (no path to index on). */
  @State(Scope.Benchmark)
  public static class HeaderOnlyTable {
    @Param({"last", "middle"})
    String headerTarget;

    RouteTable table;
    View[] requests;

    @Setup(Level.Trial)
    public void setUp() {
      List<RouteConfig> rs = new ArrayList<>();
      for (int i = 0; i < 100; i++) rs.add(route("r" + i, match(null, null, exact("x-tenant", "t" + i))));
      table = table(rs);
      int t = targetIndex(100, headerTarget);
      requests = new View[REQUESTS];
      for (int k = 0; k < REQUESTS; k++) {
        requests[k] = new View("GET", "shop", "/items/" + k, null, "x-request-id", "id-" + k,
            "x-tenant", "t" + t);
      }
      check(table, requests, "r" + t);
    }
  }

  /** 100 routes with a regex path each ({@code /api/v<i>/[a-z]+/[0-9]+}). */
  @State(Scope.Benchmark)
  public static class RegexTable {
    @Param({"last", "middle"})
    String regexTarget;

    RouteTable table;
    View[] requests;

    @Setup(Level.Trial)
    public void setUp() {
      List<RouteConfig> rs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        rs.add(route("r" + i, match(PathMatchKind.REGEX, "/api/v" + i + "/[a-z]+/[0-9]+")));
      }
      table = table(rs);
      int t = targetIndex(100, regexTarget);
      requests = new View[REQUESTS];
      for (int k = 0; k < REQUESTS; k++) {
        requests[k] = new View("GET", "shop", "/api/v" + t + "/items/" + k, null);
      }
      check(table, requests, "r" + t);
    }
  }

  /**
   * The prefix/header table of 100 routes (target last) compiled twice through the extension path
   * a mesh uses: {@code none} with no policies anywhere (every route holds the shared empty
   * chain), {@code one} with one no-op policy on every route. The benchmarks match and then do what
   * an adapter does with the route's policies.
   */
  @State(Scope.Benchmark)
  public static class PolicyTable {
    RouteTable none;
    RouteTable one;
    View[] requests;

    @Setup(Level.Trial)
    public void setUp() {
      PrefixHeaderTable base = new PrefixHeaderTable();
      base.routes = 100;
      base.target = "last";
      base.setUp();
      requests = base.requests;
      List<RouteConfig> plain = new ArrayList<>();
      List<RouteConfig> withPolicy = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        MatchConfig m = i % 2 == 0
            ? match(PathMatchKind.PREFIX, "/api/svc" + i + "/")
            : match(PathMatchKind.PREFIX, "/api/svc" + i + "/", exact("x-tenant", "t" + i));
        plain.add(route("r" + i, m));
        withPolicy.add(new RouteConfig("r" + i, m, new ActionConfig.Forward("c-r" + i), null, null,
            null, null, null, null, null, List.of(ExtensionRef.of("noop")), null, null));
      }
      none = extensionTable(plain);
      one = extensionTable(withPolicy);
      check(none, requests, "r99");
      check(one, requests, "r99");
      if (!none.match(requests[0]).route().policies().isEmpty()
          || one.match(requests[0]).route().policies().isEmpty()) {
        throw new IllegalStateException("policy tables compiled wrong");
      }
    }

    static RouteTable extensionTable(List<RouteConfig> routes) {
      VirtualHostConfig host = new VirtualHostConfig("shop",
          List.of("shop", "shop.internal", "*.shop.svc.cluster.local"), routes, null);
      RequestPolicy noop = e -> PolicyDecision.CONTINUE;
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RouteExtensions ext = new RouteExtensions() {
        @Override
        public RouteMatcher matcher(ExtensionRef ref) {
          throw new IllegalArgumentException("no matchers in this benchmark");
        }

        @Override
        public CompiledPolicy policy(ExtensionRef ref) {
          return CompiledPolicy.of(ref.name(), noop, registry, Ticker.system());
        }
      };
      return RouteTable.outbound(new OutboundConfig(List.of(host)), Set.of("inventory"),
          new Random(1), List.of(), ext);
    }
  }

  /** Walks the pre-generated requests. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    int advance() {
      int i = next;
      next = (i + 1) & (REQUESTS - 1);
      return i;
    }
  }

  static void check(RouteTable table, View[] requests, String expected) {
    for (View v : requests) {
      RouteMatch m = table.match(v);
      if (!m.isRouted() || !m.route().name().equals(expected)) {
        throw new IllegalStateException("benchmark table routes " + v.path() + " to " + m);
      }
    }
  }

  @Benchmark
  public void baselineReadRequest(PrefixHeaderTable s, Cursor c, Blackhole bh) {
    View v = s.requests[c.advance()];
    bh.consume(v.authority());
    bh.consume(v.path());
  }

  @Benchmark
  public void prefixHeader(PrefixHeaderTable s, Cursor c, Blackhole bh) {
    bh.consume(s.table.match(s.requests[c.advance()]));
  }

  /**
   * A match on the 100-route table compiled through the extension path with no policies, plus the
   * adapters' only per-request policy work for such a route: one {@code isEmpty()} check. Compare
   * with {@code prefixHeader} (routes=100, target=last): the same cost and 0 B/op.
   */
  @Benchmark
  public void prefixHeaderZeroPolicies(PolicyTable s, Cursor c, Blackhole bh) {
    RouteMatch m = s.none.match(s.requests[c.advance()]);
    PolicyChain p = m.route().policies();
    if (!p.isEmpty()) throw new IllegalStateException("unexpected policies");
    bh.consume(m);
  }

  /**
   * The same with one no-op policy on the route: match, start a run, {@code onRequest}, {@code
   * complete}. What one policy costs (a {@code PolicyRun} and an outcome per request).
   */
  @Benchmark
  public void prefixHeaderOnePolicy(PolicyTable s, Cursor c, Blackhole bh) {
    View v = s.requests[c.advance()];
    RouteMatch m = s.one.match(v);
    PolicyRun run = PolicyInternals.start(m.route().policies(), v, "shop", m.route().name(), null, 0L);
    bh.consume(run.onRequest());
    run.complete(200, null);
    bh.consume(m);
  }

  @Benchmark
  public void headerOnly100(HeaderOnlyTable s, Cursor c, Blackhole bh) {
    bh.consume(s.table.match(s.requests[c.advance()]));
  }

  @Benchmark
  public void regex100(RegexTable s, Cursor c, Blackhole bh) {
    bh.consume(s.table.match(s.requests[c.advance()]));
  }

  /**
   * Prints the best-of-five CPU nanoseconds per match of every table, after warm-up; with an
   * argument, only of the tables whose label contains it (run one per JVM for figures unaffected
   * by the JIT profiles of other tables).
   */
  public static void main(String[] args) {
    filter = args.length > 0 ? args[0] : "";
    for (String target : List.of("last", "middle")) {
      for (int size : new int[] {10, 100, 1000}) {
        PrefixHeaderTable s = new PrefixHeaderTable();
        s.routes = size;
        s.target = target;
        s.setUp();
        report("prefixHeader routes=" + size + " target=" + target, s.table, s.requests);
      }
      HeaderOnlyTable h = new HeaderOnlyTable();
      h.headerTarget = target;
      h.setUp();
      report("headerOnly100 target=" + target, h.table, h.requests);
      RegexTable r = new RegexTable();
      r.regexTarget = target;
      r.setUp();
      report("regex100 target=" + target, r.table, r.requests);
    }
    PolicyTable p = new PolicyTable();
    p.setUp();
    reportZeroPolicies("prefixHeaderZeroPolicies routes=100 target=last", p.none, p.requests);
  }

  /** As {@link #report}, for a match plus the adapters' policy check. */
  private static void reportZeroPolicies(String label, RouteTable table, View[] requests) {
    if (!label.contains(filter)) return;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int n = 1 << 20;
    long sink = 0;
    for (int i = 0; i < 3 * n; i++) sink += matchAndCheck(table, requests[i & (REQUESTS - 1)]);
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long start = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) sink += matchAndCheck(table, requests[i & (REQUESTS - 1)]);
      best = Math.min(best, threads.getCurrentThreadCpuTime() - start);
    }
    System.out.printf("%-40s %8.1f ns/op (cpu)%s%n", label, (double) best / n,
        sink == 42 ? " " : "");
  }

  private static int matchAndCheck(RouteTable table, View request) {
    RouteMatch m = table.match(request);
    return m.route().policies().isEmpty() ? m.hashCode() : 0;
  }

  private static String filter = "";

  private static void report(String label, RouteTable table, View[] requests) {
    if (!label.contains(filter)) return;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int n = 1 << 20;
    long sink = 0;
    for (int i = 0; i < 3 * n; i++) sink += table.match(requests[i & (REQUESTS - 1)]).hashCode();
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long start = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < n; i++) sink += table.match(requests[i & (REQUESTS - 1)]).hashCode();
      best = Math.min(best, threads.getCurrentThreadCpuTime() - start);
    }
    System.out.printf("%-40s %8.1f ns/op (cpu)%s%n", label, (double) best / n,
        sink == 42 ? " " : "");
  }
}
