package io.mesh4j.benchmarks.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a report says about the machine and JVM a run used. Reads {@code /proc} on Linux and
 * answers {@code unknown} elsewhere; never throws. Thread-safe.
 */
public final class Machine {
  private Machine() {}

  /** Available processors, as {@code nproc} reports them to this JVM. */
  public static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** The first {@code model name} in {@code /proc/cpuinfo}, or {@code unknown}. */
  public static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          int colon = line.indexOf(':');
          if (colon > 0) return line.substring(colon + 1).strip().replaceAll("\\s+", " ");
        }
      }
    } catch (IOException ignored) {
      // Not Linux: fall through.
    }
    return "unknown";
  }

  /** The 1-minute load average now (first field of {@code /proc/loadavg}), or {@code unknown}. */
  public static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).strip().split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Operating system name, version and architecture. */
  public static String os() {
    return System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
  }

  /** This JVM's name, runtime version and vendor. */
  public static String jdk() {
    return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + " (" + System.getProperty("java.vm.vendor") + ")";
  }

  /** This JVM's input arguments, or {@code (defaults)}. */
  public static String jvmArgs() {
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    return args.isEmpty() ? "(defaults)" : String.join(" ", args);
  }
}
