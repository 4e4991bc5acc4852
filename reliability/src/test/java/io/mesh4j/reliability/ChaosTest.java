package io.mesh4j.reliability;

import static io.mesh4j.reliability.Leaks.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.reliability.ChaosBackend.Mode;
import io.mesh4j.reliability.LoadDriver.Outcome;
import io.mesh4j.reliability.LoadDriver.PolicyWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

/**
 * Chaos with real sockets: five Jetty backends on loopback, a mesh4j OkHttp client with retries,
 * per-try timeouts, a circuit breaker, outlier detection and active HTTP health checks, sixteen
 * callers sending GETs and POSTs, and a fault schedule repeated until the run's duration is over.
 *
 * <p>One cycle of the schedule (each step lasts one phase, {@code reliability.phase}):
 *
 * <ol>
 *   <li>b0 killed; b1 starts lying (health 200, traffic 500) until step 6;
 *   <li>b0 restarted on its port; b2 stalls (accepts, never answers);
 *   <li>b2 answers again; b3 resets connections (before the response, or mid-body);
 *   <li>b3 fine; b4 slow (60 ms); b0 answers 503;
 *   <li>b0 and b4 fine; b2 killed;
 *   <li>outage: every backend answers 503 (the policy window: failures allowed) until the
 *       breaker has opened; then all are fine and the window closes once it closed again;
 *   <li>recovery: wait until every endpoint is usable again.
 * </ol>
 *
 * <p>Short run (default, part of {@code mvn verify}): {@code reliability.duration=PT20S}. Long run:
 * {@code mvn -B -pl reliability -am verify -Preliability -Dtest=ChaosTest
 * -Dsurefire.failIfNoSpecifiedTests=false}, which also writes the figures into
 * docs/reliability.md ({@code reliability.report}).
 */
class ChaosTest {
  static final int BACKENDS = 5;
  static final int CALLERS = 16;
  static final int POST_EVERY = 4;

  static Duration duration() {
    return Duration.parse(System.getProperty("reliability.duration", "PT20S"));
  }

  static long minRequests() {
    return Long.parseLong(System.getProperty("reliability.requests", "0"));
  }

  static Duration phase() {
    return Duration.parse(System.getProperty("reliability.phase", "PT2S"));
  }

  static String config(List<ChaosBackend> backends) {
    StringBuilder endpoints = new StringBuilder();
    for (ChaosBackend b : backends) {
      endpoints.append("      - address: ").append(b.address()).append('\n');
    }
    return """
        version: 1
        service: chaos-client
        clusters:
          - name: shop
            endpoints:
        %s
            health_check: { path: /health, interval: 400ms, timeout: 400ms, unhealthy_threshold: 2, healthy_threshold: 2 }
            outlier_detection: { consecutive_5xx: 3, consecutive_gateway_failure: 3, base_ejection_time: 1s, max_ejection_time: 4s, max_ejection_percent: 40 }
            circuit_breaker: { failure_rate_threshold: 50, sliding_window: 200, minimum_calls: 100, wait_in_open: 1s, max_concurrent_requests: 256 }
            retry:
              attempts: 5
              retry_on: [connect-failure, refused-stream, reset, gateway-error, 5xx]
              per_try_timeout: 300ms
              backoff: { base: 5ms, max: 50ms }
              budget: { percent: 50, min_per_second: 100 }
            timeout: 3s
        """.formatted(endpoints.toString().stripTrailing());
  }

  /** What one run measured. */
  record Figures(
      Duration wall,
      int cycles,
      long requests,
      long gets,
      long getsOutside,
      long getsOutsideOk,
      long getsTruncated,
      long getsInsideOk,
      long getsInside,
      long posts,
      long postsOk,
      long postsReceived,
      int postDuplicates,
      long getDuplicateArrivals,
      int faultsInjected,
      long ejections,
      long breakerOpenings,
      long breakerClosings,
      long unhealthyEvents,
      long healthyEvents,
      String getsOutsideDetail,
      String postsDetail,
      List<String> unexpected) {}

