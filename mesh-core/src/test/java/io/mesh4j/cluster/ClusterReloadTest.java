package io.mesh4j.cluster;

import io.mesh4j.internal.cluster.ClusterRegistry;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.ep;
import static io.mesh4j.cluster.Fixtures.eps;
import static io.mesh4j.cluster.Fixtures.hc;
import static io.mesh4j.cluster.Fixtures.od;
import static io.mesh4j.cluster.Harness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterReloadTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void aNewClusterPicksOverItsEndpointsInConfigOrderWithTheirWeights() {
    Cluster c = h.apply(cluster("inv").endpoints(ep("10.0.0.2:80", 5), ep("10.0.0.1:80", 2), ep("[::1]:81", 1)).build());

    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.2:80", "10.0.0.1:80", "[::1]:81");
    assertThat(h.pickers("inv").last().weightList()).containsExactly(5, 2, 1);
    assertThat(c.pick(PickContext.EMPTY).endpoint().address()).isEqualTo("10.0.0.2:80");
    assertThat(c.endpoints()).extracting(Endpoint::key).containsExactly("inv/10.0.0.2:80", "inv/10.0.0.1:80", "inv/[::1]:81");
  }

  @Test
  void aReloadThatKeepsAnEndpointKeepsItsObjectAndAllItsState() {
    ClusterConfig before =
        cluster("inv").endpoints(eps(4)).outlier(od(5, 50)).healthCheck(hc(Duration.ofSeconds(5), 1, 2)).build();
    Cluster c = h.apply(before);
    Endpoint a = endpoint(c, "10.0.0.1:80");
    Endpoint b = endpoint(c, "10.0.0.2:80");
    for (int i = 0; i < 5; i++) c.onOutcome(a, 503, Failure.NONE, 1);
    c.onOutcome(b, 200, Failure.NONE, 1);
    h.probe.healthy("10.0.0.2:80", false);
    h.advance(Duration.ofMillis(2_500));
    h.probe.healthy("10.0.0.2:80", true);
    EndpointStatus aBefore = c.status(a);
    EndpointStatus bBefore = c.status(b);
    assertThat(bBefore.healthy()).isFalse();

    h.apply(cluster("inv").endpoints(eps(4)).outlier(od(5, 50)).healthCheck(hc(Duration.ofSeconds(5), 1, 2)).build());

    assertThat(endpoint(c, "10.0.0.1:80")).isSameAs(a);
    assertThat(endpoint(c, "10.0.0.2:80")).isSameAs(b);
    assertThat(c.status(a)).isEqualTo(aBefore);
    assertThat(c.status(b)).isEqualTo(bBefore);
    assertThat(h.registry.cluster("inv")).isSameAs(c);
  }

  @Test
  void aRemovedEndpointIsDroppedAndNoLongerChecked() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(3)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    Endpoint gone = endpoint(c, "10.0.0.3:80");
    h.advance(Duration.ofMillis(2_500));
    assertThat(h.probe.callsTo("10.0.0.3:80")).isEqualTo(1);

    h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    h.advance(Duration.ofSeconds(60));

    assertThat(c.status(gone)).isNull();
    assertThat(c.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1:80", "10.0.0.2:80");
    assertThat(h.probe.callsTo("10.0.0.3:80")).isEqualTo(1);
    assertThat(h.probe.callsTo("10.0.0.1:80")).isEqualTo(13);
    assertThat(h.events.eventsExceptRebuilds()).contains("removed inv/10.0.0.3:80");
    assertThat(h.meters.find("mesh.endpoint.attempts").tag("endpoint", "10.0.0.3:80").meters()).isEmpty();
  }

  @Test
  void aRemovedThenReaddedEndpointStartsFresh() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).build());
    Endpoint old = endpoint(c, "10.0.0.2:80");
    c.onOutcome(old, 200, Failure.NONE, 1);
    h.apply(cluster("inv").endpoints(eps(1)).build());

    h.apply(cluster("inv").endpoints(eps(2)).build());

    Endpoint fresh = endpoint(c, "10.0.0.2:80");
    assertThat(fresh).isNotSameAs(old);
    assertThat(c.status(fresh).successes()).isZero();
  }

  @Test
  void aWeightChangeRebuildsThePickerWithoutResettingHealth() {
    Cluster c =
        h.apply(cluster("inv").endpoints(eps(3)).healthCheck(hc(Duration.ofSeconds(5), 1, 2)).build());
    Endpoint b = endpoint(c, "10.0.0.2:80");
    h.probe.healthy("10.0.0.2:80", false);
    h.advance(Duration.ofMillis(2_500));
    assertThat(c.status(b).healthy()).isFalse();

    h.apply(
        cluster("inv")
            .endpoints(ep("10.0.0.1:80", 7), ep("10.0.0.2:80", 9), ep("10.0.0.3:80", 1))
            .healthCheck(hc(Duration.ofSeconds(5), 1, 2))
            .build());

    assertThat(endpoint(c, "10.0.0.2:80")).isSameAs(b);
    assertThat(b.weight()).isEqualTo(9);
    assertThat(c.status(b).healthy()).isFalse();
    assertThat(h.pickers("inv").last().addresses()).containsExactly("10.0.0.1:80", "10.0.0.3:80");
    assertThat(h.pickers("inv").last().weightList()).containsExactly(7, 1);
  }

  @Test
  void aReloadThatChangesNothingAboutEndpointsStillAppliesPolicies() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(4)).panic(0).build());
    c.ejectNow(endpoint(c, "10.0.0.1:80"), io.mesh4j.outlier.EjectionReason.DRAINING);
    c.ejectNow(endpoint(c, "10.0.0.2:80"), io.mesh4j.outlier.EjectionReason.DRAINING);
    c.ejectNow(endpoint(c, "10.0.0.3:80"), io.mesh4j.outlier.EjectionReason.DRAINING);
    assertThat(c.panic()).isFalse();

    h.apply(cluster("inv").endpoints(eps(4)).panic(50).build());

    assertThat(c.panic()).isTrue();
    assertThat(h.pickers("inv").last().endpoints()).hasSize(4);
  }

  @Test
  void aRemovedClusterStopsEverythingItRan() {
    Cluster c =
        h.apply(
            cluster("inv").endpoints(eps(2)).outlier(od(1, 50)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build(),
            cluster("other").endpoints(eps(1)).build());
    c.onOutcome(endpoint(c, "10.0.0.1:80"), 503, Failure.NONE, 1);
    assertThat(h.time.pendingTasks()).isEqualTo(3); // two first checks, one ejection return

    h.apply(cluster("other").endpoints(eps(1)).build());

    assertThat(h.registry.cluster("inv")).isNull();
    assertThat(h.registry.clusters()).containsOnlyKeys("other");
    assertThat(h.time.pendingTasks()).isZero();
    assertThat(c.pick(PickContext.EMPTY)).isSameAs(PickResult.NONE);
    assertThat(c.endpoints()).isEmpty();
    assertThat(h.meters.find("mesh.endpoint.healthy").tag("cluster", "inv").meters()).isEmpty();
    assertThat(h.meters.find("mesh.outlier.ejections").tag("cluster", "inv").meters()).isEmpty();
    assertThat(h.meters.find("mesh.endpoint.healthy").tag("cluster", "other").meters()).hasSize(1);
    assertThat(h.events.eventsExceptRebuilds()).endsWith("removed inv/10.0.0.1:80", "removed inv/10.0.0.2:80");
    h.advance(Duration.ofSeconds(60));
    assertThat(h.probe.calls()).isEmpty();
  }

  @Test
  void aNewClusterOnReloadStartsItsEndpointsAndChecks() {
    h.apply(cluster("other").endpoints(eps(1)).build());

    Cluster c =
        h.apply(
            cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build(),
            cluster("other").endpoints(eps(1)).build());
    h.advance(Duration.ofMillis(2_500));

    assertThat(c.endpoints()).hasSize(2);
    assertThat(h.probe.calls()).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.2:80");
  }

  @Test
  void aReloadWithAnUnknownProbeIsRejectedAndChangesNothing() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).build());
    var badCheck =
        new io.mesh4j.config.HealthCheckConfig("htp", null, null, null, 3, 2, null);

    assertThatThrownBy(
            () ->
                h.registry.apply(
                    List.of(
                        cluster("inv").endpoints(eps(3)).healthCheck(badCheck).build(),
                        cluster("new").endpoints(eps(1)).build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusters[inv].health_check.probe: unknown probe 'htp' (registered: tcp, fake)");

    assertThat(c.endpoints()).hasSize(2);
    assertThat(c.config().healthCheck()).isNull();
    assertThat(h.registry.clusters()).containsOnlyKeys("inv");
  }

  @Test
  void duplicateClusterNamesAreRejected() {
    assertThatThrownBy(
            () -> h.registry.apply(List.of(cluster("inv").build(), cluster("inv").endpoints(eps(1)).build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusters[inv]: duplicate cluster name");
    assertThat(h.registry.clusters()).isEmpty();
  }

  @Test
  void aPickerFactoryThatRejectsAClusterRejectsTheReload() {
    ClusterRegistry r =
        ClusterRegistry.builder()
            .scheduler(h.time)
            .ticker(h.time)
            .pickerFactories(
                cfg -> {
                  throw new IllegalArgumentException("ring_hash needs hash_on");
                })
            .endpointSources(io.mesh4j.endpoint.EndpointSources.fromConfig())
            .build();
    try {
      assertThatThrownBy(() -> r.apply(List.of(cluster("inv").build())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("clusters[inv].lb: ring_hash needs hash_on");
    } finally {
      r.close();
    }
  }

  @Test
  void healthCheckPolicyChangesApplyOnReload() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(1)).healthCheck(hc(Duration.ofSeconds(60), 3, 2)).build());
    h.advance(Duration.ofSeconds(30)); // first check at half the interval

    h.apply(cluster("inv").endpoints(eps(1)).healthCheck(hc(Duration.ofSeconds(2), 1, 1)).build());
    h.probe.healthy("10.0.0.1:80", false);
    h.advance(Duration.ofSeconds(2));

    assertThat(h.probe.calls()).hasSize(2);
    assertThat(c.status(endpoint(c, "10.0.0.1:80")).healthy()).isFalse();
  }

  @Test
  void removingTheHealthCheckOnReloadMakesEveryEndpointHealthyAndStopsProbing() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 1, 2)).build());
    h.probe.healthy("10.0.0.1:80", false);
    h.advance(Duration.ofMillis(2_500));
    assertThat(c.usableCount()).isEqualTo(1);

    h.apply(cluster("inv").endpoints(eps(2)).build());
    int calls = h.probe.calls().size();
    h.advance(Duration.ofSeconds(60));

    assertThat(c.usableCount()).isEqualTo(2);
    assertThat(h.probe.calls()).hasSize(calls);
    assertThat(h.events.eventsExceptRebuilds()).endsWith("unhealthy inv/10.0.0.1:80", "healthy inv/10.0.0.1:80");
  }

  @Test
  void addingAHealthCheckOnReloadStartsCheckingEveryEndpoint() {
    h.apply(cluster("inv").endpoints(eps(2)).build());

    h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 1, 2)).build());
    h.advance(Duration.ofMillis(2_500));

    assertThat(h.probe.calls()).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.2:80");
  }

  @Test
  void duplicateAddressesInOneListKeepTheFirst() {
    Cluster c = h.apply(cluster("inv").endpoints(ep("10.0.0.1:80", 3), ep("10.0.0.1:80", 5)).build());

    assertThat(c.endpoints()).hasSize(1);
    assertThat(c.endpoints().get(0).weight()).isEqualTo(3);
  }

  @Test
  void anEmptyClusterPicksNothing() {
    Cluster c = h.apply(cluster("inv").panic(50).build());

    assertThat(c.pick(PickContext.EMPTY)).isSameAs(PickResult.NONE);
    assertThat(c.panic()).isFalse();
  }

  @Test
  void applyAfterCloseIsRefused() {
    h.registry.close();

    assertThatThrownBy(() -> h.registry.apply(List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cluster registry is closed");
  }
}
