package io.mesh4j.benchmarks.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-to-end comparison's command line.
 *
 * <pre>
 * --quick               1-minute smoke: 2 rounds of 0.5 s warm-up + 2 s measured per cell
 * --rounds N            interleaved rounds (default 3)
 * --warmup D            warm-up per cell (default 2s)
 * --measure D           measured window per cell (default 7s)
 * --concurrency 1,16,64 load threads per cell
 * --scenarios A,B,C,D,G which scenarios to run (B/A, B/C, B/D, G/D, J/D need both sides); J (Jetty's
 *                        own reverse proxy) only when listed
 * --out FILE            write the Markdown section into FILE between the e2e markers
 * --command TEXT        the command line to record in the report
 * --revision TEXT       the source revision to record in the report
 * </pre>
 *
 * Durations take {@code ms} or {@code s}. Immutable.
 *
 * @param quick whether this is the short smoke profile (recorded in the report)
 * @param rounds interleaved rounds, >= 1
 * @param warmup warm-up per cell
 * @param measure measured window per cell, > 0
 * @param initialWarmup one extra run per scenario at concurrency 16 before round 1, not recorded
 * @param concurrency load threads per cell, each >= 1, in run order
 * @param scenarios scenario keys in run order (subset of A, B, C, D, G)
 * @param out where to write the report section, or null to print it only
 * @param command the command to record
 * @param revision the source revision to record, or null
 */
record E2eOptions(
    boolean quick,
    int rounds,
    Duration warmup,
    Duration measure,
    Duration initialWarmup,
    List<Integer> concurrency,
    List<String> scenarios,
    Path out,
    String command,
    String revision) {

  static final String USAGE =
      "usage: E2eMain [--quick] [--rounds N] [--warmup D] [--measure D] [--concurrency 1,16,64]"
          + " [--scenarios A,B,C,D,G,J] [--out FILE] [--command TEXT] [--revision TEXT]";

  E2eOptions {
    concurrency = List.copyOf(concurrency);
    scenarios = List.copyOf(scenarios);
  }

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException naming the bad argument, with {@link #USAGE}
   */
  static E2eOptions parse(String... args) {
    boolean quick = false;
    Integer rounds = null;
    Duration warmup = null;
    Duration measure = null;
    List<Integer> concurrency = List.of(1, 16, 64);
    List<String> scenarios = List.of("A", "B", "C", "D", "G");
    Path out = null;
    String command = null;
    String revision = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--quick" -> quick = true;
        case "--rounds" -> {
          rounds = parseInt(arg, value(args, ++i, arg));
          if (rounds < 1) throw bad(arg, rounds + " (expected: >= 1)");
        }
        case "--warmup" -> warmup = parseDuration(arg, value(args, ++i, arg), true);
        case "--measure" -> measure = parseDuration(arg, value(args, ++i, arg), false);
        case "--concurrency" -> concurrency = parseConcurrency(arg, value(args, ++i, arg));
        case "--scenarios" -> scenarios = parseScenarios(arg, value(args, ++i, arg));
        case "--out" -> out = Path.of(value(args, ++i, arg));
        case "--command" -> command = value(args, ++i, arg);
        case "--revision" -> revision = value(args, ++i, arg);
        default -> throw new IllegalArgumentException("unknown argument: " + arg + "\n" + USAGE);
      }
    }
    if (rounds == null) rounds = quick ? 2 : 3;
    if (warmup == null) warmup = quick ? Duration.ofMillis(500) : Duration.ofSeconds(2);
    if (measure == null) measure = quick ? Duration.ofSeconds(2) : Duration.ofSeconds(7);
    Duration initialWarmup = quick ? Duration.ofSeconds(1) : Duration.ofSeconds(4);
    if (command == null) command = "java io.mesh4j.benchmarks.e2e.E2eMain " + String.join(" ", args);
    return new E2eOptions(quick, rounds, warmup, measure, initialWarmup, concurrency, scenarios, out, command, revision);
  }

  /** The planned load time: the initial warm-up runs plus every cell of every round. */
  Duration plannedLoadTime() {
    Duration initial = initialWarmup.plus(Duration.ofMillis(500)).multipliedBy(scenarios.size());
    Duration cells = warmup.plus(measure).multipliedBy((long) rounds * concurrency.size() * scenarios.size());
    return initial.plus(cells);
  }

  private static String value(String[] args, int i, String name) {
    if (i >= args.length) throw bad(name, "missing value");
    return args[i];
  }

  private static int parseInt(String name, String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw bad(name, text + " (expected: an integer)");
    }
  }

  static Duration parseDuration(String name, String text, boolean zeroAllowed) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    Duration d;
    try {
      if (t.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      else if (t.endsWith("s")) d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      else throw bad(name, text + " (expected: a duration like 500ms or 2s)");
    } catch (NumberFormatException e) {
      throw bad(name, text + " (expected: a duration like 500ms or 2s)");
    }
    if (d.isNegative() || (!zeroAllowed && d.isZero())) {
      throw bad(name, text + (zeroAllowed ? " (expected: >= 0)" : " (expected: > 0)"));
    }
    return d;
  }

  private static List<Integer> parseConcurrency(String name, String text) {
    List<Integer> list = new ArrayList<>();
    for (String part : text.split(",")) {
      int c = parseInt(name, part);
      if (c < 1 || c > 1024) throw bad(name, part.strip() + " (expected: 1-1024)");
      list.add(c);
    }
    return list;
  }

  private static List<String> parseScenarios(String name, String text) {
    List<String> list = new ArrayList<>();
    for (String part : text.split(",")) {
      String key = part.strip().toUpperCase(Locale.ROOT);
      if (!List.of("A", "B", "C", "D", "G", "J").contains(key)) throw bad(name, part.strip() + " (expected: A, B, C, D, G or J)");
      if (list.contains(key)) throw bad(name, key + " listed twice");
      list.add(key);
    }
    return list;
  }

  private static IllegalArgumentException bad(String name, String message) {
    return new IllegalArgumentException(name + ": " + message + "\n" + USAGE);
  }
}
