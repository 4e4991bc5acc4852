package io.mesh4j.reliability;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes a long run's figures as a Markdown table into docs/reliability.md, replacing whatever is
 * between {@value #BEGIN} and {@value #END} (as benchmarks/run-e2e.sh does for
 * docs/benchmarks.md). Fails when the markers are missing, so a run never silently writes nothing.
 */
final class ReliabilityReport {
  static final String BEGIN = "<!-- reliability:begin -->";
  static final String END = "<!-- reliability:end -->";

  private ReliabilityReport() {}

  static void write(Path page, ChaosTest.Figures f, long heapGrowthMb, int threadsLeft) throws IOException {
    String text = Files.readString(page, StandardCharsets.UTF_8);
    // The markers count only on lines of their own (the page's prose may quote them).
    int b = text.indexOf("\n" + BEGIN + "\n");
    int e = b < 0 ? -1 : text.indexOf("\n" + END + "\n", b);
    if (b < 0 || e < 0) {
      throw new IllegalStateException(page + ": lines " + BEGIN + " and " + END + " missing");
    }
    String table = table(f, heapGrowthMb, threadsLeft);
    String out = text.substring(0, b + 1 + BEGIN.length()) + "\n" + table + text.substring(e + 1);
    Files.writeString(page, out, StandardCharsets.UTF_8);
  }

  static String table(ChaosTest.Figures f, long heapGrowthMb, int threadsLeft) {
    StringBuilder s = new StringBuilder();
    s.append("Run of ")
        .append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
        .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
        .append(System.getProperty("java.version")).append(", load average at the end ")
        .append(String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .append(".\n\n");
    s.append("| figure | value |\n| --- | --- |\n");
    row(s, "wall time", f.wall().toSeconds() + " s (" + f.cycles() + " fault cycles)");
    row(s, "requests (GET + POST)", f.requests() + String.format(Locale.ROOT, " (%.0f/s)",
        f.requests() / Math.max(1.0, f.wall().toMillis() / 1000.0)));
    row(s, "faults injected (kills, stalls, resets, 503 bursts, lies, slowdowns)", Long.toString(f.faultsInjected()));
    row(s, "GETs while ≥1 backend usable", Long.toString(f.getsOutside()));
    row(s, "… succeeded", f.getsOutsideOk() + " (" + pct(f.getsOutsideOk(), f.getsOutside()) + ")");
    row(s, "… body cut after the headers (reset mid-response; not retriable by policy)",
        Long.toString(f.getsOutside() - f.getsOutsideOk()));
    row(s, "… any other failure", "0 (asserted)");
    row(s, "GETs during the all-backends-failing outage (policy window)",
        f.getsInside() + ", of which " + f.getsInsideOk() + " succeeded");
    row(s, "GET arrivals beyond the first (GET retried after a reset or per-try timeout)",
        Long.toString(f.getDuplicateArrivals()));
    row(s, "POSTs sent / succeeded / reached a backend", f.posts() + " / " + f.postsOk() + " / " + f.postsReceived());
    row(s, "**POSTs that reached a backend twice**", "**" + f.postDuplicates() + "**");
    row(s, "outlier ejections enforced", Long.toString(f.ejections()));
    row(s, "circuit breaker: transitions to open (half-open probes that failed included) / to closed",
        f.breakerOpenings() + " / " + f.breakerClosings());
    row(s, "health transitions to unhealthy / healthy", f.unhealthyEvents() + " / " + f.healthyEvents());
    row(s, "threads left after close (OkHttp's shared runner excluded)", Integer.toString(threadsLeft));
    row(s, "pooled connections busy at the end / after evictAll", "0 / 0");
    row(s, "heap growth after GC", heapGrowthMb + " MB");
    s.append('\n');
    return s.toString();
  }

  private static void row(StringBuilder s, String k, String v) {
    s.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }

  private static String pct(long n, long d) {
    return d == 0 ? "n/a" : String.format(Locale.ROOT, "%.4f %%", 100.0 * n / d);
  }
}
