package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GatewayServer} in a separate JVM ({@link ChildJvm}), so its CPU can be read from {@code
 * /proc} like a sidecar's and never shows up in the client's figures. Idempotent close;
 * thread-safe.
 */
final class GatewayProcess implements AutoCloseable {
  /** The gateway JVM's flags, also named in the report. */
  static final List<String> JVM_FLAGS = List.of("-Xms256m", "-Xmx256m");
  /**
   * A file name: the gateway JVM records a JFR profile ({@code settings=profile}, Java samples
   * every millisecond, stacks to 256 frames) there, written
   * when it stops; e.g. {@code java -Dmesh4j.bench.gateway.jfr=gateway.jfr … E2eMain}.
   */
  static final String JFR_PROPERTY = "mesh4j.bench.gateway.jfr";

  private final ChildJvm jvm;
  private final int port;

  private GatewayProcess(ChildJvm jvm, int port) {
    this.jvm = jvm;
    this.port = port;
  }

  /**
   * Starts a gateway in front of {@code backendPorts} and waits until it listens.
   *
   * @param log where the child's standard error goes
   * @throws IOException when the JVM cannot start or exits before printing its port
   */
  static GatewayProcess start(int[] backendPorts, Path log) throws IOException {
    StringBuilder ports = new StringBuilder();
    for (int p : backendPorts) ports.append(ports.length() == 0 ? "" : ",").append(p);
    List<String> flags = new ArrayList<>(JVM_FLAGS);
    String async = System.getProperty(GatewayServer.ASYNC_PROPERTY);
    if (async != null) flags.add("-D" + GatewayServer.ASYNC_PROPERTY + "=" + async);
    String transport = System.getProperty(GatewayServer.TRANSPORT_PROPERTY);
    if (transport != null) flags.add("-D" + GatewayServer.TRANSPORT_PROPERTY + "=" + transport);
    String jfr = System.getProperty(JFR_PROPERTY);
    if (jfr != null && !jfr.isBlank()) {
      // Java samples every millisecond per thread, with whole stacks.
      flags.add("-XX:FlightRecorderOptions:stackdepth=256");
      flags.add("-XX:StartFlightRecording=settings=profile,method-profiling=max,filename=" + jfr);
    }
    ChildJvm jvm = ChildJvm.start(flags, GatewayServer.class, List.of(ports.toString()), "port: ", log);
    return new GatewayProcess(jvm, Integer.parseInt(jvm.ready()));
  }

  /**
   * Starts scenario J's hop, Jetty's own reverse proxy ({@link JettyProxyServer}), with the same
   * JVM flags, in front of {@code backendPorts}, and waits until it listens.
   */
  static GatewayProcess startJettyProxy(int[] backendPorts, Path log) throws IOException {
    StringBuilder ports = new StringBuilder();
    for (int p : backendPorts) ports.append(ports.length() == 0 ? "" : ",").append(p);
    ChildJvm jvm = ChildJvm.start(new ArrayList<>(JVM_FLAGS), JettyProxyServer.class,
        List.of(ports.toString()), "port: ", log);
    return new GatewayProcess(jvm, Integer.parseInt(jvm.ready()));
  }

  /** The 127.0.0.1 port the gateway listens on. */
  int port() {
    return port;
  }

  /** CPU time of the gateway JVM so far (every thread: Jetty, OkHttp, GC, JIT), in nanoseconds. */
  long cpuNanos() {
    return jvm.cpuNanos();
  }

  /** Whether the JVM still runs. */
  boolean isAlive() {
    return jvm.isAlive();
  }

  /** The JVM's exit status (0 after a stop through stdin). */
  int exitValue() {
    return jvm.exitValue();
  }

  @Override
  public void close() {
    jvm.close();
  }
}
