package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time of other processes from Linux's {@code /proc/<pid>/stat} (user + system, all threads),
 * used for the sidecars, whose CPU the client JVM cannot see. Resolution is one clock tick
 * ({@code getconf CLK_TCK}, normally 10 ms), fine over a window of seconds.
 */
final class ProcCpu {
  private static final long NANOS_PER_TICK = 1_000_000_000L / clockTicksPerSecond();

  private ProcCpu() {}

  /** CPU nanoseconds of {@code root} and its living descendants; processes that vanished count 0. */
  static long treeNanos(ProcessHandle root) {
    long ticks = ticks(root.pid());
    for (ProcessHandle child : root.descendants().toList()) ticks += ticks(child.pid());
    return ticks * NANOS_PER_TICK;
  }

  /** utime + stime of one process, in clock ticks, or 0 when it is gone. */
  static long ticks(long pid) {
    try {
      return parseTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
    } catch (IOException gone) {
      return 0;
    }
  }

  /**
   * utime + stime from one {@code /proc/<pid>/stat} line: fields 14 and 15, counted after the
   * command name, which is in parentheses and may itself contain spaces and parentheses.
   *
   * @throws IllegalArgumentException when the line is not in that format
   */
  static long parseTicks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) throw new IllegalArgumentException("not a /proc stat line: " + stat);
    String[] fields = stat.substring(close + 1).strip().split(" +");
    // fields[0] is field 3 (state), so field n is fields[n - 3].
    if (fields.length < 13) throw new IllegalArgumentException("not a /proc stat line: " + stat);
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static long clockTicksPerSecond() {
    try {
      long ticks = Long.parseLong(Processes.output(List.of("getconf", "CLK_TCK")).strip());
      return ticks > 0 ? ticks : 100;
    } catch (IOException | NumberFormatException e) {
      return 100;
    }
  }
}
