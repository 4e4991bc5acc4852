package io.mesh4j.cluster;

import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.eps;
import static io.mesh4j.cluster.Fixtures.hc;
import static io.mesh4j.cluster.Fixtures.od;
import static io.mesh4j.cluster.Harness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterOutlierTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private static void fail(Cluster c, Endpoint e, int times) {
    for (int i = 0; i < times; i++) c.onOutcome(e, 503, Failure.NONE, 1_000);
  }

  private double ejections(String kind, String reason) {
    var counter =
        h.meters.find("mesh.outlier.ejections").tag("cluster", "inv").tag("kind", kind).tag("reason", reason).counter();
    return counter == null ? -1 : counter.count();
  }

  @Test
  void fiveConsecutive5xxEjectAnEndpointForTheBaseEjectionTime() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    fail(c, a, 4);
    assertThat(c.status(a).ejected()).isFalse();
    fail(c, a, 1);

    EndpointStatus s = c.status(a);
    assertThat(s.ejected()).isTrue();
    assertThat(s.ejectionReason()).isEqualTo(EjectionReason.CONSECUTIVE_5XX);
    assertThat(s.ejectionRemaining()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.timesEjected()).isEqualTo(1);
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.2:80", "10.0.0.3:80");
    assertThat(c.usableCount()).isEqualTo(2);
  }

  @Test
  void gatewayFailuresAndConnectFailuresCountTowardsTheGatewayThreshold() {
    OutlierDetectionConfig gatewayOnly =
        new OutlierDetectionConfig(0, 3, Duration.ofSeconds(30), 50, Duration.ofSeconds(300), true);
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).outlier(gatewayOnly).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    c.onOutcome(a, 0, Failure.CONNECT_FAILURE, 1);
    c.onOutcome(a, 502, Failure.NONE, 1);
    c.onOutcome(a, 0, Failure.TIMEOUT, 1);

    assertThat(c.status(a).ejectionReason()).isEqualTo(EjectionReason.CONSECUTIVE_GATEWAY_FAILURE);
  }

  @Test
  void theEndpointReturnsByItselfWhenItsEjectionTimeIsOver() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    fail(c, a, 5);

    h.advance(Duration.ofSeconds(30).minusNanos(1));
    assertThat(c.status(a).ejected()).isTrue();
    h.advance(Duration.ofNanos(1));

    assertThat(c.status(a).ejected()).isFalse();
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    assertThat(h.events.eventsExceptRebuilds())
        .endsWith("ejected inv/10.0.0.1:80 consecutive_5xx 30s", "returned inv/10.0.0.1:80");
  }

  @Test
  void ejectionTimesGrowWithEachEjectionInARowAndStopAtTheMaximum() {
    OutlierDetectionConfig o =
        new OutlierDetectionConfig(5, 0, Duration.ofSeconds(30), 50, Duration.ofSeconds(100), true);
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(o).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    for (long expected : new long[] {30, 60, 90, 100, 100}) {
      fail(c, a, 5);
      assertThat(c.status(a).ejectionRemaining()).isEqualTo(Duration.ofSeconds(expected));
      h.advance(Duration.ofSeconds(expected));
      assertThat(c.status(a).ejected()).isFalse();
    }
  }

  @Test
  void theEjectionMultiplierDecaysWhileTheEndpointStaysInService() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    fail(c, a, 5);
    h.advance(Duration.ofSeconds(30));
    fail(c, a, 5);
    h.advance(Duration.ofSeconds(60));
    assertThat(c.status(a).timesEjected()).isEqualTo(2);

    h.advance(Duration.ofSeconds(30));
    assertThat(c.status(a).timesEjected()).isEqualTo(1);
    fail(c, a, 5);

    assertThat(c.status(a).ejectionRemaining()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void maxEjectionPercentCapsEnforcedEjectionsButEveryDetectionIsCounted() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(10)).outlier(od(5, 20)).build());

    for (int i = 1; i <= 3; i++) fail(c, endpoint(c, "10.0.0." + i + ":80"), 5);

    assertThat(c.statuses().stream().filter(EndpointStatus::ejected).map(s -> s.endpoint().address()))
        .containsExactly("10.0.0.1:80", "10.0.0.2:80");
    assertThat(ejections("detected", "consecutive_5xx")).isEqualTo(3);
    assertThat(ejections("enforced", "consecutive_5xx")).isEqualTo(2);
    assertThat(h.events.eventsExceptRebuilds()).last().isEqualTo("ejected inv/10.0.0.3:80 consecutive_5xx 30s dry-run");
  }

  @Test
  void anEndpointThatKeepsFailingIsEjectedOnceTheCapAllowsAlthoughItsFirstDetectionWasCapped() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 10)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    Endpoint b = endpoint(c, "10.0.0.2:80");
    fail(c, a, 5);
    fail(c, b, 5); // detected, capped: a is ejected and the cap is one endpoint
    assertThat(c.status(b).ejected()).isFalse();

    h.advance(Duration.ofSeconds(30)); // a returns; b has not succeeded since
    assertThat(c.status(a).ejected()).isFalse();
    fail(c, b, 4);
    assertThat(c.status(b).ejected()).isFalse();
    fail(c, b, 1);

    assertThat(c.status(b).ejected()).isTrue();
    assertThat(ejections("detected", "consecutive_5xx")).isEqualTo(3);
    assertThat(ejections("enforced", "consecutive_5xx")).isEqualTo(2);
  }

  @Test
  void oneEndpointMayAlwaysBeEjectedEvenWhenThePercentageIsBelowOneEndpoint() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 10)).build());

    fail(c, endpoint(c, "10.0.0.1:80"), 5);
    fail(c, endpoint(c, "10.0.0.2:80"), 5);

    assertThat(c.status(endpoint(c, "10.0.0.1:80")).ejected()).isTrue();
    assertThat(c.status(endpoint(c, "10.0.0.2:80")).ejected()).isFalse();
  }

  @Test
  void aDryRunDetectsAndCountsButNeverEjects() {
    OutlierDetectionConfig dryRun =
        new OutlierDetectionConfig(5, 0, Duration.ofSeconds(30), 50, Duration.ofSeconds(300), false);
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(dryRun).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    int builds = h.pickers("inv").count();

    fail(c, a, 5);
    fail(c, a, 5); // the same streak: not detected again
    c.onOutcome(a, 200, Failure.NONE, 1);
    fail(c, a, 5);

    assertThat(c.status(a).ejected()).isFalse();
    assertThat(h.pickers("inv").count()).isEqualTo(builds);
    assertThat(ejections("detected", "consecutive_5xx")).isEqualTo(2);
    assertThat(ejections("enforced", "consecutive_5xx")).isEqualTo(0);
    assertThat(h.events.eventsExceptRebuilds())
        .endsWith(
            "ejected inv/10.0.0.1:80 consecutive_5xx 30s dry-run",
            "ejected inv/10.0.0.1:80 consecutive_5xx 30s dry-run");
  }

  @Test
  void aPassingActiveCheckReturnsAnEjectedEndpointEarly() {
    Cluster c =
        h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    h.advance(Duration.ofMillis(2_500)); // first checks at half an interval
    fail(c, a, 5);
    assertThat(c.status(a).ejected()).isTrue();

    h.advance(Duration.ofMillis(4_999));
    assertThat(c.status(a).ejected()).isTrue();
    h.advance(Duration.ofMillis(1));

    assertThat(c.status(a).ejected()).isFalse();
    assertThat(h.events.eventsExceptRebuilds()).last().isEqualTo("returned inv/10.0.0.1:80");
  }

  @Test
  void aFailingActiveCheckDoesNotReturnAnEjectedEndpoint() {
    Cluster c =
        h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    h.probe.healthy("10.0.0.1:80", false);
    fail(c, a, 5);

    h.advance(Duration.ofSeconds(29));

    assertThat(c.status(a).ejected()).isTrue();
  }

  @Test
  void aDrainingEndpointIsEjectedAtOnceRegardlessOfThresholdsAndTheCap() {
    Cluster c =
        h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 10)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    Endpoint b = endpoint(c, "10.0.0.2:80");
    fail(c, a, 5);

    c.ejectNow(b, EjectionReason.DRAINING);

    EndpointStatus s = c.status(b);
    assertThat(s.ejected()).isTrue();
    assertThat(s.ejectionReason()).isEqualTo(EjectionReason.DRAINING);
    assertThat(s.ejectionRemaining()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.timesEjected()).isZero();
    assertThat(ejections("enforced", "draining")).isEqualTo(1);
    assertThat(ejections("detected", "draining")).isEqualTo(1);

    h.advance(Duration.ofSeconds(10)); // passing checks return a early, but not the draining b
    assertThat(c.status(a).ejected()).isFalse();
    assertThat(c.status(b).ejected()).isTrue();
    h.advance(Duration.ofSeconds(20));
    assertThat(c.status(b).ejected()).isFalse();
  }

  @Test
  void aDrainedEndpointSeenDownThenHealthyAgainReturnsBeforeTheEjectionTime() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(1), 1, 1)).build());
    Endpoint b = endpoint(c, "10.0.0.2:80");
    c.ejectNow(b, EjectionReason.DRAINING);

    h.probe.healthy("10.0.0.2:80", false); // the draining instance's health endpoint answers 503, then it stops
    h.advance(Duration.ofSeconds(2));
    assertThat(c.status(b).ejected()).isTrue();
    assertThat(c.status(b).healthy()).isFalse();

    h.probe.healthy("10.0.0.2:80", true); // a new instance on the same address passes its check
    h.advance(Duration.ofSeconds(2));

    assertThat(c.status(b).ejected()).isFalse();
    assertThat(c.status(b).healthy()).isTrue();
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
  }

  @Test
  void aDrainedEndpointThatWasAlreadyDownStaysEjectedUntilAFailedCheckFollowsTheDrain() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(1), 1, 1)).build());
    Endpoint b = endpoint(c, "10.0.0.2:80");
    h.probe.healthy("10.0.0.2:80", false);
    h.advance(Duration.ofSeconds(2));
    assertThat(c.status(b).healthy()).isFalse();

    c.ejectNow(b, EjectionReason.DRAINING);
    h.probe.healthy("10.0.0.2:80", true); // no check failed since the drain: maybe the draining instance itself
    h.advance(Duration.ofSeconds(2));

    assertThat(c.status(b).healthy()).isTrue();
    assertThat(c.status(b).ejected()).isTrue();
    h.advance(Duration.ofSeconds(28));
    assertThat(c.status(b).ejected()).isFalse();
  }

  @Test
  void drainingWithoutOutlierDetectionEjectsForThirtySeconds() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    c.ejectNow(a, EjectionReason.DRAINING);

    assertThat(c.status(a).ejectionRemaining()).isEqualTo(Duration.ofSeconds(30));
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.2:80");
  }

  @Test
  void aRepeatedDrainingHintExtendsTheEjectionInsteadOfStackingIt() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    c.ejectNow(a, EjectionReason.DRAINING);
    h.advance(Duration.ofSeconds(20));

    c.ejectNow(a, EjectionReason.DRAINING);

    assertThat(c.status(a).ejectionRemaining()).isEqualTo(Duration.ofSeconds(30));
    h.advance(Duration.ofSeconds(29));
    assertThat(c.status(a).ejected()).isTrue();
    h.advance(Duration.ofSeconds(1));
    assertThat(c.status(a).ejected()).isFalse();
    assertThat(h.events.eventsExceptRebuilds().stream().filter(e -> e.startsWith("returned")))
        .containsExactly("returned inv/10.0.0.1:80");
    assertThat(ejections("enforced", "draining")).isEqualTo(1);
  }

  @Test
  void outcomesAreCountedPerEndpointAndCancellationsAreNot() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    c.onOutcome(a, 200, Failure.NONE, 1);
    c.onOutcome(a, 404, Failure.NONE, 1);
    c.onOutcome(a, 500, Failure.NONE, 1);
    c.onOutcome(a, 0, Failure.RESET, 1);
    c.onOutcome(a, 0, Failure.OTHER, 1);
    c.onOutcome(a, 0, Failure.CANCELLED, 1);

    assertThat(c.status(a).successes()).isEqualTo(2);
    assertThat(c.status(a).failures()).isEqualTo(3);
  }

  @Test
  void anOutcomeForAnEndpointThatLeftTheClusterIsIgnored() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).outlier(od(1, 50)).build());
    Endpoint gone = endpoint(c, "10.0.0.2:80");
    h.apply(cluster("inv").endpoints(eps(1)).outlier(od(1, 50)).build());

    c.onOutcome(gone, 503, Failure.NONE, 1);
    c.ejectNow(gone, EjectionReason.DRAINING);

    assertThat(c.status(gone)).isNull();
    assertThat(c.statuses()).extracting(EndpointStatus::ejected).containsExactly(false);
  }

  @Test
  void removingOutlierDetectionOnReloadReturnsItsEjectionsButKeepsDrainingOnes() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(4)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    Endpoint b = endpoint(c, "10.0.0.2:80");
    fail(c, a, 5);
    c.ejectNow(b, EjectionReason.DRAINING);

    h.apply(cluster("inv").endpoints(eps(4)).build());

    assertThat(c.status(a).ejected()).isFalse();
    assertThat(c.status(b).ejected()).isTrue();
    fail(c, a, 50);
    assertThat(c.status(a).ejected()).isFalse();
  }

  @Test
  void outlierThresholdChangesApplyOnReload() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).outlier(od(5, 50)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    h.apply(cluster("inv").endpoints(eps(3)).outlier(od(2, 50)).build());
    fail(c, a, 2);

    assertThat(c.status(a).ejected()).isTrue();
  }

  @Test
  void theEjectedGaugeCountsEnforcedEjections() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(4)).outlier(od(5, 50)).build());
    fail(c, endpoint(c, "10.0.0.1:80"), 5);
    c.ejectNow(endpoint(c, "10.0.0.2:80"), EjectionReason.DRAINING);

    assertThat(h.meters.get("mesh.endpoint.ejected").tag("cluster", "inv").gauge().value()).isEqualTo(2);
    assertThat(h.meters.get("mesh.endpoint.usable").tag("cluster", "inv").gauge().value()).isEqualTo(2);
    assertThat(c.usableCount()).isEqualTo(2);
  }
}
