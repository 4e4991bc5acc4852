package io.mesh4j.benchmarks.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server main run in a JVM of its own (this JVM's {@code java} and class path), so its CPU never
 * shows up in the client's figures and can be read from {@code /proc} like a sidecar's. The child
 * announces that it is ready by printing one line starting with a known prefix on standard output;
 * it stops when its standard input closes, which {@link #close()} does first, and a child that
 * lingers is killed. Idempotent close; thread-safe.
 */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final String ready;

  private ChildJvm(Process process, String ready) {
    this.process = process;
    this.ready = ready;
  }

  /** In a child's {@code main}: the ports of a {@code p1,p2,p3} argument. */
  static int[] ports(String arg) {
    String[] parts = arg.split(",");
    int[] ports = new int[parts.length];
    for (int i = 0; i < parts.length; i++) ports[i] = Integer.parseInt(parts[i].strip());
    return ports;
  }

  /** In a child's {@code main}: returns once the parent closes this JVM's standard input (or dies). */
  static void awaitStdinEnd() throws IOException {
    byte[] buffer = new byte[64];
    while (System.in.read(buffer) != -1) {
      // Nothing to read: the parent only ever closes it.
    }
  }

  /**
   * Starts {@code main} with {@code jvmFlags} and {@code args} and waits for its ready line.
   *
   * @param readyPrefix what the ready line starts with, e.g. {@code "port: "}
   * @param log where the child's standard error goes
   * @throws IOException when the JVM cannot start or exits before printing its ready line
   */
  static ChildJvm start(
      List<String> jvmFlags, Class<?> main, List<String> args, String readyPrefix, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    String line;
    try {
      // The JVM's own startup lines (a JFR recording announces itself on stdout) come first.
      do {
        line = out.readLine();
      } while (line != null && line.startsWith("[") && !line.startsWith(readyPrefix));
    } catch (IOException e) {
      Processes.stop(process);
      throw e;
    }
    if (line == null || !line.startsWith(readyPrefix)) {
      Processes.stop(process);
      throw new IOException(main.getSimpleName() + " JVM did not start (" + line + "): "
          + Files.readString(log, StandardCharsets.UTF_8).strip());
    }
    return new ChildJvm(process, line.substring(readyPrefix.length()).strip());
  }

  /** The rest of the ready line, after its prefix. */
  String ready() {
    return ready;
  }

  /** CPU time of the child so far (every thread: its work, GC, JIT), in nanoseconds. */
  long cpuNanos() {
    return ProcCpu.treeNanos(process.toHandle());
  }

  /** The JVM's process, for its CPU time ({@link ProcCpu}). */
  ProcessHandle handle() {
    return process.toHandle();
  }

  /** Whether the JVM still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** The JVM's exit status (0 after a stop through stdin, 143 after SIGTERM). */
  int exitValue() {
    return process.exitValue();
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException ignored) {
      // Already gone.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.stop(process);
  }
}
