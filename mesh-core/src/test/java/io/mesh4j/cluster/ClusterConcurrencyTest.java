package io.mesh4j.cluster;

import io.mesh4j.internal.EndpointInternals;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.ep;
import static io.mesh4j.cluster.Fixtures.hc;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many threads report outcomes and pick while reloads, health flaps, ejections and time move on
 * other threads: nothing throws, no pick ever comes back empty, and the end state is exact.
 */
class ClusterConcurrencyTest {
  private static final int REPORTERS = 3;
  private static final int RELOADS = 300;
  private static final int PICKS_PER_RELOAD = 50;

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private static ClusterConfig config(List<EndpointConfig> endpoints, boolean health, boolean outlier) {
    return cluster("inv")
        .endpoints(endpoints)
        .healthCheck(health ? hc(Duration.ofSeconds(1), 1, 1) : null)
        .outlier(
            outlier
                ? new OutlierDetectionConfig(3, 2, Duration.ofSeconds(2), 50, Duration.ofSeconds(10), true)
                : null)
        .panic(50)
        .slowStart(Duration.ofSeconds(2))
        .build();
  }

  private static List<EndpointConfig> all() {
    List<EndpointConfig> out = new ArrayList<>();
    for (int i = 1; i <= 8; i++) out.add(ep("10.0.0." + i + ":80", i));
    return out;
  }

  @Test
  void reportingPickingReloadingAndFlappingAtOnceNeverThrowsNorLosesThePicker() throws Exception {
    Cluster c = h.apply(config(all(), true, true));
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong picks = new AtomicLong();
    AtomicLong emptyPicks = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(REPORTERS + 2);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();

    for (int t = 0; t < REPORTERS; t++) {
      long seed = t;
      threads.add(
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(seed);
                ready.countDown();
                await(go);
                try {
                  while (!done.get()) {
                    PickResult r = c.pick(PickContext.EMPTY);
                    picks.incrementAndGet();
                    if (!r.hasEndpoint()) {
                      emptyPicks.incrementAndGet();
                      continue;
                    }
                    Endpoint e = r.endpoint();
                    assertThat(e.cluster()).isEqualTo("inv");
                    EndpointInternals.requestStarted(e);
                    int roll = random.nextInt(10);
                    if (roll < 6) c.onOutcome(e, 200, Failure.NONE, 1_000);
                    else if (roll < 8) c.onOutcome(e, 503, Failure.NONE, 1_000);
                    else if (roll < 9) c.onOutcome(e, 0, Failure.CONNECT_FAILURE, 1_000);
                    else c.ejectNow(e, EjectionReason.DRAINING);
                    EndpointInternals.requestFinished(e);
                  }
                } catch (Throwable x) {
                  errors.add(x);
                }
              },
              "reporter-" + t));
    }
    threads.add(
        new Thread(
            () -> {
              ready.countDown();
              await(go);
              try {
                while (!done.get()) {
                  h.advance(Duration.ofMillis(100));
                  Thread.yield();
                }
              } catch (Throwable x) {
                errors.add(x);
              }
            },
            "clock"));
    threads.add(
        new Thread(
            () -> {
              SplittableRandom random = new SplittableRandom(99);
              ready.countDown();
              await(go);
              try {
                while (!done.get()) {
                  h.probe.healthy("10.0.0." + (1 + random.nextInt(12)) + ":80", random.nextBoolean());
                  Thread.yield();
                }
              } catch (Throwable x) {
                errors.add(x);
              }
            },
            "flapper"));
    threads.forEach(Thread::start);
    ready.await(10, TimeUnit.SECONDS);
    go.countDown();

    SplittableRandom random = new SplittableRandom(7);
    try {
      for (int i = 0; i < RELOADS; i++) {
        List<EndpointConfig> eps = new ArrayList<>();
        for (int k = 1; k <= 12; k++) {
          if (random.nextInt(3) > 0) eps.add(ep("10.0.0." + k + ":80", 1 + random.nextInt(20)));
        }
        if (eps.size() < 2) eps = all();
        h.registry.apply(List.of(config(eps, random.nextInt(5) > 0, random.nextInt(5) > 0)));
        // Let the reporters make progress between reloads, so they really interleave.
        long target = picks.get() + PICKS_PER_RELOAD;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (picks.get() < target && errors.isEmpty() && System.nanoTime() - deadline < 0) {
          Thread.yield();
        }
      }
    } finally {
      done.set(true);
      for (Thread t : threads) t.join(30_000);
    }

    assertThat(errors).isEmpty();
    assertThat(threads).noneMatch(Thread::isAlive);
    assertThat(picks.get()).isGreaterThanOrEqualTo((long) RELOADS * PICKS_PER_RELOAD);
    assertThat(emptyPicks.get()).isZero();

    // Settle: every endpoint healthy, every ejection and ramp over.
    for (int k = 1; k <= 12; k++) h.probe.healthy("10.0.0." + k + ":80", true);
    h.registry.apply(List.of(config(all(), true, true)));
    h.advance(Duration.ofMinutes(10));

    assertThat(c.usableCount()).isEqualTo(8);
    assertThat(c.panic()).isFalse();
    assertThat(h.pickers("inv").last().weightList()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(c.statuses()).allSatisfy(s -> assertThat(s.usable()).isTrue());
    assertThat(c.endpoints()).allSatisfy(e -> assertThat(e.activeRequests()).isZero());
    assertThat(h.meters.get("mesh.endpoint.usable").tag("cluster", "inv").gauge().value()).isEqualTo(8);
    // Timers left: one pending health check per endpoint, nothing else.
    assertThat(h.time.pendingTasks()).isEqualTo(8);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
