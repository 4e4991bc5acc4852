package io.mesh4j.benchmarks.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link GatewayServer} in a separate JVM (this JVM's {@code java} and class path), so its CPU can
 * be read from {@code /proc} like a sidecar's and never shows up in the client's figures. The
 * child stops when its standard input closes, which {@link #close()} does first; a child that
 * lingers is killed. Idempotent close; thread-safe.
 */
final class GatewayProcess implements AutoCloseable {
  /** The gateway JVM's flags, also named in the report. */
  static final List<String> JVM_FLAGS = List.of("-Xms256m", "-Xmx256m");

  private final Process process;
  private final int port;

  private GatewayProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts a gateway in front of {@code backendPorts} and waits until it listens.
   *
   * @param log where the child's standard error goes
   * @throws IOException when the JVM cannot start or exits before printing its port
   */
  static GatewayProcess start(int[] backendPorts, Path log) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    StringBuilder ports = new StringBuilder();
    for (int p : backendPorts) ports.append(ports.length() == 0 ? "" : ",").append(p);
    List<String> command = new java.util.ArrayList<>();
    command.add(java.toString());
    command.addAll(JVM_FLAGS);
    String async = System.getProperty(GatewayServer.ASYNC_PROPERTY);
    if (async != null) command.add("-D" + GatewayServer.ASYNC_PROPERTY + "=" + async);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayServer.class.getName(), ports.toString()));
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    String line;
    try {
      line = out.readLine();
    } catch (IOException e) {
      Processes.stop(process);
      throw e;
    }
    if (line == null || !line.startsWith("port: ")) {
      Processes.stop(process);
      throw new IOException("gateway JVM did not start (" + line + "): " + Files.readString(log, StandardCharsets.UTF_8).strip());
    }
    return new GatewayProcess(process, Integer.parseInt(line.substring("port: ".length()).strip()));
  }

  /** The 127.0.0.1 port the gateway listens on. */
  int port() {
    return port;
  }

  /** CPU time of the gateway JVM so far (every thread: Jetty, OkHttp, GC, JIT), in nanoseconds. */
  long cpuNanos() {
    return ProcCpu.treeNanos(process.toHandle());
  }

  /** Whether the JVM still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** The JVM's exit status (0 after a stop through stdin). */
  int exitValue() {
    return process.exitValue();
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException ignored) {
      // Already gone.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.stop(process);
  }
}
