package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static io.mesh4j.lb.TestEndpoints.tried;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.EndpointInternals;
import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;

class PeakEwmaPickerTest {
  private static final long MS = 1_000_000L;
  private static final long TAU = Duration.ofSeconds(10).toNanos();

  /** A virtual clock the picker reads. */
  private long now = 1_000 * MS;

  private PeakEwmaPicker picker(List<Endpoint> eps, int[] weights) {
    for (Endpoint e : eps) EndpointInternals.latency(e).decayNanos(TAU);
    return new PeakEwmaPicker(eps, weights, () -> now, new SplittableRandom(7));
  }

  private static void sample(Endpoint e, long latency, long at) {
    EndpointInternals.latency(e).record(latency, at);
  }

  /**
   * A closed loop of {@code concurrency} callers on virtual time: each pick starts a request that
   * lasts {@code latency.applyAsLong(endpoint, start)}, whose end records its latency as the
   * attempt loop does. Returns the picks per endpoint of requests started at or after {@code
   * countFrom}.
   */
  private int[] run(List<Endpoint> eps, Picker picker, int concurrency, long until, long countFrom,
      LongBinaryOperator latency) {
    record Flight(long end, long start, int endpoint) {}
    PriorityQueue<Flight> flying =
        new PriorityQueue<>((a, b) -> Long.compare(a.end, b.end));
    int[] counts = new int[eps.size()];
    long stop = now + until;
    long from = now + countFrom;
    while (now < stop) {
      while (flying.size() < concurrency) {
        int i = indexOf(eps, picker.pick(PickContext.EMPTY));
        Endpoint e = eps.get(i);
        EndpointInternals.requestStarted(e);
        flying.add(new Flight(now + latency.applyAsLong(i, now), now, i));
        if (now >= from) counts[i]++;
      }
      Flight f = flying.poll();
      now = f.end;
      Endpoint e = eps.get(f.endpoint);
      EndpointInternals.requestFinished(e);
      EndpointInternals.recordLatency(e, 200, Failure.NONE, f.end - f.start, f.end);
    }
    while (!flying.isEmpty()) EndpointInternals.requestFinished(eps.get(flying.poll().endpoint));
    return counts;
  }

  private static double share(int[] counts, int i) {
    long total = 0;
    for (int c : counts) total += c;
    return (double) counts[i] / total;
  }

  @Test
  void aTenTimesSlowerEndpointGetsUnderTenPercentOfPicksAtSteadyState() {
    List<Endpoint> eps = endpoints(3);
    for (int concurrency : new int[] {1, 4, 16}) {
      int[] counts = run(eps, picker(eps, repeat(3, 1)), concurrency, 60_000 * MS, 10_000 * MS,
          (i, t) -> i == 2 ? 10 * MS : 1 * MS);

      assertThat(share(counts, 2)).as("slow share at concurrency %d", concurrency).isLessThan(0.10);
      assertThat(share(counts, 0)).isBetween(0.40, 0.60);
    }
  }

  @Test
  void weightsAreRespectedAmongEquallyFastEndpoints() {
    List<Endpoint> eps = endpoints(2);
    int[] counts = run(eps, picker(eps, weights(3, 1)), 16, 20_000 * MS, 2_000 * MS,
        (i, t) -> 1 * MS);

    // In flight settle where (a0 + 1) / 3 = (a1 + 1) / 1, a0 + a1 = 16: 12.75 and 3.25.
    assertThat(share(counts, 0)).isBetween(0.72, 0.84);
  }

  @Test
  void loadIsTheEstimateTimesActivePlusOneOverTheWeight() {
    List<Endpoint> eps = endpoints(2);
    PeakEwmaPicker p = picker(eps, weights(2, 1));
    sample(eps.get(0), 4 * MS, now);
    sample(eps.get(1), 1 * MS, now);
    EndpointInternals.requestStarted(eps.get(0));

    try {
      assertThat(p.load(0, now)).isEqualTo(4.0 * MS * 2 / 2, org.assertj.core.api.Assertions.within(MS * 1e-3));
      assertThat(p.load(1, now)).isEqualTo(1.0 * MS, org.assertj.core.api.Assertions.within(MS * 1e-3));
      for (int k = 0; k < 100; k++) assertThat(p.pick(PickContext.EMPTY).endpoint()).isSameAs(eps.get(1));
    } finally {
      EndpointInternals.requestFinished(eps.get(0));
    }
  }

  @Test
  void decayBringsARecoveredEndpointBack() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = picker(eps, repeat(3, 1));
    long recovered = now + 10_000 * MS;
    // 10x slower for the first 10 s, then as fast as the others.
    LongBinaryOperator latency = (i, t) -> i == 2 && t < recovered ? 10 * MS : 1 * MS;
    int[] slow = run(eps, picker, 4, 10_000 * MS, 2_000 * MS, latency);
    assertThat(share(slow, 2)).isLessThan(0.10);

