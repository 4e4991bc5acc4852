package io.mesh4j.cluster;

import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.ep;
import static io.mesh4j.cluster.Fixtures.eps;
import static io.mesh4j.cluster.Fixtures.hc;
import static io.mesh4j.cluster.Fixtures.od;
import static io.mesh4j.cluster.Harness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterPanicAndSlowStartTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private void drain(Cluster c, int count) {
    for (int i = 1; i <= count; i++) c.ejectNow(endpoint(c, "10.0.0." + i + ":80"), EjectionReason.DRAINING);
  }

  @ParameterizedTest(name = "{1} of {0} unusable, threshold {2}% -> panic {3}")
  @CsvSource({
    "10, 5, 50, false", // exactly 50% usable: not below the threshold
    "10, 6, 50, true",
    "10, 0, 50, false",
    "10, 10, 50, true",
    "3, 1, 67, true", // 2/3 usable: 200 < 67 * 3 = 201
    "3, 1, 66, false", // 200 >= 198
    "4, 1, 75, false", // 3/4 = 75%
    "4, 2, 75, true",
    "10, 10, 0, false", // 0 disables panic
    "10, 9, 100, true",
    "10, 0, 100, false"
  })
  void panicEngagesExactlyBelowTheThreshold(int total, int unusable, int threshold, boolean panic) {
    Cluster c = h.apply(cluster("inv").endpoints(eps(total)).panic(threshold).build());

    drain(c, unusable);

    assertThat(c.panic()).isEqualTo(panic);
    int expectedPicked = c.panic() ? total : total - unusable;
    assertThat(h.pickers("inv").last().endpoints()).hasSize(expectedPicked);
    assertThat(h.meters.get("mesh.cluster.panic").tag("cluster", "inv").gauge().value()).isEqualTo(c.panic() ? 1 : 0);
  }

  @Test
  void panicDisengagesWhenEnoughEndpointsComeBack() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(4)).panic(50).healthCheck(hc(Duration.ofSeconds(5), 1, 1)).build());
    for (int i = 1; i <= 3; i++) h.probe.healthy("10.0.0." + i + ":80", false);
    h.advance(Duration.ofMillis(2_500));
    assertThat(c.panic()).isTrue();
    assertThat(h.pickers("inv").last().endpoints()).hasSize(4);

    h.probe.healthy("10.0.0.1:80", true);
    h.advance(Duration.ofSeconds(5));

    assertThat(c.panic()).isFalse();
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.1:80", "10.0.0.4:80");
    assertThat(h.events.events().stream().filter(e -> e.startsWith("rebuilt")))
        .containsExactly(
            "rebuilt inv 4/4", "rebuilt inv 3/4", "rebuilt inv 2/4", "rebuilt inv 1/4 panic", "rebuilt inv 2/4");
  }

  @Test
  void withoutPanicAClusterWithNoUsableEndpointPicksNothing() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).panic(0).build());

    drain(c, 2);

    assertThat(c.pick(PickContext.EMPTY)).isSameAs(PickResult.NONE);
  }

  @Test
  void endpointsOfTheFirstListDoNotSlowStart() {
    h.apply(cluster("inv").endpoints(ep("10.0.0.1:80", 2), ep("10.0.0.2:80", 1)).slowStart(Duration.ofSeconds(10)).build());

    assertThat(h.pickers("inv").last().weightList()).containsExactly(2, 1);
    assertThat(h.time.pendingTasks()).isZero();
  }

  @Test
  void aNewEndpointRampsFromTenPercentToItsWeightOverTheWindow() {
    var before = cluster("inv").endpoints(ep("10.0.0.1:80", 2), ep("10.0.0.2:80", 1)).slowStart(Duration.ofSeconds(10));
    h.apply(before.build());
    Cluster c =
        h.apply(
            before
                .endpoints(ep("10.0.0.1:80", 2), ep("10.0.0.2:80", 1), ep("10.0.0.3:80", 3))
                .build());
    List<List<Integer>> weights = new ArrayList<>();
    weights.add(h.pickers("inv").last().weightList());

    for (int i = 0; i < 10; i++) {
      h.advance(Duration.ofSeconds(1));
      weights.add(h.pickers("inv").last().weightList());
    }

    assertThat(weights)
        .containsExactly(
            List.of(20, 10, 3), // floor: 10% of 30
            List.of(20, 10, 3),
            List.of(20, 10, 6),
            List.of(20, 10, 9),
            List.of(20, 10, 12),
            List.of(20, 10, 15),
            List.of(20, 10, 18),
            List.of(20, 10, 21),
            List.of(20, 10, 24),
            List.of(20, 10, 27),
            List.of(2, 1, 3)); // window over: the configured weights
    assertThat(h.time.pendingTasks()).isZero();
    assertThat(c.status(endpoint(c, "10.0.0.3:80")).effectiveWeight()).isEqualTo(3);
  }

  @Test
  void theRampIsLinearBetweenSteps() {
    var cfg = cluster("inv").endpoints(eps(1)).slowStart(Duration.ofSeconds(10));
    h.apply(cfg.build());
    Cluster c = h.apply(cfg.endpoints(ep("10.0.0.1:80", 1), ep("10.0.0.2:80", 100)).build());
    h.advance(Duration.ofMillis(4_500));

    c.ejectNow(endpoint(c, "10.0.0.1:80"), EjectionReason.DRAINING); // any rebuild recomputes

    assertThat(h.pickers("inv").last().weightList()).containsExactly(450);
  }

  @Test
  void anEndpointThatTurnsHealthyAgainRampsUp() {
    Cluster c =
        h.apply(
            cluster("inv")
                .endpoints(eps(2))
                .healthCheck(hc(Duration.ofSeconds(5), 1, 1))
                .slowStart(Duration.ofSeconds(10))
                .build());
    h.probe.healthy("10.0.0.2:80", false);
    h.advance(Duration.ofMillis(2_500));
    assertThat(h.pickers("inv").last().weightList()).containsExactly(1);

    h.probe.healthy("10.0.0.2:80", true);
    h.advance(Duration.ofSeconds(5));

    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
    assertThat(h.pickers("inv").last().weightList()).containsExactly(10, 1);
    h.advance(Duration.ofSeconds(5));
    assertThat(h.pickers("inv").last().weightList()).containsExactly(10, 5);
    h.advance(Duration.ofSeconds(5));
    assertThat(h.pickers("inv").last().weightList()).containsExactly(1, 1);
    assertThat(c.usableCount()).isEqualTo(2);
  }

  @Test
  void anEndpointReturningFromAnEjectionRampsUp() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).outlier(od(1, 50)).slowStart(Duration.ofSeconds(10)).build());
    c.onOutcome(endpoint(c, "10.0.0.1:80"), 500, Failure.NONE, 1);

    h.advance(Duration.ofSeconds(30));

    assertThat(h.pickers("inv").last().weightList()).containsExactly(1, 10);
  }

  @Test
  void withoutSlowStartAReturningEndpointGetsItsFullWeightAtOnce() {
    Cluster c = h.apply(cluster("inv").endpoints(ep("10.0.0.1:80", 4), ep("10.0.0.2:80", 1)).outlier(od(1, 50)).build());
    c.onOutcome(endpoint(c, "10.0.0.1:80"), 500, Failure.NONE, 1);

    h.advance(Duration.ofSeconds(30));

    assertThat(h.pickers("inv").last().weightList()).containsExactly(4, 1);
  }

  @Test
  void rampedWeightIsExactForHugeWindows() {
    long window = Duration.ofDays(400).toNanos();

    assertThat(Cluster.rampedWeight(10_000, window / 2, window)).isEqualTo(50_000);
    assertThat(Cluster.rampedWeight(10_000, window - 1, window)).isEqualTo(99_999);
    assertThat(Cluster.rampedWeight(3, 0, window)).isZero();
  }
}
