package io.mesh4j.benchmarks.e2e;

import io.mesh4j.benchmarks.report.MarkdownSection;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a comparison as Markdown and places it into a document between the {@value #SECTION}
 * markers ({@link MarkdownSection}), leaving everything outside them as it was.
 *
 * <p>The section ends with a one-line HTML comment carrying the headline figures, so the next run
 * can say what changed since this one. Stateless; thread-safe.
 */
final class Report {
  /** The section name: the markers are {@code <!-- e2e:begin -->} and {@code <!-- e2e:end -->}. */
  static final String SECTION = "e2e";
  private static final String DATA = "<!-- e2e:data ";
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Report() {}

  /** The section (without markers) for {@code summary}, comparing with {@code previous} when not null. */
  static String section(RunInfo info, Summary summary, Previous previous) {
    StringBuilder b = new StringBuilder();
    b.append("### Last recorded run\n\n");
    b.append("| | |\n|---|---|\n");
    b.append("| date | ").append(DATE.format(info.date())).append(" |\n");
    b.append("| command | `").append(info.command()).append("` |\n");
    if (info.revision() != null) b.append("| revision | ").append(info.revision()).append(" |\n");
    b.append("| profile | ").append(info.quick() ? "**quick smoke** (not for publication): " : "full: ")
        .append(info.rounds()).append(info.rounds() == 1 ? " round" : " rounds").append(" × (")
        .append(seconds(info.warmup())).append(" warm-up + ").append(seconds(info.measure()))
        .append(" measured) per cell, scenarios interleaved within each round; figures are medians across rounds |\n");
    b.append("| machine | ").append(info.cores()).append(" cores, ").append(info.cpuModel()).append(", ")
        .append(info.os()).append("; 1-min load average ").append(info.loadStart()).append(" at start, ")
        .append(info.loadEnd()).append(" at end |\n");
    b.append("| JDK | ").append(info.jdk()).append("; client JVM flags `").append(info.jvmArgs()).append("` |\n");
    b.append("| run time | ").append(minutes(info.elapsed())).append(" |\n\n");

    for (String key : summary.scenarios()) {
      b.append("- **").append(key).append("**: ").append(info.labels().getOrDefault(key, key)).append('\n');
    }
    b.append('\n');

    b.append("| concurrency | scenario | req/s | p50 | p99 | p99.9 | client CPU/req | client alloc/req | sidecar CPU/req | errors |\n");
    b.append("|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int c : summary.concurrency()) {
      for (String s : summary.scenarios()) {
        Summary.Row r = summary.row(s, c);
        if (r == null) continue;
        b.append("| ").append(c).append(" | ").append(s).append(" | ").append(count(r.throughput()))
            .append(" | ").append(micros(r.p50())).append(" | ").append(micros(r.p99()))
            .append(" | ").append(micros(r.p999())).append(" | ").append(micros(r.clientCpu()))
            .append(" | ").append(bytes(r.allocated())).append(" | ")
            .append(Double.isNaN(r.sidecarCpu()) ? "–" : micros(r.sidecarCpu()))
            .append(" | ").append(r.errors()).append(" |\n");
      }
    }
    b.append('\n');

    if (hasRatios(summary)) {
      b.append("Ratios, each the median of the per-round ratios (req/s: higher is better for B; p99: lower is better):\n\n");
      b.append("| concurrency |");
      for (List<String> pair : Summary.PAIRS) {
        String name = pair.get(0) + "/" + pair.get(1);
        b.append(' ').append(name).append(" req/s | ").append(name).append(" p99 |");
      }
      b.append('\n').append("|---:|").append("---:|".repeat(Summary.PAIRS.size() * 2)).append('\n');
      for (int c : summary.concurrency()) {
        b.append("| ").append(c).append(" |");
        for (List<String> pair : Summary.PAIRS) {
          Summary.Ratio r = summary.ratio(pair.get(0), pair.get(1), c);
          b.append(' ').append(r == null ? "–" : ratio(r.throughput())).append(" | ")
              .append(r == null ? "–" : ratio(r.p99())).append(" |");
        }
        b.append('\n');
      }
      b.append('\n');
      spread(b, summary);
      targets(b, summary);
    }
    gateway(b, summary);

    b.append("#### Since the previous recorded run\n\n");
    changes(b, summary, previous);
    b.append('\n').append(data(info, summary)).append('\n');
    return b.toString();
  }

  /**
   * The lowest and highest per-round B/A throughput ratio per concurrency: one round of this
   * comparison can stray far from the median on a small shared machine, and a target a few
   * percent away from the median can only be read against that spread.
   */
  private static void spread(StringBuilder b, Summary summary) {
    StringBuilder cells = new StringBuilder();
    for (int c : summary.concurrency()) {
      Summary.Ratio r = summary.ratio("B", "A", c);
      if (r == null || !Double.isFinite(r.lowestThroughput())) continue;
      if (cells.length() > 0) cells.append(", ");
      cells.append(ratio(r.lowestThroughput())).append(" – ").append(ratio(r.highestThroughput()))
          .append(" at ").append(c).append(c == 1 ? " caller" : " callers");
    }
    if (cells.length() == 0) return;
    b.append("B/A req/s per round, lowest – highest: ").append(cells).append(".\n\n");
  }

  /** The goals of issue 7, checked per concurrency; goals, not assertions. */
  private static void targets(StringBuilder b, Summary summary) {
    b.append("Targets (goals, not assertions):\n\n");
    b.append("| concurrency | B ≥ 0.95× A req/s | B ≤ 1.1× A p99 | B ≥ 1.3× best sidecar req/s | B p99 < best sidecar p99 |\n");
    b.append("|---:|:---|:---|:---|:---|\n");
    for (int c : summary.concurrency()) {
      Summary.Ratio ba = summary.ratio("B", "A", c);
      String best = summary.bestSidecar(c);
      Summary.Ratio bs = best == null ? null : summary.ratio("B", best, c);
      b.append("| ").append(c).append(" | ")
          .append(ba == null ? "–" : mark(ba.throughput() >= 0.95) + " " + ratio(ba.throughput())).append(" | ")
          .append(ba == null ? "–" : mark(ba.p99() <= 1.1) + " " + ratio(ba.p99())).append(" | ")
          .append(bs == null ? "–" : mark(bs.throughput() >= 1.3) + " " + ratio(bs.throughput()) + " vs " + best).append(" | ")
          .append(bs == null ? "–" : mark(bs.p99() < 1.0) + " " + ratio(bs.p99()) + " vs " + best).append(" |\n");
    }
    b.append('\n');
  }

  /**
   * Issue 9's comparison: the hop through the mesh4j gateway (G) against the hop through nginx
   * (D), both seen from the same plain OkHttp client; the hop's CPU is its process's (the sidecar
   * column). Printed when both ran at some concurrency.
   */
  static void gateway(StringBuilder b, Summary summary) {
    StringBuilder rows = new StringBuilder();
    for (int c : summary.concurrency()) {
      Summary.Row g = summary.row("G", c);
      Summary.Row d = summary.row("D", c);
      if (g == null || d == null) continue;
      double cpu = g.sidecarCpu() / d.sidecarCpu();
      Summary.Ratio r = summary.ratio("G", "D", c);
      rows.append("| ").append(c).append(" | ")
          .append(micros(g.sidecarCpu())).append(" | ").append(micros(d.sidecarCpu())).append(" | ")
          .append(Double.isFinite(cpu) ? mark(cpu <= 1.0) + " " + ratio(cpu) : "–").append(" | ")
          .append(r == null ? "–" : ratio(r.throughput())).append(" | ")
          .append(r == null ? "–" : ratio(r.p99())).append(" |\n");
    }
    if (rows.length() > 0) {
      b.append("Gateway hop (issue 9): G (MeshFilter + mesh-gateway) against D (nginx), hop CPU per request from\n")
          .append("the hop's own process (target, a goal: G ≤ D); G/D req/s and p99 are median per-round ratios:\n\n");
      b.append("| concurrency | G hop CPU/req | D hop CPU/req | G/D hop CPU | G/D req/s | G/D p99 |\n");
      b.append("|---:|---:|---:|:---|---:|---:|\n");
      b.append(rows).append('\n');
    }
    jettyFloor(b, summary);
  }

  /**
   * Scenario J (Jetty's own reverse proxy, no mesh4j) against D (nginx), and G against J where both
   * ran: how much of the gateway hop is Jetty's server and client, and how much is mesh4j's.
   */
  private static void jettyFloor(StringBuilder b, Summary summary) {
    StringBuilder rows = new StringBuilder();
    for (int c : summary.concurrency()) {
      Summary.Row j = summary.row("J", c);
      Summary.Row d = summary.row("D", c);
      if (j == null || d == null) continue;
      Summary.Row g = summary.row("G", c);
      Summary.Ratio r = summary.ratio("J", "D", c);
      double jd = j.sidecarCpu() / d.sidecarCpu();
      double gj = g == null ? Double.NaN : g.sidecarCpu() / j.sidecarCpu();
      rows.append("| ").append(c).append(" | ")
          .append(micros(j.sidecarCpu())).append(" | ").append(micros(d.sidecarCpu())).append(" | ")
          .append(Double.isFinite(jd) ? ratio(jd) : "–").append(" | ")
          .append(r == null ? "–" : ratio(r.throughput())).append(" | ")
          .append(Double.isFinite(gj) ? ratio(gj) : "–").append(" |\n");
    }
    if (rows.length() == 0) return;
    b.append("Jetty's own reverse proxy (J: `ProxyHandler.Reverse`, no servlet layer, no mesh4j) against D\n")
        .append("(nginx), and the mesh4j gateway (G) against J: the floor of a hop on Jetty's server and client:\n\n");
    b.append("| concurrency | J hop CPU/req | D hop CPU/req | J/D hop CPU | J/D req/s | G/J hop CPU |\n");
    b.append("|---:|---:|---:|---:|---:|---:|\n");
    b.append(rows).append('\n');
  }

  private static void changes(StringBuilder b, Summary summary, Previous previous) {
    if (previous == null) {
      b.append("No earlier run was recorded in this file.\n");
      return;
    }
    b.append("Previous: ").append(previous.get("date")).append(", ").append(previous.get("mode")).append(" profile, ")
        .append(previous.get("cores")).append(" cores");
    if (previous.get("revision") != null) b.append(", revision ").append(previous.get("revision"));
    b.append(". Ratios compare across runs and machines; absolute figures only on the same quiet machine.\n\n");
    b.append("| concurrency | B req/s then → now | B p99 then → now |");
    for (List<String> pair : Summary.PAIRS) {
      String name = pair.get(0) + "/" + pair.get(1);
      b.append(' ').append(name).append(" req/s then → now |");
    }
    b.append('\n').append("|---:|---:|---:|").append("---:|".repeat(Summary.PAIRS.size())).append('\n');
    for (int c : summary.concurrency()) {
      double[] then = previous.pair("B@" + c);
      Summary.Row now = summary.row("B", c);
      b.append("| ").append(c).append(" | ")
          .append(then == null ? "–" : count(then[0])).append(" → ").append(now == null ? "–" : count(now.throughput())).append(" | ")
          .append(then == null ? "–" : micros(then[1])).append(" → ").append(now == null ? "–" : micros(now.p99())).append(" |");
      for (List<String> pair : Summary.PAIRS) {
        double[] r0 = previous.pair(pair.get(0) + pair.get(1) + "@" + c);
        Summary.Ratio r1 = summary.ratio(pair.get(0), pair.get(1), c);
        b.append(' ').append(r0 == null ? "–" : ratio(r0[0])).append(" → ").append(r1 == null ? "–" : ratio(r1.throughput())).append(" |");
      }
      b.append('\n');
    }
  }

  /** The machine-readable line the next run compares against. */
  static String data(RunInfo info, Summary summary) {
    StringBuilder b = new StringBuilder(DATA).append("v=1");
    b.append(" date=").append(encode(DATE.format(info.date())));
    b.append(" mode=").append(info.quick() ? "quick" : "full");
    b.append(" cores=").append(info.cores());
    if (info.revision() != null) b.append(" revision=").append(encode(info.revision()));
    for (int c : summary.concurrency()) {
      for (String s : summary.scenarios()) {
        Summary.Row r = summary.row(s, c);
        if (r != null) b.append(' ').append(s).append('@').append(c).append('=').append(number(r.throughput())).append(',').append(number(r.p99()));
      }
      for (List<String> pair : Summary.PAIRS) {
        Summary.Ratio r = summary.ratio(pair.get(0), pair.get(1), c);
        if (r != null) b.append(' ').append(pair.get(0)).append(pair.get(1)).append('@').append(c).append('=').append(number(r.throughput())).append(',').append(number(r.p99()));
      }
    }
    return b.append(" -->").toString();
  }

  /** {@code document} with its e2e section replaced by (or, without one, appended with) {@code section}. */
  static String insert(String document, String section) {
    return MarkdownSection.replace(document, SECTION, section);
  }

  /**
   * Refuses a document whose e2e markers are damaged, before a run spends minutes measuring.
   *
   * @throws IllegalArgumentException naming the missing or repeated marker
   */
  static void check(String document) {
    MarkdownSection.validate(document, SECTION);
  }

  /** The figures recorded in the e2e section of {@code document}, or null when there are none. */
  static Previous previous(String document) {
    String body = MarkdownSection.body(document, SECTION);
    if (body == null) return null;
    int data = body.indexOf(DATA);
    if (data < 0) return null;
    int close = body.indexOf("-->", data);
    if (close < 0) return null;
    Map<String, String> values = new LinkedHashMap<>();
    for (String token : body.substring(data + DATA.length(), close).strip().split(" +")) {
      int eq = token.indexOf('=');
      if (eq > 0) values.put(token.substring(0, eq), URLDecoder.decode(token.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return values.containsKey("v") ? new Previous(values) : null;
  }

  /** What an earlier run recorded. */
  record Previous(Map<String, String> values) {
    Previous {
      values = Map.copyOf(values);
    }

    String get(String key) {
      return values.get(key);
    }

    /** A recorded {@code throughput,p99} pair, or null when absent or malformed. */
    double[] pair(String key) {
      String v = values.get(key);
      if (v == null) return null;
      String[] parts = v.split(",");
      if (parts.length != 2) return null;
      try {
        return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  private static boolean hasRatios(Summary summary) {
    for (int c : summary.concurrency()) {
      for (List<String> pair : Summary.PAIRS) {
        if (summary.ratio(pair.get(0), pair.get(1), c) != null) return true;
      }
    }
    return false;
  }

  static String count(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,d", Math.round(v));
  }

  /** Microseconds with three significant digits; milliseconds from 10 ms up. */
  static String micros(double us) {
    if (Double.isNaN(us)) return "–";
    if (us >= 10_000) return String.format(Locale.ROOT, "%.1f ms", us / 1000);
    if (us >= 100) return String.format(Locale.ROOT, "%d µs", Math.round(us));
    if (us >= 10) return String.format(Locale.ROOT, "%.1f µs", us);
    return String.format(Locale.ROOT, "%.2f µs", us);
  }

  static String bytes(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,d B", Math.round(v));
  }

  static String ratio(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f×", v);
  }

  private static String mark(boolean met) {
    return met ? "✓" : "✗";
  }

  private static String number(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String seconds(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  private static String minutes(java.time.Duration d) {
    long s = d.toSeconds();
    return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
  }
}