  @Test
  void getsSucceedPostsAreNeverDuplicatedAndBreakersEjectionsAndRecoveryWorkUnderAFaultSchedule()
      throws Exception {
    Set<Thread> threadsBefore = Leaks.liveThreads();
    long heapBefore = Leaks.heapAfterGc();

    Figures f = run(duration(), minRequests(), phase());
    System.out.println("chaos figures: " + f);

    List<String> leftover = new ArrayList<>();
    try {
      await("no thread left by the run", Duration.ofSeconds(20), () -> {
        leftover.clear();
        leftover.addAll(Leaks.newThreads(threadsBefore));
        return leftover.isEmpty();
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + leftover, e);
    }
    long heapAfter = Leaks.heapAfterGc();
    long heapGrowthMb = Math.max(0, heapAfter - heapBefore) / (1024 * 1024);

    System.out.println("heap growth after GC: " + heapGrowthMb + " MB");
    assertThat(f.unexpected()).as("GET failures outside the policy window").isEmpty();
    assertThat(f.getsOutsideOk() + f.getsTruncated()).isEqualTo(f.getsOutside());
    assertThat(f.postDuplicates()).as("POSTs that reached a backend twice").isZero();
    assertThat(heapGrowthMb).as("heap growth after GC, MB").isLessThan(48);

    String report = System.getProperty("reliability.report", "");
    if (!report.isBlank()) {
      ReliabilityReport.write(Path.of(report), f, heapGrowthMb, leftover.size());
    }
  }

  /** Runs the schedule; everything it creates is closed and unreachable when it returns. */
  static Figures run(Duration duration, long minRequests, Duration phase) throws Exception {
    Ledger ledger = new Ledger(BACKENDS);
    QueuedThreadPool pool = new QueuedThreadPool(200, 8);
    pool.setName("chaos-backend");
    pool.start();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chaos-backend-timer");
      t.setDaemon(true);
      return t;
    });
    List<ChaosBackend> b = new ArrayList<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventRecorder events = new EventRecorder();
    PolicyWindow window = new PolicyWindow();
    Mesh mesh = null;
    OkHttpClient client = null;
    Thread monitor = null;
    AtomicInteger faults = new AtomicInteger();
    AtomicLong openings = new AtomicLong();
    AtomicLong closings = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    try {
      for (int i = 0; i < BACKENDS; i++) b.add(new ChaosBackend(i, pool, ledger, timer));
      mesh = Mesh.builder().config(ConfigLoader.load(config(b)))
          .meterRegistry(meters).eventListener(events).build();
      client = MeshOkHttp.wrap(new OkHttpClient.Builder()
          .connectTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofSeconds(3)).build(), mesh);
      Cluster shop = mesh.cluster("shop");

      LoadDriver load = new LoadDriver(client, "http://shop/api/items", CALLERS, POST_EVERY, window);
      Instant start = Instant.now();
      long t0 = System.nanoTime();
      load.start();
      await("the breaker gauge", Duration.ofSeconds(10),
          () -> meters.find(MeshMetricNames.CLIENT_CIRCUIT_STATE).gauge() != null);
      Gauge state = meters.find(MeshMetricNames.CLIENT_CIRCUIT_STATE).gauge();
      monitor = new Thread(() -> {
        double last = 0;
        while (!stop.get()) {
          double s = state.value();
          if (s == 2 && last != 2) openings.incrementAndGet();
          if (s == 0 && last != 0) closings.incrementAndGet();
          last = s;
          LockSupport.parkNanos(1_000_000L);
        }
      }, "chaos-breaker-monitor");
      monitor.setDaemon(true);
      monitor.start();
      await("warm-up traffic", Duration.ofSeconds(10), () -> load.completed() > 200);

