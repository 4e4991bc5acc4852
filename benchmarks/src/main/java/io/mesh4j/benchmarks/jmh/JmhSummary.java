package io.mesh4j.benchmarks.jmh;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * One Markdown table over a JMH run: benchmark, parameters, threads, score ± error with its unit,
 * and bytes allocated per operation from the GC profiler ({@code gc.alloc.rate.norm}; "–" when the
 * profiler did not run). Rows in run order. Stateless.
 */
final class JmhSummary {
  static final String ALLOC_NORM = "gc.alloc.rate.norm";

  private JmhSummary() {}

  static String table(Collection<RunResult> results) {
    StringBuilder b = new StringBuilder();
    b.append("| benchmark | parameters | threads | score | ± error | unit | alloc/op |\n");
    b.append("|:---|:---|---:|---:|---:|:---|---:|\n");
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      Result<?> primary = r.getPrimaryResult();
      b.append("| ").append(shortName(p.getBenchmark()))
          .append(" | ").append(parameters(p))
          .append(" | ").append(p.getThreads())
          .append(" | ").append(number(primary.getScore()))
          .append(" | ").append(number(primary.getScoreError()))
          .append(" | ").append(primary.getScoreUnit())
          .append(" | ").append(alloc(r.getSecondaryResults())).append(" |\n");
    }
    return b.toString();
  }

  /** {@code PickerBenchmark.oneThread} from the fully qualified method name. */
  static String shortName(String benchmark) {
    int method = benchmark.lastIndexOf('.');
    int type = method <= 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
    return type < 0 ? benchmark : benchmark.substring(type + 1);
  }

  private static String parameters(BenchmarkParams p) {
    if (p.getParamsKeys().isEmpty()) return "";
    return p.getParamsKeys().stream().map(k -> k + "=" + p.getParam(k)).collect(Collectors.joining(", "));
  }

  private static String alloc(Map<String, Result> secondary) {
    Result<?> alloc = secondary.get(ALLOC_NORM);
    if (alloc == null) return "–";
    return String.format(Locale.ROOT, "%.1f B", Math.max(0, alloc.getScore()));
  }

  static String number(double v) {
    if (Double.isNaN(v)) return "–";
    double a = Math.abs(v);
    if (a >= 100) return String.format(Locale.ROOT, "%,.0f", v);
    if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
