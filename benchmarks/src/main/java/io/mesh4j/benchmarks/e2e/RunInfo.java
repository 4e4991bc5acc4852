package io.mesh4j.benchmarks.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Where, when and how a comparison ran: everything the report states besides the figures.
 * Immutable.
 *
 * @param date when the run started
 * @param command the exact command
 * @param revision the source revision, or null when unknown
 * @param quick whether it was the short smoke profile
 * @param rounds interleaved rounds
 * @param warmup warm-up per cell
 * @param measure measured window per cell
 * @param cores available processors
 * @param cpuModel the first {@code model name} in {@code /proc/cpuinfo}, or {@code unknown}
 * @param os operating system name, version and architecture
 * @param jdk the client JVM's name and version
 * @param jvmArgs the client JVM's input arguments
 * @param loadStart the 1-minute load average when the run started, or {@code unknown}
 * @param loadEnd the 1-minute load average when it ended, or {@code unknown}
 * @param labels what each scenario key stands for, in run order
 * @param elapsed the whole run's wall time
 */
record RunInfo(
    Instant date,
    String command,
    String revision,
    boolean quick,
    int rounds,
    Duration warmup,
    Duration measure,
    int cores,
    String cpuModel,
    String os,
    String jdk,
    String jvmArgs,
    String loadStart,
    String loadEnd,
    Map<String, String> labels,
    Duration elapsed) {

  RunInfo {
    labels = Map.copyOf(labels);
  }
}