    // Its estimate decays (10 ms × e^-t/10s meets 1 ms after ~23 s), it is probed, and it is back.
    int[] later = run(eps, picker, 4, 60_000 * MS, 40_000 * MS, latency);
    assertThat(share(later, 2)).isBetween(0.25, 0.42);
  }

  @Test
  void anEndpointWithoutASampleIsProbedOnceThenPenalizedUntilItReports() {
    List<Endpoint> eps = endpoints(2);
    PeakEwmaPicker p = picker(eps, repeat(2, 1));
    sample(eps.get(0), 1 * MS, now);

    // Nothing in flight and no sample: load 0, so the new endpoint wins its first comparison.
    assertThat(p.pick(PickContext.EMPTY).endpoint()).isSameAs(eps.get(1));
    EndpointInternals.requestStarted(eps.get(1));
    try {
      // One request in flight and still no sample: Finagle's penalty, so no stampede.
      assertThat(p.load(1, now)).isGreaterThan(1e14);
      for (int k = 0; k < 100; k++) assertThat(p.pick(PickContext.EMPTY).endpoint()).isSameAs(eps.get(0));
    } finally {
      EndpointInternals.requestFinished(eps.get(1));
    }
  }

  @Test
  void aFailedAttemptCountsAsASlowResponseSoAFastFailingEndpointIsNotPreferred() {
    List<Endpoint> eps = endpoints(2);
    PeakEwmaPicker p = picker(eps, repeat(2, 1));
    sample(eps.get(0), 5 * MS, now);
    EndpointInternals.recordLatency(eps.get(1), 0, Failure.CONNECT_FAILURE, 100_000, now);

    for (int k = 0; k < 100; k++) assertThat(p.pick(PickContext.EMPTY).endpoint()).isSameAs(eps.get(0));
  }

  @Test
  void aRetryTakesTheFasterOfTheUntriedEndpointsNotTheLosingCandidate() {
    // The first pick went to the fast endpoint; a retry (or a hedge) must not go to the slow one
    // just because it lost the first comparison: among the two untried, the faster wins.
    List<Endpoint> eps = endpoints(3);
    PeakEwmaPicker p = picker(eps, repeat(3, 1));
    sample(eps.get(0), 1 * MS, now);
    sample(eps.get(1), 2 * MS, now);
    sample(eps.get(2), 10 * MS, now);

    for (int k = 0; k < 300; k++) {
      assertThat(p.pick(tried(eps.get(0))).endpoint()).isSameAs(eps.get(1));
    }
  }

  @Test
  void aRetryTakesAnUntriedEndpoint() {
    List<Endpoint> eps = endpoints(3);
    PeakEwmaPicker p = picker(eps, repeat(3, 1));
    sample(eps.get(0), 1 * MS, now);
    sample(eps.get(1), 5 * MS, now);
    sample(eps.get(2), 9 * MS, now);

    for (int k = 0; k < 200; k++) {
      assertThat(p.pick(tried(eps.get(0))).endpoint()).isNotSameAs(eps.get(0));
      assertThat(p.pick(tried(eps.get(0), eps.get(1))).endpoint()).isSameAs(eps.get(2));
    }
    assertThat(p.pick(tried(eps.toArray(Endpoint[]::new))).hasEndpoint()).isTrue();
  }

  @Test
  void picksAndLatencyReportsAllocateNothing() {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean);
    var threads = (com.sun.management.ThreadMXBean) mx;
    org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported()
        && threads.isThreadAllocatedMemoryEnabled());
    List<Endpoint> eps = endpoints(4);
    Picker p = Pickers.factory(ClusterConfigHolder.PEAK_EWMA, new java.util.Random(1), () -> now)
        .build(eps, weights(1, 2, 3, 4));
    long id = Thread.currentThread().getId();
    Runnable rounds = () -> {
      for (int i = 0; i < 200_000; i++) {
        Endpoint e = p.pick(PickContext.EMPTY).endpoint();
        EndpointInternals.requestStarted(e);
        now += 50_000;
        EndpointInternals.recordLatency(e, 200, Failure.NONE, 1_000_000 + (i & 1023) * 1_000, now);
        EndpointInternals.requestFinished(e);
      }
    };
    rounds.run(); // warm up
    rounds.run();
    long before = threads.getThreadAllocatedBytes(id);
    rounds.run();
    long allocated = threads.getThreadAllocatedBytes(id) - before;

    assertThat(allocated).as("bytes allocated by 200,000 picks and reports").isLessThan(1_024);
  }

  /** A peak_ewma cluster config for the factory. */
  private static final class ClusterConfigHolder {
    static final io.mesh4j.config.ClusterConfig PEAK_EWMA = new io.mesh4j.config.ClusterConfig(
        "c", io.mesh4j.config.LbPolicy.PEAK_EWMA, List.of(), null, null, null, null, null, 50,
        null, null, null, null, null, null);
  }

  @Test
  void theFactoryTurnsOnTrackingWithItsDecayTimeAndRejectsANonPositiveOne() {
    List<Endpoint> eps = endpoints(2);
    Pickers.peakEwma(Duration.ofSeconds(3), () -> now).build(eps, repeat(2, 1));

    assertThat(EndpointInternals.latency(eps.get(0)).decayNanos()).isEqualTo(3_000 * MS);
    assertThat(Pickers.peakEwma(Duration.ofSeconds(3), () -> now).build(List.of(), new int[0]))
        .isSameAs(EmptyPicker.INSTANCE);
    assertThatThrownBy(() -> Pickers.peakEwma(Duration.ZERO, () -> now))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decay_time");
  }
}
