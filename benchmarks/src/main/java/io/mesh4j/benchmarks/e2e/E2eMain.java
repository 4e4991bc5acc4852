package io.mesh4j.benchmarks.e2e;

import io.mesh4j.benchmarks.report.Machine;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The end-to-end loopback comparison (issues 7 and 9): three Jetty backends in a separate JVM,
 * HAProxy and nginx sidecars, a mesh4j gateway JVM, and five client set-ups driven by closed-loop
 * load, interleaved A B C D G per
 * concurrency within each round; prints a Markdown report and optionally writes it into a document
 * (see {@link E2eOptions} for the arguments, {@code benchmarks/run-e2e.sh} for the usual way in).
 *
 * <ul>
 *   <li>A: plain OkHttp, a hand-written round robin over the three ports (the floor)
 *   <li>B: OkHttp wrapped by mesh4j with the full default policy
 *   <li>C: plain OkHttp through HAProxy
 *   <li>D: plain OkHttp through nginx
 *   <li>G: plain OkHttp through a mesh4j gateway (MeshFilter + mesh-gateway in its own JVM), the
 *       in-process gateway's hop compared with D's nginx hop
 * </ul>
 *
 * <p>Everything it starts listens on 127.0.0.1 only and is stopped on exit, also on Ctrl-C
 * (a shutdown hook). Exit status 0 on success, 2 on bad arguments, 1 on any other failure.
 */
public final class E2eMain {
  private final E2eOptions options;
  private final PrintStream out;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private Path workDir;

  private E2eMain(E2eOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** Runs the comparison; see {@link E2eOptions} for the arguments. */
  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    E2eOptions options;
    try {
      options = E2eOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    E2eMain main = new E2eMain(options, System.out);
    Thread hook = new Thread(main::closeAll, "e2e-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    int status = 0;
    try {
      main.run();
    } catch (Exception e) {
      System.err.println("e2e comparison failed: " + e);
      e.printStackTrace(System.err);
      status = 1;
    } finally {
      main.closeAll();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
    System.exit(status);
  }

  private void run() throws IOException, InterruptedException {
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    String loadStart = Machine.loadAverage();
    out.printf(Locale.ROOT, "mesh4j e2e comparison: %s, %d cores, load average %s; about %d s of load%n",
        options.quick() ? "quick profile" : "full profile", Runtime.getRuntime().availableProcessors(), loadStart,
        options.plannedLoadTime().toSeconds());

    if (options.out() != null && Files.exists(options.out())) {
      Report.check(Files.readString(options.out(), StandardCharsets.UTF_8));
    }
    workDir = Files.createTempDirectory("mesh4j-e2e-");
    BackendProcess backends = register(BackendProcess.start(3, workDir.resolve("backend.err")));
    int[] ports = backends.ports();
    out.println("backends on 127.0.0.1:" + join(ports) + " (separate JVM)");

    List<Scenario> scenarios = new ArrayList<>();
    for (String key : options.scenarios()) scenarios.add(register(create(key, ports)));
    Map<String, String> labels = new LinkedHashMap<>();
    for (Scenario s : scenarios) {
      labels.put(s.key(), s.label());
      out.println(s.key() + ": " + s.label());
      check(s);
    }

    for (Scenario s : scenarios) {
      System.gc();
      ClosedLoop.run(s, 16, options.initialWarmup().toNanos(), Duration.ofMillis(500).toNanos());
    }

    List<List<CellResult>> rounds = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      List<CellResult> cells = new ArrayList<>();
      for (int c : options.concurrency()) {
        for (Scenario s : scenarios) {
          System.gc();
          CellResult r = ClosedLoop.run(s, c, options.warmup().toNanos(), options.measure().toNanos());
          cells.add(r);
          out.printf(Locale.ROOT, "round %d/%d  concurrency %-3d %s  %10s req/s  p50 %9s  p99 %9s  cpu %9s/req  alloc %9s/req  errors %d%n",
              round, options.rounds(), c, s.key(), Report.count(r.throughput()), Report.micros(r.latencyMicros(50)),
              Report.micros(r.latencyMicros(99)), Report.micros(r.clientCpuMicrosPerRequest()),
              Report.bytes(r.allocatedBytesPerRequest()), r.errors());
          if (r.firstError() != null && r.errors() > 0) out.println("  first error: " + r.firstError());
        }
      }
      rounds.add(cells);
    }

    Summary summary = Summary.of(rounds, options.scenarios(), options.concurrency());
    RunInfo info = new RunInfo(
        started, options.command(), options.revision(), options.quick(), options.rounds(), options.warmup(),
        options.measure(), Machine.cores(), Machine.cpuModel(), Machine.os(),
        Machine.jdk(), Machine.jvmArgs(), loadStart, Machine.loadAverage(), labels,
        Duration.ofNanos(System.nanoTime() - t0));
    Path outFile = options.out();
    String existing = outFile != null && Files.exists(outFile) ? Files.readString(outFile, StandardCharsets.UTF_8) : "";
    String section = Report.section(info, summary, Report.previous(existing));
    out.println();
    out.println(section);
    if (outFile != null) {
      Files.writeString(outFile, Report.insert(existing, section), StandardCharsets.UTF_8);
      out.println("wrote " + outFile);
    }
  }

  private Scenario create(String key, int[] ports) throws IOException {
    return switch (key) {
      case "A" -> new PlainRoundRobinScenario(ports);
      case "B" -> MeshScenario.create(ports);
      case "C" -> SidecarScenario.of("C", register(Sidecar.startHaproxy(workDir.resolve("haproxy"), freePort(), ports)));
      case "D" -> SidecarScenario.of("D", register(Sidecar.startNginx(workDir.resolve("nginx"), freePort(), ports)));
      case "G" -> SidecarScenario.gateway(register(GatewayProcess.start(ports, workDir.resolve("gateway.err"))));
      case "J" -> SidecarScenario.jettyProxy(register(GatewayProcess.startJettyProxy(ports, workDir.resolve("jetty-proxy.err"))));
      default -> throw new IllegalArgumentException("scenario: " + key);
    };
  }

  /** One request through the scenario must succeed before any load is measured. */
  private static void check(Scenario s) throws IOException {
    Scenario.Exchange exchange = s.newExchange();
    for (int i = 0; i < 3; i++) {
      if (!exchange.run()) throw new IOException("scenario " + s.key() + ": a status other than 200");
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private synchronized <T extends AutoCloseable> T register(T resource) {
    resources.push(resource);
    return resource;
  }

  /** Closes everything started, newest first; safe to call twice and from the shutdown hook. */
  private synchronized void closeAll() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        System.err.println("cleanup: " + e);
      }
    }
    if (workDir != null) {
      try (Stream<Path> paths = Files.walk(workDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // A temp dir left behind is harmless.
      }
      workDir = null;
    }
  }

  private static String join(int[] ports) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < ports.length; i++) b.append(i == 0 ? "" : ",").append(ports[i]);
    return b.toString();
  }
}
