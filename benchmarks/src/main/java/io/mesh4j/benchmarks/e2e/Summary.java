package io.mesh4j.benchmarks.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Medians across rounds per scenario and concurrency, and the paired ratios between scenarios.
 *
 * <p>A ratio is the median of the per-round ratios: scenarios of one round ran back to back, so
 * pairing them cancels most of the drift a noisy machine adds between rounds. Immutable.
 */
final class Summary {
  /** Scenario pairs the report compares, numerator first. */
  static final List<List<String>> PAIRS = List.of(List.of("B", "A"), List.of("B", "C"), List.of("B", "D"));
  /**
   * Pairs summarized as ratios but shown only in their own tables: the gateway, and Jetty's own
   * reverse proxy, against nginx.
   */
  static final List<List<String>> EXTRA_PAIRS = List.of(List.of("G", "D"), List.of("J", "D"));

  /**
   * Medians of one scenario at one concurrency.
   *
   * @param throughput successful requests per second
   * @param p50 latency in microseconds (also {@code p99}, {@code p999})
   * @param clientCpu client CPU microseconds per request
   * @param allocated client bytes allocated per request
   * @param sidecarCpu sidecar CPU microseconds per request, NaN without a sidecar
   * @param errors failed requests summed over the rounds
   * @param firstError the first failure seen in any round, or null
   */
  record Row(
      String scenario, int concurrency, int rounds, double throughput, double p50, double p99, double p999,
      double clientCpu, double allocated, double sidecarCpu, long errors, String firstError) {}

  /**
   * Median per-round ratios {@code numerator / denominator} of throughput and of p99 latency, and
   * the lowest and highest per-round throughput ratio (how far one round can stray on this
   * machine; NaN when no round had a finite ratio).
   */
  record Ratio(String numerator, String denominator, int concurrency, double throughput, double p99,
      double lowestThroughput, double highestThroughput) {}

  private final List<String> scenarios;
  private final List<Integer> concurrency;
  private final Map<String, Row> rows = new LinkedHashMap<>();
  private final Map<String, Ratio> ratios = new LinkedHashMap<>();

  private Summary(List<String> scenarios, List<Integer> concurrency) {
    this.scenarios = List.copyOf(scenarios);
    this.concurrency = List.copyOf(concurrency);
  }

  /**
   * Summarizes {@code rounds}, each a list of cells (any order; at most one per scenario and
   * concurrency).
   */
  static Summary of(List<List<CellResult>> rounds, List<String> scenarios, List<Integer> concurrency) {
    Summary summary = new Summary(scenarios, concurrency);
    for (int c : concurrency) {
      for (String s : scenarios) {
        List<CellResult> cells = new ArrayList<>();
        for (List<CellResult> round : rounds) {
          CellResult cell = find(round, s, c);
          if (cell != null) cells.add(cell);
        }
        if (cells.isEmpty()) continue;
        long errors = 0;
        String firstError = null;
        for (CellResult cell : cells) {
          errors += cell.errors();
          if (firstError == null) firstError = cell.firstError();
        }
        summary.rows.put(key(s, c), new Row(
            s, c, cells.size(),
            median(cells, CellResult::throughput),
            median(cells, r -> r.latencyMicros(50)),
            median(cells, r -> r.latencyMicros(99)),
            median(cells, r -> r.latencyMicros(99.9)),
            median(cells, CellResult::clientCpuMicrosPerRequest),
            median(cells, CellResult::allocatedBytesPerRequest),
            median(cells, CellResult::sidecarCpuMicrosPerRequest),
            errors, firstError));
      }
      for (List<String> pair : allPairs()) {
        String num = pair.get(0);
        String den = pair.get(1);
        List<Double> throughput = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (List<CellResult> round : rounds) {
          CellResult a = find(round, num, c);
          CellResult b = find(round, den, c);
          if (a == null || b == null) continue;
          throughput.add(a.throughput() / b.throughput());
          p99.add(a.latencyMicros(99) / b.latencyMicros(99));
        }
        if (!throughput.isEmpty()) {
          double[] finite = throughput.stream().mapToDouble(Double::doubleValue)
              .filter(Double::isFinite).sorted().toArray();
          double lowest = finite.length == 0 ? Double.NaN : finite[0];
          double highest = finite.length == 0 ? Double.NaN : finite[finite.length - 1];
          summary.ratios.put(key(num + "/" + den, c),
              new Ratio(num, den, c, median(throughput), median(p99), lowest, highest));
        }
      }
    }
    return summary;
  }

  private static List<List<String>> allPairs() {
    List<List<String>> all = new ArrayList<>(PAIRS);
    all.addAll(EXTRA_PAIRS);
    return all;
  }

  List<String> scenarios() {
    return scenarios;
  }

  List<Integer> concurrency() {
    return concurrency;
  }

  /** The row, or null when that scenario did not run at that concurrency. */
  Row row(String scenario, int concurrency) {
    return rows.get(key(scenario, concurrency));
  }

  /** The ratio, or null when either side did not run. */
  Ratio ratio(String numerator, String denominator, int concurrency) {
    return ratios.get(key(numerator + "/" + denominator, concurrency));
  }

  /** C or D, whichever has the higher median throughput at {@code concurrency}; null if neither ran. */
  String bestSidecar(int concurrency) {
    Row c = row("C", concurrency);
    Row d = row("D", concurrency);
    if (c == null) return d == null ? null : "D";
    if (d == null) return "C";
    return d.throughput() > c.throughput() ? "D" : "C";
  }

  /** The median of the finite values, NaN when there is none. */
  static double median(List<Double> values) {
    double[] finite = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray();
    if (finite.length == 0) return Double.NaN;
    int mid = finite.length / 2;
    return finite.length % 2 == 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
  }

  private static double median(List<CellResult> cells, ToDoubleFunction<CellResult> f) {
    return median(cells.stream().map(f::applyAsDouble).toList());
  }

  private static CellResult find(List<CellResult> round, String scenario, int concurrency) {
    for (CellResult cell : round) {
      if (cell.scenario().equals(scenario) && cell.concurrency() == concurrency) return cell;
    }
    return null;
  }

  private static String key(String name, int concurrency) {
    return name + "@" + concurrency;
  }
}
