package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link BackendServer} in a separate JVM ({@link ChildJvm}), so the backends' CPU never shows up
 * in the client's figures. Idempotent close.
 */
final class BackendProcess implements AutoCloseable {
  private final ChildJvm jvm;
  private final int[] ports;

  private BackendProcess(ChildJvm jvm, int[] ports) {
    this.jvm = jvm;
    this.ports = ports;
  }

  /**
   * Starts {@code count} backends and waits until they listen.
   *
   * @param log where the child's standard error goes
   * @throws IOException when the JVM cannot start or exits before printing its ports
   */
  static BackendProcess start(int count, Path log) throws IOException {
    return start(count, null, log);
  }

  /**
   * Starts {@code count} backends whose {@code GET /} takes {@code serviceMillis} (comma-separated
   * milliseconds per backend, e.g. {@code "1,1,10"}; {@code null}: no delay).
   */
  static BackendProcess start(int count, String serviceMillis, Path log) throws IOException {
    List<String> args = serviceMillis == null
        ? List.of(Integer.toString(count)) : List.of(Integer.toString(count), serviceMillis);
    ChildJvm jvm = ChildJvm.start(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"),
        BackendServer.class, args, "ports: ", log);
    String[] parts = jvm.ready().split(",");
    int[] ports = new int[parts.length];
    for (int i = 0; i < parts.length; i++) ports[i] = Integer.parseInt(parts[i].strip());
    return new BackendProcess(jvm, ports);
  }

  int[] ports() {
    return ports.clone();
  }

  /** Whether the JVM still runs. */
  boolean isAlive() {
    return jvm.isAlive();
  }

  /** The JVM's exit status (0 after a stop through stdin, 143 after SIGTERM). */
  int exitValue() {
    return jvm.exitValue();
  }

  @Override
  public void close() {
    jvm.close();
  }
}
