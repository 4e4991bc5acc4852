package io.mesh4j.examples.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's command line, parsed.
 *
 * @param duration how long the scenario runs (its acts share it; an act waits longer when what it
 *     shows takes longer on a busy machine), or with {@code --no-scenario} how long to serve;
 *     null: until Ctrl-C
 * @param config a mesh.yaml to use instead of the built-in one, or null
 * @param scenario whether to run the scripted scenario
 * @param quiet print only the acts' results and the summary
 * @param frontendPort the frontend's port (0: any free port)
 * @param adminPort the dashboard's port (0: any free port)
 * @param ephemeralPorts run the instances on free ports instead of the config's (for tests)
 * @param rate requests per second the traffic generator sends (0: none)
 * @param clients the traffic generator's concurrent clients
 */
record DemoOptions(
    Duration duration,
    Path config,
    boolean scenario,
    boolean quiet,
    int frontendPort,
    int adminPort,
    boolean ephemeralPorts,
    double rate,
    int clients) {

  static final Duration DEFAULT_DURATION = Duration.ofSeconds(70);
  static final int DEFAULT_FRONTEND_PORT = 18080;
  static final int DEFAULT_ADMIN_PORT = 9901;
  static final double DEFAULT_RATE = 100;
  /** With {@code --no-scenario}: enough to watch the dashboard move, little enough to idle. */
  static final double DEFAULT_SERVE_RATE = 20;
  static final int DEFAULT_CLIENTS = 4;
  /** The shortest scenario that still shows every act (a second each). */
  static final Duration MIN_SCENARIO = Duration.ofSeconds(8);

  static final String USAGE = """
      usage: java -jar mesh4j-demo.jar [options]

        --duration D      how long the scenario runs, e.g. 70s (default) or 2m; with
                          --no-scenario, how long to serve (default: until Ctrl-C)
        --config FILE     your own mesh.yaml instead of the built-in one
                          (examples/src/main/resources/demo/mesh.yaml); the demo runs one
                          instance per endpoint on 127.0.0.1 and checks the scenario against
                          your weights and routes
        --no-scenario     just run the services, light traffic and the dashboard
        --quiet           print only each act's result and the summary
        --port N          the frontend's port (default 18080)
        --admin-port N    the dashboard's port (default 9901)
        --rate N          requests per second from the traffic generator (default 100, or 20
                          with --no-scenario; 0: none, only with --no-scenario)
        --clients N       concurrent clients of the traffic generator (default 4)
        --help            this text

      Exit status: 0 when every expectation of the scenario held, 1 when one did not,
      2 when the demo could not start (bad option, bad config, port in use).
      """;

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

  /** Thrown for a bad command line; the message says what is wrong. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Thrown by {@link #parse} for {@code --help}. */
  static final class HelpRequested extends Exception {
    private static final long serialVersionUID = 1L;

    HelpRequested() {
      super("help");
    }
  }

  /** Options for an in-process run on free ports (tests). */
  static DemoOptions ephemeral(Duration duration, Path config, double rate) {
    return new DemoOptions(duration, config, true, false, 0, 0, true, rate, DEFAULT_CLIENTS);
  }

  /**
   * Parses the command line.
   *
   * @throws UsageException for an unknown option, a missing or bad value
   * @throws HelpRequested for {@code --help} or {@code -h}
   */
  static DemoOptions parse(String... args) throws UsageException, HelpRequested {
    Duration duration = null;
    Path config = null;
    boolean scenario = true;
    boolean quiet = false;
    int port = DEFAULT_FRONTEND_PORT;
    int adminPort = DEFAULT_ADMIN_PORT;
    double rate = -1;
    int clients = DEFAULT_CLIENTS;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a;
      String inline = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        inline = a.substring(eq + 1);
      }
      switch (name) {
        case "--help", "-h" -> throw new HelpRequested();
        case "--no-scenario" -> scenario = false;
        case "--quiet" -> quiet = true;
        case "--duration" -> duration = duration(name, inline != null ? inline : value(args, ++i, name));
        case "--config" -> config = Path.of(inline != null ? inline : value(args, ++i, name));
        case "--port" -> port = port(name, inline != null ? inline : value(args, ++i, name));
        case "--admin-port" -> adminPort = port(name, inline != null ? inline : value(args, ++i, name));
        case "--rate" -> rate = rate(name, inline != null ? inline : value(args, ++i, name));
        case "--clients" -> clients = clients(name, inline != null ? inline : value(args, ++i, name));
        default -> throw new UsageException("unknown option: " + a);
      }
    }
    if (rate < 0) rate = scenario ? DEFAULT_RATE : DEFAULT_SERVE_RATE;
    if (scenario) {
      if (duration == null) duration = DEFAULT_DURATION;
      if (duration.compareTo(MIN_SCENARIO) < 0) {
        throw new UsageException("--duration: " + text(duration) + " (expected: at least "
            + text(MIN_SCENARIO) + " for the scenario)");
      }
      if (rate <= 0) throw new UsageException("--rate: 0 (the scenario needs traffic; expected: > 0)");
    }
    if (port != 0 && port == adminPort) {
      throw new UsageException("--port and --admin-port: both " + port + " (expected: two ports)");
    }
    return new DemoOptions(duration, config, scenario, quiet, port, adminPort, false, rate, clients);
  }

  private static String value(String[] args, int i, String name) throws UsageException {
    if (i >= args.length || args[i].startsWith("--")) throw new UsageException(name + ": missing value");
    return args[i];
  }

  private static Duration duration(String name, String v) throws UsageException {
    Matcher m = DURATION.matcher(v.strip());
    if (!m.matches()) {
      throw new UsageException(name + ": " + v + " (expected: a duration such as 70s, 2m or 90)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration d = switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
    if (d.isZero()) throw new UsageException(name + ": " + v + " (expected: > 0)");
    return d;
  }

  private static int port(String name, String v) throws UsageException {
    try {
      int p = Integer.parseInt(v.strip());
      if (p >= 0 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(name + ": " + v + " (expected: 0-65535)");
  }

  private static double rate(String name, String v) throws UsageException {
    try {
      double r = Double.parseDouble(v.strip());
      if (r >= 0 && r <= 10_000) return r;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(name + ": " + v + " (expected: 0-10000 requests per second)");
  }

  private static int clients(String name, String v) throws UsageException {
    try {
      int c = Integer.parseInt(v.strip());
      if (c >= 1 && c <= 64) return c;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(name + ": " + v + " (expected: 1-64)");
  }

  /** {@code 70s}, {@code 1500ms}. */
  static String text(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
