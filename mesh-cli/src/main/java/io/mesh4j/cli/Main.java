package io.mesh4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.route.DescribedRequest;
import io.mesh4j.internal.tls.TlsExplain;
import io.mesh4j.route.Explanation;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.route.RouteTable;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code mesh4j} command: {@code validate}, {@code explain} and {@code simulate} against a
 * config file, before it is deployed.
 *
 * <p>Exit codes: 0 success (a route matched, for {@code explain}); 1 a bad config or bad
 * arguments, with a message; 3 {@code explain} found no route or the request's path is refused
 * ({@code path_normalization}).
 */
public final class Main {
  static final int OK = 0;
  static final int ERROR = 1;
  static final int NO_ROUTE = 3;

  static final String USAGE =
      """
      usage:
        mesh4j validate FILE
        mesh4j explain FILE [--inbound] [--json] METHOD URL [-H 'Name: value']... [--source IP]
        mesh4j simulate FILE [--inbound] [--json] METHOD URL -n N [-H 'Name: value']...
                        [--source IP] [--down ADDRESS]... [--seed S]
                        [--locality REGION/ZONE/SUB_ZONE]
                        [--latency ADDRESS=DURATION[,...]]... [--concurrency C]

      validate  checks FILE (YAML or JSON) and prints every error with its path
      explain   shows which virtual host and route a request matches, and why the routes
                before it did not; exit 0 when a route matched, 3 when none did
                or the path is refused (path_normalization)
      simulate  runs N requests through routing and load balancing with every endpoint
                healthy except those named --down, and prints where they went and, for
                clusters with locality_lb, the priority loads and locality shares;
                with --latency or --concurrency, C callers (default 1) send them in a
                closed loop on a virtual clock, each endpoint answering after its
                --latency (default 1ms), and it prints each endpoint's share and the
                mean, p50 and p99 latency (how least_request or peak_ewma avoid a
                slow endpoint, and what it does to the tail)""";

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = new Main(System.out, System.err).run(args);
    System.out.flush();
    System.exit(code);
  }

  int run(String... args) {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
      (args.length == 0 ? err : out).println(USAGE);
      return args.length == 0 ? ERROR : OK;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    try {
      return switch (args[0]) {
        case "validate" -> validate(rest);
        case "explain" -> explain(rest);
        case "simulate" -> simulate(rest);
        case "import-envoy" -> new ImportEnvoy(out, err).run(rest);
        default -> throw new UsageException("unknown command '" + args[0] + "'");
      };
    } catch (UsageException e) {
      err.println("mesh4j " + args[0] + ": " + e.getMessage());
      err.println();
      err.println(USAGE);
      return ERROR;
    } catch (ConfigException e) {
      for (ConfigError error : e.errors()) err.println(error);
      return ERROR;
    }
  }

  private int validate(List<String> argv) {
    Args a = Args.parse(argv, Set.of(), Set.of());
    if (a.positionals.size() != 1) throw new UsageException("expected FILE");
    MeshConfig config = ConfigLoader.load(Path.of(a.positionals.get(0)));
    List<VirtualHostConfig> vhosts =
        new java.util.ArrayList<>(config.outbound().virtualHosts());
    vhosts.addAll(config.inbound().virtualHosts());
    int routes = vhosts.stream().mapToInt(v -> v.routes().size()).sum();
    out.println("OK: " + config.clusters().size() + " clusters, " + vhosts.size()
        + " virtual hosts, " + routes + " routes");
    return OK;
  }

  private int explain(List<String> argv) {
    Args a = Args.parse(argv, Set.of("--inbound", "--json"), Set.of("-H", "--source"));
    if (a.positionals.size() != 3) throw new UsageException("expected FILE METHOD URL");
    MeshConfig config = ConfigLoader.load(Path.of(a.positionals.get(0)));
    DescribedRequest request = request(a);
    RouteTable table = table(config, a.flag("--inbound"), new Random());
    Explanation e = table.explain(request, RequestPath.of(config.pathNormalization()));
    if (a.flag("--json")) {
      out.println(toJson(TlsExplain.compactJson(config, e, null)));
    } else {
      out.print(TlsExplain.text(config, e, null));
    }
    // A refused path is "no route" too (exit 3); a path redirect is an answer (exit 0).
    return e.outcome() == RouteMatch.Outcome.ROUTED || e.location() != null ? OK : NO_ROUTE;
  }

  private int simulate(List<String> argv) {
    Args a =
        Args.parse(
            argv, Set.of("--inbound", "--json"),
            Set.of("-H", "--source", "-n", "--down", "--seed", "--locality", "--latency",
                "--concurrency"));
    if (a.positionals.size() != 3) throw new UsageException("expected FILE METHOD URL");
    String nArg = a.one("-n");
    if (nArg == null) throw new UsageException("-n N is required");
    int n;
    try {
      n = Integer.parseInt(nArg);
    } catch (NumberFormatException e) {
      throw new UsageException("-n: '" + nArg + "' is not a number");
    }
    if (n < 1 || n > 10_000_000) throw new UsageException("-n: " + n + " (expected: 1-10000000)");
    long seed;
    String seedArg = a.one("--seed");
    try {
      seed = seedArg == null ? new Random().nextLong() : Long.parseLong(seedArg);
    } catch (NumberFormatException e) {
      throw new UsageException("--seed: '" + seedArg + "' is not a number");
    }
    MeshConfig config = ConfigLoader.load(Path.of(a.positionals.get(0)));
    DescribedRequest request = request(a);
    io.mesh4j.config.Locality self = null;
    if (a.one("--locality") != null) {
      try {
        self = io.mesh4j.config.Locality.parse(a.one("--locality"));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--locality: " + e.getMessage());
      }
    }
    Simulator.Load load = load(a);
    Simulator.Result r = Simulator.run(config, a.flag("--inbound"), request, n,
        new HashSet<>(a.all("--down")), seed, self, load);
    if (a.flag("--json")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("sequence", r.sequence());
      json.put("counts", r.counts());
      if (!r.localityShares().isEmpty()) json.put("locality_shares", r.localityShares());
      if (r.latency() != null) json.put("latency", latencyJson(r.latency()));
      out.println(toJson(json));
    } else {
      int shown = Math.min(n, 100);
      out.println("order" + (shown < n ? " (first " + shown + " of " + n + ")" : "") + ":");
      out.println("  " + String.join(" ", r.sequence().subList(0, shown).stream()
          .map(s -> shortName(s, r.counts().keySet())).collect(Collectors.toList())));
      out.println("counts:");
      int width = r.counts().keySet().stream().mapToInt(String::length).max().orElse(0);
      r.counts().entrySet().stream()
          .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
          .forEach(en -> out.printf("  %-" + width + "s  %8d  %6.2f%%  [%s]%n",
              en.getKey(), en.getValue(), 100.0 * en.getValue() / n,
              shortName(en.getKey(), r.counts().keySet())));
      r.localityShares().forEach((cluster, shares) ->
          out.println("cluster " + cluster + ": " + shares));
      if (r.latency() != null) printLatency(r.latency(), r.counts());
    }
    return OK;
  }

  /** {@code --latency} and {@code --concurrency}, or {@code null} when neither is given. */
  private static Simulator.Load load(Args a) {
    List<String> latencyArgs = a.all("--latency");
    String concurrencyArg = a.one("--concurrency");
    if (latencyArgs.isEmpty() && concurrencyArg == null) return null;
    int concurrency = 1;
    if (concurrencyArg != null) {
      try {
        concurrency = Integer.parseInt(concurrencyArg);
      } catch (NumberFormatException e) {
        throw new UsageException("--concurrency: '" + concurrencyArg + "' is not a number");
      }
      if (concurrency < 1 || concurrency > 100_000) {
        throw new UsageException("--concurrency: " + concurrency + " (expected: 1-100000)");
      }
    }
    Map<String, Duration> latencies = new LinkedHashMap<>();
    for (String arg : latencyArgs) {
      for (String part : arg.split(",", -1)) {
        int eq = part.lastIndexOf('=');
        if (eq <= 0) {
          throw new UsageException("--latency: '" + part + "' (expected: ADDRESS=DURATION, e.g."
              + " 127.0.0.1:8081=10ms)");
        }
        String address = part.substring(0, eq).trim();
        Duration d = latency(part.substring(eq + 1).trim());
        if (d == null) {
          throw new UsageException("--latency: '" + part.substring(eq + 1) + "' for " + address
              + " (expected: a duration > 0 with a unit: us, ms or s, e.g. 10ms)");
        }
        if (latencies.put(address, d) != null) {
          throw new UsageException("--latency: " + address + " given more than once");
        }
      }
    }
    return new Simulator.Load(latencies, DEFAULT_LATENCY, concurrency);
  }

  /** What an endpoint not named by {@code --latency} answers in. */
  static final Duration DEFAULT_LATENCY = Duration.ofMillis(1);

  private static final java.util.regex.Pattern LATENCY =
      java.util.regex.Pattern.compile("([0-9]{1,9}(?:\\.[0-9]{1,6})?)(us|ms|s)");

  /** {@code 250us}, {@code 10ms}, {@code 1.5s}; {@code null} when malformed, zero or above 1h. */
  static Duration latency(String text) {
    java.util.regex.Matcher m = LATENCY.matcher(text);
    if (!m.matches()) return null;
    java.math.BigDecimal value = new java.math.BigDecimal(m.group(1));
    long unit = switch (m.group(2)) {
      case "us" -> 1_000L;
      case "ms" -> 1_000_000L;
      default -> 1_000_000_000L;
    };
    java.math.BigDecimal nanos = value.multiply(java.math.BigDecimal.valueOf(unit));
    if (nanos.signum() <= 0 || nanos.compareTo(java.math.BigDecimal.valueOf(3_600_000_000_000L)) > 0) {
      return null;
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private void printLatency(Simulator.LatencySummary l, Map<String, Integer> counts) {
    out.printf("latency (%d requests reached an endpoint, concurrency %d, %s simulated, %.0f req/s):%n",
        l.requests(), l.concurrency(), millis(l.elapsedNanos()), l.throughput());
    int width = counts.keySet().stream().mapToInt(String::length).max().orElse(0);
    l.latencyNanos().forEach((where, nanos) -> out.printf("  %-" + width + "s  answers in %s%n",
        where, millis(nanos)));
    out.printf("  mean %s, p50 %s, p99 %s%n", millis((long) l.meanNanos()), millis(l.p50Nanos()),
        millis(l.p99Nanos()));
  }

  private static Map<String, Object> latencyJson(Simulator.LatencySummary l) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("concurrency", l.concurrency());
    j.put("requests", l.requests());
    j.put("elapsed_ms", l.elapsedNanos() / 1e6);
    j.put("throughput_per_second", l.throughput());
    j.put("mean_ms", l.meanNanos() / 1e6);
    j.put("p50_ms", l.p50Nanos() / 1e6);
    j.put("p99_ms", l.p99Nanos() / 1e6);
    Map<String, Double> each = new LinkedHashMap<>();
    l.latencyNanos().forEach((where, nanos) -> each.put(where, nanos / 1e6));
    j.put("endpoint_latency_ms", each);
    return j;
  }

  /** Nanoseconds as milliseconds, three decimals at most ({@code 1ms}, {@code 0.25ms}). */
  private static String millis(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 6).setScale(3, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros().toPlainString() + "ms";
  }

  /** The request METHOD URL [-H ...] [--source IP] describes; errors name the argument at fault. */
  private static DescribedRequest request(Args a) {
    try {
      return DescribedRequest.parse(
          a.positionals.get(1), a.positionals.get(2), a.all("-H"), a.one("--source"), null);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      for (String[] part : ARGUMENT_NAMES) {
        if (m.startsWith(part[0])) throw new UsageException(part[1] + m.substring(part[0].length()));
      }
      throw new UsageException(m);
    }
  }

  private static final String[][] ARGUMENT_NAMES = {
    {"method:", "METHOD:"}, {"url:", "URL:"}, {"header:", "-H:"}, {"source:", "--source:"}
  };

  /** A one-letter name (a, b, c …) per destination, in order of first appearance. */
  private static String shortName(String destination, Set<String> all) {
    int i = 0;
    for (String s : all) {
      if (s.equals(destination)) return i < 26 ? String.valueOf((char) ('a' + i)) : "#" + i;
      i++;
    }
    return "?";
  }

  private static RouteTable table(MeshConfig config, boolean inbound, Random random) {
    if (inbound) return RouteTable.inbound(config.inbound(), random);
    Set<String> names = config.clusters().stream().map(c -> c.name()).collect(Collectors.toSet());
    return RouteTable.outbound(config.outbound(), names, random);
  }

  private static String toJson(Object value) {
    try {
      return new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
