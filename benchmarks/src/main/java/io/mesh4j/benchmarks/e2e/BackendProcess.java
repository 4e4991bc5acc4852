package io.mesh4j.benchmarks.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link BackendServer} in a separate JVM (this JVM's {@code java} and class path), so the
 * backends' CPU never shows up in the client's figures. The child stops when its standard input
 * closes, which {@link #close()} does first; a child that lingers is killed. Idempotent close.
 */
final class BackendProcess implements AutoCloseable {
  private final Process process;
  private final int[] ports;

  private BackendProcess(Process process, int[] ports) {
    this.process = process;
    this.ports = ports;
  }

  /**
   * Starts {@code count} backends and waits until they listen.
   *
   * @param log where the child's standard error goes
   * @throws IOException when the JVM cannot start or exits before printing its ports
   */
  static BackendProcess start(int count, Path log) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(
        java.toString(), "-Xms256m", "-Xmx256m", "-XX:+UseParallelGC",
        "-cp", System.getProperty("java.class.path"),
        BackendServer.class.getName(), Integer.toString(count)));
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    String line;
    try {
      line = out.readLine();
    } catch (IOException e) {
      Processes.stop(process);
      throw e;
    }
    if (line == null || !line.startsWith("ports: ")) {
      Processes.stop(process);
      throw new IOException("backend JVM did not start (" + line + "): " + Files.readString(log, StandardCharsets.UTF_8).strip());
    }
    String[] parts = line.substring("ports: ".length()).split(",");
    int[] ports = new int[parts.length];
    for (int i = 0; i < parts.length; i++) ports[i] = Integer.parseInt(parts[i].strip());
    return new BackendProcess(process, ports);
  }

  int[] ports() {
    return ports.clone();
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
      process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException ignored) {
      // Already gone.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Processes.stop(process);
  }
}
