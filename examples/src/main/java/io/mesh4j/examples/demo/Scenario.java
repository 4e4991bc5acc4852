package io.mesh4j.examples.demo;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.outlier.EjectionReason;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The scripted scenario: eight acts, each announcing what to look for, driving traffic and
 * failures through the running services, printing the live table once a second, and checking its
 * expectations against what the clients saw and what the frontend's mesh reports. Expectations
 * are outcomes (no failed request, shares within the configured weights, the header honoured),
 * never timings: an act that waits for something (an ejection, a health check) waits for it with
 * a generous deadline, so a busy machine makes the demo slower, not wrong.
 *
 * <p>Not thread-safe: {@link #run()} once.
 */
final class Scenario {
  /** Acts that judge shares need at least this many answers (10 cycles of 5/1/1). */
  static final int MIN_ANSWERS = 70;
  /** How long an act waits for what it shows before it gives up (a stuck demo is a failed one). */
  static final Duration PATIENCE = Duration.ofSeconds(45);
  private static final int ACTS = 8;

  /** One expectation and whether it held. */
  record Check(String act, String what, boolean passed, String detail) {}

  /** One act: its title, what the clients saw during it, and its checks. */
  record Act(String title, Tally tally, List<Check> checks) {}

  /**
   * The outcome of the whole scenario.
   *
   * @param acts the acts in order
   * @param overall what the clients saw over the whole run
   * @param retries retries the frontend's mesh made
   * @param p50Millis median latency seen by the clients
   * @param p99Millis 99th percentile latency seen by the clients
   */
  record Report(List<Act> acts, Tally overall, long retries, double p50Millis, double p99Millis) {
    /** Every check of every act. */
    List<Check> checks() {
      List<Check> all = new ArrayList<>();
      for (Act a : acts) all.addAll(a.checks());
      return all;
    }

    /** Whether every expectation held. */
    boolean passed() {
      return !checks().isEmpty() && checks().stream().allMatch(Check::passed);
    }

    /** The act whose title starts with {@code prefix}. */
    Act act(String prefix) {
      for (Act a : acts) {
        if (a.title().startsWith(prefix)) return a;
      }
      throw new IllegalArgumentException("no act " + prefix + " in " + acts);
    }
  }

  private final Services services;
  private final Traffic traffic;
  private final DemoOptions options;
  private final PrintStream out;
  private final Mesh mesh;
  private final Duration slice;
  private final List<Act> acts = new ArrayList<>();
  private final LiveTable table;
  private volatile String banner = "";
  private volatile long actStart = System.nanoTime();
  private List<Check> checks = new ArrayList<>();
  private String actTitle;
  private Tally currentTally;

  Scenario(Services services, Traffic traffic, DemoOptions options, PrintStream out) {
    this.services = services;
    this.traffic = traffic;
    this.options = options;
    this.out = out;
    this.mesh = services.mesh();
    this.slice = options.duration().dividedBy(ACTS);
    this.table = new LiveTable(services, traffic);
  }

  /** Runs every act and prints the summary. */
  Report run() {
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-table");
      t.setDaemon(true);
      return t;
    });
    if (!options.quiet()) {
      ticker.scheduleAtFixedRate(this::printTable, 1, 1, TimeUnit.SECONDS);
    }
    try {
      warmUp();
      Map<RequestKind, Prediction.Expected> expected = traffic.predictions();
      List<Instance> rotation = rotation(expected.get(RequestKind.ITEMS));
      weightedRoundRobin(expected);
      canarySplit();
      headerRouting(expected);
      if (rotation.size() < 2) {
        begin(4, "Kill, restart and drain", "nothing: they need two instances behind GET /api/items",
            RequestKind.ITEMS);
        check("the cluster behind GET http://inventory/api/items has at least two instances",
            false, "it has " + rotation.size() + "; the kill, restart and drain acts were skipped");
        end();
      } else {
        Instance victim = rotation.get(0);
        Instance drained = rotation.get(rotation.size() - 1);
        kill(victim);
        restart(victim);
        drain(drained);
      }
      redirectAndRespond(expected);
      stranglerFig(expected);
      actTitle = "Whole run";
      checks = new ArrayList<>();
      currentTally = traffic.overall();
      say("");
      checkNoFailures(traffic.overall(), "in the whole run");
      end();
    } finally {
      ticker.shutdownNow();
    }
    Report report = new Report(List.copyOf(acts), traffic.overall(), LiveTable.retries(mesh),
        traffic.latencies().quantileMillis(0.50), traffic.latencies().quantileMillis(0.99));
    printSummary(report);
    return report;
  }

  /** The instances GET /api/items reaches, the highest weight first. */
  private List<Instance> rotation(Prediction.Expected items) {
    List<Instance> out = new ArrayList<>();
    for (Instance i : services.instances()) {
      if (items.shares().getOrDefault(i.name(), 0.0) > 0) out.add(i);
    }
    out.sort(Comparator.comparingDouble((Instance i) -> -items.shares().get(i.name())));
    return out;
  }

  // ------------------------------------------------------------------------------------- acts

  private void weightedRoundRobin(Map<RequestKind, Prediction.Expected> expected) {
    Tally t = begin(1, "Smooth weighted round robin",
        "answers shared as " + shares(expected.get(RequestKind.ITEMS)) + ", interleaved, never bunched",
        RequestKind.ITEMS);
    smoothOrder(expected.get(RequestKind.ITEMS));
    t = measureStable(t);
    checkShares(t, RequestKind.ITEMS);
    end();
  }

  /**
   * Pauses the clients and sends two cycles of requests one at a time, so the answers come in the
   * order the frontend's picker chose: with smooth weighted round robin every window of
   * sum(weights) consecutive picks holds each instance exactly its weight, spread out.
   */
  private void smoothOrder(Prediction.Expected items) {
    Set<String> clusters = new LinkedHashSet<>();
    Map<String, Integer> weights = new java.util.LinkedHashMap<>();
    for (Instance i : services.instances()) {
      if (items.shares().containsKey(i.name())) {
        clusters.add(i.cluster());
        weights.put(i.name(), i.weight());
      }
    }
    if (clusters.size() != 1) {
      note("GET /api/items is not sent to one cluster (" + items.explanation() + "); no order to show");
      return;
    }
    ClusterConfig cluster = mesh.current().config().cluster(clusters.iterator().next());
    int cycle = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (cluster == null || cluster.lb() != LbPolicy.WEIGHTED_ROUND_ROBIN || cycle > 50) {
      note("the cluster is not a small weighted_round_robin one; no order to show");
      return;
    }
    if (!traffic.pause(PATIENCE)) {
      traffic.resume();
      check("the clients paused for the one-at-a-time requests", false, "requests still in flight");
      return;
    }
    List<String> order = new ArrayList<>();
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        Map<Integer, String> before = membership();
        order.clear();
        for (int i = 0; i < 2 * cycle; i++) order.add(traffic.sendOne(RequestKind.ITEMS));
        if (membership().equals(before)) break;
        note("an instance changed state meanwhile; sending them again");
      }
    } finally {
      traffic.resume();
    }
    boolean exact = true;
    for (int start = 0; start + cycle <= order.size(); start++) {
      Map<String, Integer> counts = new java.util.HashMap<>();
      for (String name : order.subList(start, start + cycle)) counts.merge(String.valueOf(name), 1, Integer::sum);
      exact &= counts.equals(weights);
    }
    say("  " + order.size() + " requests sent one at a time were answered by: "
        + sequence(order, cycle, cluster.name()));
    check("every " + cycle + " consecutive picks hold each instance exactly its weight", exact,
        exact ? "all " + (order.size() - cycle + 1) + " windows do" : "they do not: " + order);
  }

  /** {@code 1 1 2 1 3 1 1 | 1 1 2 ...}: instance names without their cluster prefix, by cycle. */
  private static String sequence(List<String> order, int cycle, String cluster) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < order.size(); i++) {
      if (i > 0) b.append(i % cycle == 0 ? " | " : " ");
      String name = String.valueOf(order.get(i));
      b.append(name.startsWith(cluster + "-") ? name.substring(cluster.length() + 1) : name);
    }
    return b.toString();
  }

  private void canarySplit() {
    Prediction.Expected split = traffic.predictions().get(RequestKind.SPLIT);
    Tally t = begin(2, "A 90/10 canary split",
        "GET /api/items via the split route: " + shares(split) + ", exact over every cycle",
        RequestKind.SPLIT);
    t = measureStable(t);
    checkShares(t, RequestKind.SPLIT);
    end();
  }

  private void headerRouting(Map<RequestKind, Prediction.Expected> expected) {
    Prediction.Expected canary = expected.get(RequestKind.CANARY);
    Tally t = begin(3, "Header-based routing",
        "x-canary: true always reaches " + shares(canary)
            + "; the frontend passes the header on without a line of code",
        RequestKind.ITEMS, RequestKind.CANARY);
    t = measureStable(t);
    checkShares(t, RequestKind.CANARY);
    checkShares(t, RequestKind.ITEMS);
    long answered = answered(t, RequestKind.CANARY);
    long saw = t.sawCanary(RequestKind.CANARY);
    if (canary.canaryUpstream()) {
      check("x-canary: true propagated from the frontend to inventory", answered > 0 && saw == answered,
          saw + " of " + answered + " answers to x-canary requests saw the header upstream");
    } else {
      note("propagate.headers does not list x-canary, so the frontend does not carry it upstream");
    }
    check("requests without x-canary arrive without it", t.sawCanary(RequestKind.ITEMS) == 0,
        t.sawCanary(RequestKind.ITEMS) + " of " + answered(t, RequestKind.ITEMS) + " did");
    end();
  }

  private void kill(Instance victim) {
    ClusterConfig cluster = mesh.current().config().cluster(victim.cluster());
    long retriesBefore = LiveTable.retries(mesh);
    Tally t = begin(4, "Kill " + victim.name(),
        "requests keep succeeding (retried on another instance); " + victim.name()
            + " is ejected, then marked unhealthy",
        RequestKind.ITEMS);
    runFor(slice.dividedBy(3), 0, t, () -> {});
    say("  >> killing " + victim.name() + " (" + victim.address() + ")");
    victim.kill();
    boolean[] seen = new boolean[2];   // ejected, out of rotation
    Runnable watch = () -> {
      EndpointStatus s = status(victim);
      if (s != null && s.ejected() && s.ejectionReason() != EjectionReason.DRAINING) seen[0] = true;
      if (s != null && !s.usable()) seen[1] = true;
    };
    boolean checked = cluster != null && cluster.healthCheck() != null;
    boolean unhealthy = await(() -> {
      EndpointStatus s = status(victim);
      return s != null && (checked ? !s.healthy() : !s.usable());
    }, watch);
    runFor(slice, 30, t, watch);
    long retries = LiveTable.retries(mesh) - retriesBefore;
    checkNoFailures(t, "while " + victim.name() + " was down");
    check("the frontend's mesh retried the calls that hit " + victim.name(), retries > 0,
        retries + " retries");
    if (cluster != null && cluster.outlierDetection() != null) {
      check("outlier detection ejected " + victim.name(), seen[0],
          seen[0] ? "ejected after consecutive gateway failures" : "never seen ejected");
    }
    if (checked) {
      check("health checks marked " + victim.name() + " unhealthy", unhealthy,
          unhealthy ? "unhealthy" : "still healthy after " + PATIENCE.toSeconds() + "s");
    } else {
      check(victim.name() + " left the rotation", seen[1], seen[1] ? "left" : "never left");
    }
    end();
  }

  private void restart(Instance victim) {
    ClusterConfig cluster = mesh.current().config().cluster(victim.cluster());
    boolean slowStart = cluster != null && !cluster.slowStart().isZero();
    Tally t = begin(5, "Restart " + victim.name(),
        victim.name() + " passes its health checks and comes back"
            + (slowStart ? ", its share ramping up over " + DemoOptions.text(cluster.slowStart())
                + " (slow start)" : ""),
        RequestKind.ITEMS);
    say("  >> restarting " + victim.name() + " on " + victim.address());
    try {
      victim.restart();
    } catch (IOException e) {
      check(victim.name() + " restarted", false, e.getMessage());
      end();
      return;
    }
    long servedBefore = victim.served();
    int[] lowest = {Integer.MAX_VALUE};
    Runnable watch = () -> {
      Cluster c = mesh.cluster(victim.cluster());
      EndpointStatus s = status(victim);
      if (c == null || s == null || !s.usable()) return;
      boolean scaled = c.statuses().stream().anyMatch(x -> x.effectiveWeight() > x.endpoint().weight());
      if (scaled) {
        int percent = 100 * s.effectiveWeight() / (10 * s.endpoint().weight());
        lowest[0] = Math.min(lowest[0], percent);
      }
    };
    boolean back = await(() -> {
      EndpointStatus s = status(victim);
      return s != null && s.usable() && victim.served() > servedBefore
          && (!slowStart || lowest[0] < 100);
    }, watch);
    runFor(slice, 30, t, watch);
    EndpointStatus s = status(victim);
    check(victim.name() + " is healthy and in rotation again", back && s != null && s.usable(),
        s == null ? "not in the cluster" : LiveTable.state(s, false));
    long served = victim.served() - servedBefore;
    check(victim.name() + " serves requests again", served > 0, served + " requests since the restart");
    if (slowStart) {
      check(victim.name() + " was slow-started", lowest[0] < 100,
          lowest[0] < 100 ? "its weight started at " + lowest[0] + "% of the full weight and ramped up"
              : "never seen ramping");
    }
    checkNoFailures(t, "during the restart");
    end();
  }

  private void drain(Instance drained) {
    Tally t = begin(6, "Drain " + drained.name(),
        "clients stop sending to " + drained.name() + " at once, without a single failed request",
        RequestKind.ITEMS);
    runFor(slice.dividedBy(3), 0, t, () -> {});
    say("  >> draining " + drained.name() + " (mesh.drain(): its health check answers 503, "
        + "every response says x-mesh-draining: true)");
    long before = drained.served();
    drained.drain();
    boolean out = await(() -> {
      EndpointStatus s = status(drained);
      return s != null && !s.usable();
    }, () -> {});
    runFor(slice, 30, t, () -> {});
    long after = drained.served() - before;
    check("the frontend took " + drained.name() + " out of rotation", out,
        out ? LiveTable.state(status(drained), false) : "still in rotation");
    check("clients stopped sending to " + drained.name() + " at once", after <= traffic.clients(),
        after + (after == 1 ? " request" : " requests") + " reached it after the drain (at most " + traffic.clients()
            + ": those already on their way)");
    checkNoFailures(t, "during the drain");
    end();
  }

  private void redirectAndRespond(Map<RequestKind, Prediction.Expected> expected) {
    Prediction.Expected old = expected.get(RequestKind.OLD);
    Prediction.Expected maintenance = expected.get(RequestKind.MAINTENANCE);
    long appBefore = services.frontend().otherRequests();
    Tally t = begin(7, "A redirect and a direct response",
        "GET /old/items answers " + old.describe() + ", GET /maintenance answers "
            + maintenance.describe() + ": both from the mesh, the application never sees them",
        RequestKind.OLD, RequestKind.MAINTENANCE, RequestKind.ITEMS);
    runFor(slice, 30, t, () -> {});
    for (RequestKind k : List.of(RequestKind.OLD, RequestKind.MAINTENANCE)) {
      Prediction.Expected e = expected.get(k);
      long n = t.requests(k);
      check("every " + k.label() + " answered " + e.describe(), n > 0 && t.failures(k) == 0,
          (n - t.failures(k)) + " of " + n + " did (" + e.explanation() + ")");
    }
    if (old.answeredByMesh() && maintenance.answeredByMesh()) {
      long reached = services.frontend().otherRequests() - appBefore;
      check("the application never saw them", reached == 0, reached + " reached it");
    }
    end();
  }

  /**
   * A strangler-fig migration at the frontend's edge: its inbound routes keep {@code /legacy/} with
   * its own servlet and forward {@code /v2/} to {@code inventory-v2} (MeshFilter with the
   * mesh-gateway forwarder, through the same picker, retries and breaker as the client).
   */
  private void stranglerFig(Map<RequestKind, Prediction.Expected> expected) {
    Prediction.Expected legacy = expected.get(RequestKind.LEGACY);
    Prediction.Expected v2 = expected.get(RequestKind.V2);
    Frontend app = services.frontend();
    long legacyBefore = app.requests(RequestKind.LEGACY.path);
    long v2Before = app.requests(RequestKind.V2.path);
    long forwardedBefore = forwarded();
    Tally t = begin(8, "Strangler fig: /legacy/ stays, /v2/ moves",
        "GET /legacy/items answered by " + shares(legacy) + ", GET /v2/items by " + shares(v2)
            + " (" + v2.explanation() + "): the frontend's MeshFilter forwards it, its servlet"
            + " never sees it",
        RequestKind.LEGACY, RequestKind.V2);
    Tally first = t;
    t = measureStable(t);
    for (RequestKind k : List.of(RequestKind.LEGACY, RequestKind.V2)) {
      Prediction.Expected e = expected.get(k);
      long n = t.requests(k);
      check("every " + k.label() + " answered " + e.describe(), n > 0 && t.failures(k) == 0,
          (n - t.failures(k)) + " of " + n + " did (" + e.explanation() + ")");
      checkShares(t, k);
    }
    // Counted over the whole act (measureStable may have started a new tally): requests the
    // clients sent for each path, against what the servlet and the filter saw.
    long v2Sent = first.requests(RequestKind.V2) + (t == first ? 0 : t.requests(RequestKind.V2));
    long legacySent = first.requests(RequestKind.LEGACY)
        + (t == first ? 0 : t.requests(RequestKind.LEGACY));
    long v2AtApp = app.requests(RequestKind.V2.path) - v2Before;
    long legacyAtApp = app.requests(RequestKind.LEGACY.path) - legacyBefore;
    if (v2.answeredByMesh()) {
      // The filter records a request when its exchange completes, which may be just after the
      // client has read the answer: wait for the count to catch up (a busy machine takes longer).
      await(() -> forwarded() - forwardedBefore >= v2Sent, () -> {});
      long forwarded = forwarded() - forwardedBefore;
      check("the frontend's servlet never saw GET /v2/items", v2Sent > 0 && v2AtApp == 0,
          v2AtApp + " of " + v2Sent + " reached it");
      check("its MeshFilter forwarded every GET /v2/items", forwarded >= v2Sent,
          forwarded + " forwarded (mesh.server.requests outcome=forward) for " + v2Sent + " sent");
    }
    if (legacy.shares().containsKey(Frontend.APP) && legacy.shares().size() == 1) {
      check("the frontend's servlet answered every GET /legacy/items itself",
          legacySent > 0 && legacyAtApp >= legacySent,
          legacyAtApp + " reached it for " + legacySent + " sent");
    }
    end();
  }

  /** Requests the frontend's MeshFilter forwarded to a cluster so far. */
  private long forwarded() {
    long n = 0;
    for (io.micrometer.core.instrument.Timer timer : mesh.meterRegistry()
        .find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_OUTCOME, MeshMetricNames.OUTCOME_FORWARD)
        .timers()) {
      n += timer.count();
    }
    return n;
  }

  // -------------------------------------------------------------------------------- checking

  private void checkShares(Tally t, RequestKind kind) {
    Prediction.Expected e = traffic.predictions().get(kind);
    Map<String, Long> served = t.servedBy(kind);
    long n = answered(t, kind);
    if (e.shares().isEmpty()) {
      note(kind.label() + ": " + e.explanation() + "; no shares to check");
      return;
    }
    if (n < MIN_ANSWERS / 2) {
      check(kind.label() + " shared as configured", false,
          "only " + n + " answers, too few to judge (is the machine very busy?)");
      return;
    }
    double tolerance = 0.05 + 2.0 / n;
    Set<String> names = new LinkedHashSet<>(e.shares().keySet());
    names.addAll(served.keySet());
    boolean ok = true;
    StringBuilder detail = new StringBuilder();
    for (String name : names) {
      double want = e.shares().getOrDefault(name, 0.0);
      long got = served.getOrDefault(name, 0L);
      double share = (double) got / n;
      boolean fine = want == 0 ? got == 0 : Math.abs(share - want) <= tolerance;
      ok &= fine;
      if (detail.length() > 0) detail.append(", ");
      detail.append(String.format(Locale.ROOT, "%s %.1f%% (%.1f%%)%s", name, 100 * share, 100 * want,
          fine ? "" : " <-- off"));
    }
    check(kind.label() + " shared as configured", ok, n + " answers: " + detail
        + "; expected in brackets");
  }

  private void checkNoFailures(Tally t, String when) {
    long failed = t.failures();
    check("no client request failed " + when, failed == 0 && t.requests() > 0,
        failed == 0 ? t.requests() + " requests, all answered as expected"
            : failed + " of " + t.requests() + " failed: " + String.join("; ", t.failureSamples()));
  }

  private static long answered(Tally t, RequestKind kind) {
    long n = 0;
    for (long v : t.servedBy(kind).values()) n += v;
    return n;
  }

  private static String shares(Prediction.Expected e) {
    if (e.shares().isEmpty()) return e.explanation();
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Double> s : e.shares().entrySet()) {
      if (b.length() > 0) b.append(" / ");
      b.append(s.getKey()).append(String.format(Locale.ROOT, " %.0f%%", 100 * s.getValue()));
    }
    return b.toString();
  }

  // ------------------------------------------------------------------------------- plumbing

  private EndpointStatus status(Instance instance) {
    Cluster c = mesh.cluster(instance.cluster());
    if (c == null) return null;
    for (EndpointStatus s : c.statuses()) {
      if (s.endpoint().port() == instance.port()) return s;
    }
    return null;
  }

  private Tally begin(int n, String title, String lookFor, RequestKind... mix) {
    actTitle = "Act " + n + "/" + ACTS + "  " + title;
    checks = new ArrayList<>();
    traffic.mix(mix);
    Tally t = traffic.begin(actTitle);
    currentTally = t;
    actStart = System.nanoTime();
    banner = actTitle;
    say("");
    say(actTitle);
    say("  look for: " + lookFor);
    return t;
  }

  private void end() {
    acts.add(new Act(actTitle, currentTally, List.copyOf(checks)));
  }

  /**
   * Runs the current act for its slice and at least {@link #MIN_ANSWERS} requests while no
   * endpoint changes state (health, ejection, slow start). When one does (a health check timing
   * out on a very busy machine, say), the act says so and measures again from that moment, up to
   * {@link #PATIENCE}: shares are a promise about a stable set of endpoints.
   *
   * @return the tally of the stable window
   */
  private Tally measureStable(Tally t) {
    long deadline = System.nanoTime() + slice.toNanos() + PATIENCE.toNanos();
    Tally current = t;
    while (true) {
      Map<Integer, String> before = membership();
      long min = System.nanoTime() + slice.toNanos();
      boolean stable = true;
      while (System.nanoTime() < deadline
          && (System.nanoTime() < min || current.requests() < MIN_ANSWERS)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        if (!membership().equals(before)) {
          stable = false;
          break;
        }
      }
      if (stable || System.nanoTime() >= deadline) return current;
      note("an instance changed state (" + changed(before) + "); measuring again from here");
      current = traffic.begin(actTitle);
      currentTally = current;
    }
  }

  /** Every endpoint by port: whether it is usable ({@code u}/{@code -}) and at full weight ({@code f}/{@code r}). */
  private Map<Integer, String> membership() {
    Map<Integer, String> m = new java.util.TreeMap<>();
    for (Cluster c : mesh.current().clusters().values()) {
      for (EndpointStatus s : c.statuses()) {
        m.put(s.endpoint().port(), (s.usable() ? "u" : "-")
            + (s.effectiveWeight() == s.endpoint().weight() ? "f" : "r"));
      }
    }
    return m;
  }

  private String changed(Map<Integer, String> before) {
    Map<Integer, String> now = membership();
    List<String> out = new ArrayList<>();
    for (Instance i : services.instances()) {
      EndpointStatus s = status(i);
      if (s != null && !java.util.Objects.equals(before.get(i.port()), now.get(i.port()))) {
        out.add(i.name() + " " + LiveTable.state(s, s.effectiveWeight() > s.endpoint().weight()));
      }
    }
    return out.isEmpty() ? "and back" : String.join(", ", out);
  }

  /**
   * Waits until every endpoint is usable at its full weight, and stays so for two seconds, so the
   * first acts start from a settled mesh (a freshly started JVM answers its first health checks
   * slowly on a busy machine).
   */
  void warmUp() {
    say("");
    say("Warming up: waiting until every instance is healthy and in rotation...");
    banner = "Warming up";
    actStart = System.nanoTime();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long settledSince = -1;
    while (System.nanoTime() < deadline) {
      boolean settled = membership().values().stream().allMatch("uf"::equals);
      long now = System.nanoTime();
      if (!settled) {
        settledSince = -1;
      } else if (settledSince < 0) {
        settledSince = now;
      } else if (now - settledSince >= TimeUnit.SECONDS.toNanos(2)) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    note("not every instance settled within " + PATIENCE.toSeconds() + "s; going on");
  }

  private void runFor(Duration atLeast, long minRequests, Tally t, Runnable tick) {
    long start = System.nanoTime();
    long min = start + atLeast.toNanos();
    long deadline = min + PATIENCE.toNanos();
    while (true) {
      tick.run();
      long now = System.nanoTime();
      if ((now >= min && t.requests() >= minRequests) || now >= deadline) return;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  /** Waits up to {@link #PATIENCE} for {@code condition}, running {@code tick} every 100 ms. */
  private boolean await(BooleanSupplier condition, Runnable tick) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      tick.run();
      if (condition.getAsBoolean()) return true;
      if (System.nanoTime() >= deadline) return false;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private void check(String what, boolean passed, String detail) {
    checks.add(new Check(actTitle, what, passed, detail));
    say((passed ? "  PASS  " : "  FAIL  ") + what + ": " + detail);
  }

  private void note(String text) {
    say("  note  " + text);
  }

  private void say(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  private void printTable() {
    try {
      long seconds = (System.nanoTime() - actStart) / 1_000_000_000L;
      String text = table.render("  [" + banner + "  +" + seconds + "s]");
      synchronized (out) {
        out.print(text);
        out.flush();
      }
    } catch (RuntimeException e) {
      say("  (table failed: " + e + ")");
    }
  }

  private void printSummary(Report r) {
    say("");
    say(summary(r));
  }

  /** The summary printed at the end: totals, latency, and every expectation that did not hold. */
  static String summary(Report r) {
    long held = r.checks().stream().filter(Check::passed).count();
    long failed = r.checks().size() - held;
    StringBuilder b = new StringBuilder(512);
    b.append("Summary\n");
    b.append(String.format(Locale.ROOT, "  requests %d   successes %d   failures %d   retries %d%n",
        r.overall().requests(), r.overall().successes(), r.overall().failures(), r.retries()));
    b.append(String.format(Locale.ROOT,
        "  latency  p50 %.1f ms   p99 %.1f ms   (client -> frontend -> inventory and back, on 127.0.0.1)%n",
        r.p50Millis(), r.p99Millis()));
    b.append("  expectations: ").append(held).append(" held, ").append(failed).append(" failed\n");
    if (r.passed()) {
      b.append("Every expectation held.");
    } else {
      b.append(failed).append(failed == 1 ? " expectation" : " expectations").append(" did not hold:");
      for (Check c : r.checks()) {
        if (!c.passed()) b.append("\n  ").append(c.act()).append(": ").append(c.what()).append(": ").append(c.detail());
      }
    }
    return b.toString();
  }
}
