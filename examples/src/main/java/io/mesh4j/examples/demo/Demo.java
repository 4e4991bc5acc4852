package io.mesh4j.examples.demo;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The mesh4j demo: {@code java -jar examples/target/mesh4j-demo.jar}.
 *
 * <p>Starts, in one JVM on 127.0.0.1, one servlet instance per endpoint of the config's clusters
 * (three {@code inventory} instances weighted 5/1/1 and one {@code inventory-v2} canary with the
 * built-in config), each behind its own {@code MeshFilter} in embedded Jetty; a {@code frontend}
 * behind {@code MeshFilter} whose handler calls {@code http://inventory/...} through a
 * {@code MeshOkHttp}-wrapped client; the admin dashboard; and a traffic generator. Then it plays a
 * scripted scenario in eight acts (weighted round robin, a canary split, header routing, a
 * killed instance, its restart, a drain, a redirect and a direct response, and a strangler fig:
 * {@code /v2/} forwarded by the frontend's MeshFilter to {@code inventory-v2} through {@code
 * mesh-gateway} while {@code /legacy/} stays with its servlet), printing a live table
 * once a second and checking what it promises. See {@code docs/demo.md} and {@link
 * DemoOptions#USAGE} for the options.
 *
 * <p>Exit status: 0 when every expectation held, 1 when one did not (each is named), 2 when the
 * demo could not start.
 */
public final class Demo {
  /** The built-in config, a classpath resource (examples/src/main/resources/demo/mesh.yaml). */
  static final String BUILT_IN_CONFIG = "demo/mesh.yaml";

  private Demo() {}

  /** Runs the demo and exits with its status. */
  public static void main(String[] args) {
    if (java.util.Arrays.asList(args).contains("--quiet")) {
      System.setProperty("org.slf4j.simpleLogger.log.io.mesh4j", "warn");
    }
    System.exit(run(args, System.out, true));
  }

  /**
   * Runs the demo with {@code args}, printing to {@code out}.
   *
   * @param stopOnShutdown whether Ctrl-C (JVM shutdown) should stop the demo cleanly
   * @return the exit status
   */
  static int run(String[] args, PrintStream out, boolean stopOnShutdown) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.HelpRequested e) {
      out.print(DemoOptions.USAGE);
      return 0;
    } catch (DemoOptions.UsageException e) {
      out.println("mesh4j demo: " + e.getMessage());
      out.println("run with --help for the options");
      return 2;
    }
    return run(options, out, stopOnShutdown).status();
  }

  /**
   * The result of a run: the exit status, and the scenario's report when a scenario ran to the
   * end (null otherwise).
   */
  record Outcome(int status, Scenario.Report report) {}

  /** Runs the demo with parsed {@code options}. */
  static Outcome run(DemoOptions options, PrintStream out, boolean stopOnShutdown) {
    MeshConfig config;
    String source;
    try {
      if (options.config() != null) {
        config = ConfigLoader.load(options.config());
        source = options.config().toString();
      } else {
        config = ConfigLoader.loadResource(BUILT_IN_CONFIG);
        source = "built in (examples/src/main/resources/" + BUILT_IN_CONFIG + ")";
      }
    } catch (ConfigException e) {
      out.println("mesh4j demo: the config is not valid:");
      out.println(e.getMessage());
      return new Outcome(2, null);
    }
    Services services;
    try {
      services = Services.start(config, options.config(), options);
    } catch (IOException | IllegalArgumentException | ConfigException e) {
      out.println("mesh4j demo: cannot start: " + e.getMessage());
      return new Outcome(2, null);
    }
    Traffic traffic = new Traffic("http://" + services.frontendAuthority(), options.clients(),
        options.rate(), () -> services.mesh().current(),
        snapshot -> predictions(snapshot, services));
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "demo-shutdown");
    if (stopOnShutdown) Runtime.getRuntime().addShutdownHook(hook);
    try {
      banner(out, options, services, source, traffic);
      if (options.scenario()) {
        traffic.mix(RequestKind.ITEMS);
        traffic.start();
        Scenario.Report report = new Scenario(services, traffic, options, out).run();
        return new Outcome(report.passed() ? 0 : 1, report);
      }
      traffic.mix(RequestKind.ITEMS, RequestKind.ITEMS, RequestKind.SPLIT, RequestKind.CANARY);
      traffic.start();
      serve(options, services, traffic, out, stop);
      return new Outcome(0, null);
    } finally {
      traffic.close();
      services.close();
      stopped.countDown();
      if (stopOnShutdown) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // Shutting down already: the hook is running and waits for `stopped`.
        }
      }
    }
  }

  private static Map<RequestKind, Prediction.Expected> predictions(MeshSnapshot s, Services services) {
    Map<RequestKind, Prediction.Expected> out = new EnumMap<>(RequestKind.class);
    for (RequestKind k : RequestKind.values()) {
      out.put(k, Prediction.of(s, k, services.frontendAuthority(), port -> {
        Instance i = services.byPort(port);
        return i == null ? null : i.name();
      }));
    }
    return out;
  }

  /** --no-scenario: serve until Ctrl-C or --duration, printing the table unless --quiet. */
  private static void serve(
      DemoOptions options, Services services, Traffic traffic, PrintStream out, CountDownLatch stop) {
    LiveTable table = new LiveTable(services, traffic);
    long end = options.duration() == null ? Long.MAX_VALUE
        : System.nanoTime() + options.duration().toNanos();
    out.println();
    out.println("Serving" + (options.duration() == null ? " until Ctrl-C" : " for "
        + DemoOptions.text(options.duration())) + ". Try:");
    Instance first = services.instances().get(0);
    out.println("  curl -i http://" + services.frontendAuthority() + "/shop/items -H 'x-canary: true'");
    out.println("  curl -i http://" + services.frontendAuthority() + "/old/items");
    out.println("  curl -i http://" + services.frontendAuthority() + "/v2/items        "
        + "# forwarded by the frontend's MeshFilter (mesh-gateway)");
    out.println("  curl -X POST http://" + first.address() + "/mesh/drain      # drain "
        + first.name() + ", watch the dashboard");
    out.println("  curl -X POST http://" + first.address() + "/mesh/healthcheck/ok   # and back");
    try {
      while (System.nanoTime() < end) {
        long wait = Math.min(TimeUnit.SECONDS.toNanos(options.quiet() ? 60 : 1), end - System.nanoTime());
        if (stop.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) break;
        if (!options.quiet()) {
          out.print(table.render("  [serving]"));
          out.flush();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Tally all = traffic.overall();
    out.println(String.format(Locale.ROOT, "Stopped: %d requests, %d failed, %d retries.",
        all.requests(), all.failures(), LiveTable.retries(services.mesh())));
  }

  private static void banner(
      PrintStream out, DemoOptions options, Services services, String source, Traffic traffic) {
    out.println("mesh4j demo: an in-process service mesh, running on 127.0.0.1");
    out.println(String.format(Locale.ROOT, "  %-14s http://%s/shop/items   (MeshFilter in front, "
        + "a MeshOkHttp client inside)", "frontend", services.frontendAuthority()));
    for (Instance i : services.instances()) {
      out.println(String.format(Locale.ROOT, "  %-14s %-16s weight %d   (MeshFilter, health on %s)",
          i.name(), i.address(), i.weight(), healthPath(services, i)));
    }
    out.println(String.format(Locale.ROOT, "  %-14s %s", "dashboard", services.dashboardUrl()));
    out.println(String.format(Locale.ROOT, "  %-14s %s", "config", source));
    if (traffic.clients() > 0) {
      out.println(String.format(Locale.ROOT, "  %-14s %d clients, %.0f requests/s in all", "traffic",
          traffic.clients(), options.rate()));
    }
  }

  private static String healthPath(Services services, Instance i) {
    var c = services.mesh().current().config().cluster(i.cluster());
    return c != null && c.healthCheck() != null ? c.healthCheck().path() : "/mesh/health (unchecked)";
  }
}
