package io.mesh4j.benchmarks.jmh;

import io.mesh4j.benchmarks.report.Machine;
import io.mesh4j.benchmarks.report.MarkdownSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH suite with the short profile of {@code benchmarks/run-jmh.sh} — one fork, 2 × 500
 * ms warm-up and 3 × 500 ms measured iterations per benchmark and parameter set, with the GC
 * profiler — and prints a summary table (score, error, allocation per operation).
 *
 * <pre>
 * java -cp benchmarks.jar io.mesh4j.benchmarks.jmh.JmhRunner [--out FILE] [--json FILE] [--command TEXT] [REGEX...]
 * </pre>
 *
 * With no regex every benchmark runs; {@code --json} writes JMH's own JSON results; {@code --out}
 * writes the summary into FILE between {@code <!-- jmh:begin -->} and {@code <!-- jmh:end -->}.
 * Exit status 0 on success, 2 on bad arguments, 1 when a benchmark failed.
 */
public final class JmhRunner {
  /** The documentation section the summary goes to. */
  public static final String SECTION = "jmh";
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private JmhRunner() {}

  /** Runs the suite; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    List<String> includes = new ArrayList<>();
    Path out = null;
    Path json = null;
    String command = "java io.mesh4j.benchmarks.jmh.JmhRunner " + String.join(" ", args);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out", "--json", "--command" -> {
          if (i + 1 >= args.length) {
            System.err.println(args[i] + ": missing value");
            System.exit(2);
          }
          String value = args[++i];
          if (args[i - 1].equals("--out")) out = Path.of(value);
          else if (args[i - 1].equals("--json")) json = Path.of(value);
          else command = value;
        }
        default -> {
          if (args[i].startsWith("--")) {
            System.err.println("unknown argument: " + args[i]);
            System.exit(2);
          }
          includes.add(args[i]);
        }
      }
    }
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    String loadStart = Machine.loadAverage();
    Collection<RunResult> results;
    try {
      results = new Runner(shortProfile(includes, json).build()).run();
    } catch (RunnerException e) {
      System.err.println("JMH run failed: " + e.getMessage());
      System.exit(1);
      return;
    }
    String table = JmhSummary.table(results);
    String section =
        "### JMH short profile\n\n"
            + "| | |\n|---|---|\n"
            + "| date | " + DATE.format(started) + " |\n"
            + "| command | `" + command + "` |\n"
            + "| profile | 1 fork, 2 × 500 ms warm-up + 3 × 500 ms measured per benchmark, `-prof gc` |\n"
            + "| machine | " + Machine.cores() + " cores, " + Machine.cpuModel() + ", " + Machine.os()
            + "; 1-min load average " + loadStart + " at start, " + Machine.loadAverage() + " at end |\n"
            + "| JDK | " + Machine.jdk() + " |\n"
            + "| run time | " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s |\n\n"
            + table;
    System.out.println();
    System.out.println(section);
    if (out != null) {
      String existing = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
      Files.writeString(out, MarkdownSection.replace(existing, SECTION, section), StandardCharsets.UTF_8);
      System.out.println("wrote " + out);
    }
    if (results.isEmpty()) {
      System.err.println("no benchmark matched " + includes);
      System.exit(1);
    }
  }

  /** The short profile over the benchmarks matching {@code includes} (all when empty). */
  static ChainedOptionsBuilder shortProfile(List<String> includes, Path json) {
    ChainedOptionsBuilder b = new OptionsBuilder()
        .forks(1)
        .warmupIterations(2)
        .warmupTime(TimeValue.milliseconds(500))
        .measurementIterations(3)
        .measurementTime(TimeValue.milliseconds(500))
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true);
    if (includes.isEmpty()) b.include("io\\.mesh4j\\.benchmarks\\..*");
    for (String include : includes) b.include(include);
    if (json != null) b.result(json.toString()).resultFormat(ResultFormatType.JSON);
    return b;
  }
}