      int cycles = 0;
      while (System.nanoTime() - t0 < duration.toNanos()
          || (minRequests > 0 && load.completed() < minRequests
              && System.nanoTime() - t0 < 3 * duration.toNanos())) {
        cycles++;
        int cyc = cycles;
        long liarEjections = events.count("ejected", b.get(1).address());
        long opened = openings.get();

        set(b.get(0), Mode.DOWN, faults);
        set(b.get(1), Mode.LIE, faults);
        hold(phase);
        await("the lying backend ejected", Duration.ofSeconds(10),
            () -> events.count("ejected", b.get(1).address()) > liarEjections,
            () -> "cycle " + cyc + " " + shop.statuses());
        // By status, not by a new event: on a starved machine a late check may already have
        // marked b0 unhealthy before it was killed.
        await("the killed backend marked unhealthy by its checks", Duration.ofSeconds(10),
            () -> !status(shop, b.get(0)).healthy(),
            () -> "cycle " + cyc + " " + shop.statuses() + Leaks.stacks("mesh"));

        set(b.get(0), Mode.OK, faults);
        set(b.get(2), Mode.STALL, faults);
        hold(phase);
        await("the restarted backend healthy again", Duration.ofSeconds(10),
            () -> status(shop, b.get(0)).healthy(),
            () -> "cycle " + cyc + " " + shop.statuses());

        set(b.get(2), Mode.OK, faults);
        set(b.get(3), Mode.RESET, faults);
        hold(phase);

        set(b.get(3), Mode.OK, faults);
        set(b.get(4), Mode.SLOW, faults);
        set(b.get(0), Mode.ERROR_503, faults);
        hold(phase);

        set(b.get(0), Mode.OK, faults);
        set(b.get(4), Mode.OK, faults);
        set(b.get(2), Mode.DOWN, faults);
        hold(phase);

        window.open();
        for (ChaosBackend x : b) set(x, Mode.ERROR_503, faults);
        hold(phase.dividedBy(2));
        await("the circuit breaker open", Duration.ofSeconds(10),
            () -> openings.get() > opened);
        for (ChaosBackend x : b) set(x, Mode.OK, faults);
        await("the circuit breaker closed again", Duration.ofSeconds(20), () -> state.value() == 0,
            () -> "cycle " + cyc + " " + shop.statuses());
        window.close();

        await("every endpoint usable again", Duration.ofSeconds(30),
            () -> shop.statuses().stream().allMatch(EndpointStatus::usable),
            () -> "cycle " + cyc + " " + shop.statuses());
        hold(phase.dividedBy(2));
      }
      load.close();
      Duration wall = Duration.between(start, Instant.now());
      stop.set(true);
      monitor.join(5_000);
      assertThat(monitor.isAlive()).isFalse();
      assertThat(state.value()).as("breaker state at the end").isZero();
      assertThat(shop.statuses()).allMatch(EndpointStatus::usable);

      long gets = load.getsOutside.total() + load.getsInside.total();
      long posts = load.postsOutside.total() + load.postsInside.total();
      double enforced = meters.find(MeshMetricNames.OUTLIER_EJECTIONS)
          .tag(MeshMetricNames.TAG_KIND, "enforced").counters().stream()
          .mapToDouble(Counter::count).sum();
      assertThat(openings.get()).as("breaker openings").isGreaterThanOrEqualTo(cycles);
      assertThat(closings.get()).as("breaker closings").isGreaterThanOrEqualTo(cycles);
      assertThat(events.count("ejected", b.get(1).address())).isGreaterThanOrEqualTo(cycles);
      assertThat(events.total("returned")).isPositive();
      assertThat(events.count("unhealthy", b.get(0).address())).isPositive();
      assertThat(events.count("healthy", b.get(0).address())).isPositive();

      int pooled = Leaks.assertNoLeakedConnections(client);
      System.out.println("connections pooled at the end (all idle, evicted): " + pooled);
      return new Figures(
          wall, cycles, load.completed(), gets, load.getsOutside.total(),
          load.getsOutside.count(Outcome.OK), load.getsOutside.count(Outcome.TRUNCATED),
          load.getsInside.count(Outcome.OK), load.getsInside.total(),
          posts, load.postsOutside.count(Outcome.OK) + load.postsInside.count(Outcome.OK),
          ledger.postsReceived(), ledger.duplicatedPosts().size(), ledger.getDuplicates(),
          faults.get(), (long) enforced, openings.get(), closings.get(),
          events.total("unhealthy"), events.total("healthy"),
          load.getsOutside.toString(), "outside: " + load.postsOutside + "; inside: " + load.postsInside,
          List.copyOf(load.unexpected));
    } finally {
      stop.set(true);
      if (monitor != null) monitor.join(5_000);
      if (client != null) {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
      if (mesh != null) mesh.close();
      for (ChaosBackend x : b) x.close();
      timer.shutdownNow();
      assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      pool.stop();
    }
  }

  private static EndpointStatus status(Cluster cluster, ChaosBackend backend) {
    return cluster.statuses().stream()
        .filter(s -> s.endpoint().address().equals(backend.address())).findFirst().orElseThrow();
  }

  private static void set(ChaosBackend backend, Mode mode, AtomicInteger faults) {
    if (backend.mode() == mode) return;
    if (mode != Mode.OK) faults.incrementAndGet();
    backend.mode(mode);
  }

  /** Lets the schedule's current step run for {@code d} of real time (traffic keeps flowing). */
  private static void hold(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    await("phase end", d.plusSeconds(1), () -> System.nanoTime() - end >= 0);
  }
}
