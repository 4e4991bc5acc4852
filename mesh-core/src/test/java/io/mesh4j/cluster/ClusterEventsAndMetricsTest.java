package io.mesh4j.cluster;

import io.mesh4j.internal.cluster.ClusterRegistry;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.eps;
import static io.mesh4j.cluster.Fixtures.hc;
import static io.mesh4j.cluster.Fixtures.od;
import static io.mesh4j.cluster.Harness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.EndpointSources;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.lb.PickContext;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterEventsAndMetricsTest {
  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  private double gauge(String name) {
    return h.meters.get(name).tag(MeshMetricNames.TAG_CLUSTER, "inv").gauge().value();
  }

  private double counter(String name, String tag, String value) {
    return h.meters.get(name).tag(MeshMetricNames.TAG_CLUSTER, "inv").tag(tag, value).counter().count();
  }

  @Test
  void eventsTellTheStoryOfAnEndpointInOrder() {
    Cluster c =
        h.apply(
            cluster("inv").endpoints(eps(2)).outlier(od(2, 50)).healthCheck(hc(Duration.ofSeconds(5), 1, 1)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");
    h.probe.healthy("10.0.0.1:80", false);
    h.advance(Duration.ofMillis(2_500));
    h.probe.healthy("10.0.0.1:80", true);
    h.advance(Duration.ofSeconds(5));
    c.onOutcome(a, 500, Failure.NONE, 1);
    c.onOutcome(a, 500, Failure.NONE, 1);
    h.advance(Duration.ofSeconds(1)); // no check due yet: still ejected
    h.apply(cluster("inv").endpoints(eps(1)).outlier(od(2, 50)).healthCheck(hc(Duration.ofSeconds(5), 1, 1)).build());

    assertThat(h.events.events())
        .containsExactly(
            "added inv/10.0.0.1:80",
            "added inv/10.0.0.2:80",
            "rebuilt inv 2/2",
            "unhealthy inv/10.0.0.1:80",
            "rebuilt inv 1/2",
            "healthy inv/10.0.0.1:80",
            "rebuilt inv 2/2",
            "ejected inv/10.0.0.1:80 consecutive_5xx 30s",
            "rebuilt inv 1/2",
            "removed inv/10.0.0.2:80",
            "rebuilt inv 0/1");
  }

  @Test
  void aListenerThatThrowsNeverBreaksTheMesh() {
    FakeTime time = new FakeTime();
    RecordingPickerFactory pickers = new RecordingPickerFactory();
    ClusterRegistry r =
        ClusterRegistry.builder()
            .scheduler(time)
            .ticker(time)
            .pickerFactories(cfg -> pickers)
            .endpointSources(EndpointSources.fromConfig())
            .eventListener(
                new MeshEventListener() {
                  @Override
                  public void endpointAdded(Endpoint endpoint) {
                    throw new IllegalStateException("listener bug");
                  }

                  @Override
                  public void endpointEjected(Endpoint e, EjectionReason reason, Duration d, boolean enforced) {
                    throw new IllegalStateException("listener bug");
                  }

                  @Override
                  public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
                    throw new AssertionError("listener bug");
                  }
                })
            .build();
    try {
      r.apply(List.of(cluster("inv").endpoints(eps(3)).outlier(od(1, 50)).build()));
      Cluster c = r.cluster("inv");
      c.onOutcome(endpoint(c, "10.0.0.1:80"), 503, Failure.NONE, 1);

      assertThat(c.status(endpoint(c, "10.0.0.1:80")).ejected()).isTrue();
      assertThat(pickers.last().addresses()).containsExactly("10.0.0.2:80", "10.0.0.3:80");
      assertThat(c.pick(PickContext.EMPTY).hasEndpoint()).isTrue();
    } finally {
      r.close();
    }
  }

  @Test
  void gaugesFollowHealthAndEjections() {
    Cluster c =
        h.apply(
            cluster("inv").endpoints(eps(4)).outlier(od(1, 50)).panic(80).healthCheck(hc(Duration.ofSeconds(5), 1, 1)).build());
    h.probe.healthy("10.0.0.1:80", false);
    h.advance(Duration.ofMillis(2_500));
    c.onOutcome(endpoint(c, "10.0.0.2:80"), 503, Failure.NONE, 1);

    assertThat(gauge(MeshMetricNames.ENDPOINTS)).isEqualTo(4);
    assertThat(gauge(MeshMetricNames.ENDPOINT_HEALTHY)).isEqualTo(3);
    assertThat(gauge(MeshMetricNames.ENDPOINT_EJECTED)).isEqualTo(1);
    assertThat(gauge(MeshMetricNames.ENDPOINT_USABLE)).isEqualTo(2);
    assertThat(gauge(MeshMetricNames.PANIC)).isEqualTo(1);
  }

  @Test
  void healthChecksAreCountedBySuccessAndFailure() {
    h.apply(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    h.probe.healthy("10.0.0.1:80", false);

    h.advance(Duration.ofMillis(12_500));

    assertThat(counter(MeshMetricNames.HEALTH_CHECKS, MeshMetricNames.TAG_RESULT, "success")).isEqualTo(3);
    assertThat(counter(MeshMetricNames.HEALTH_CHECKS, MeshMetricNames.TAG_RESULT, "failure")).isEqualTo(3);
    assertThat(h.meters.get(MeshMetricNames.HEALTH_PROBE_ERRORS).tag("cluster", "inv").counter().count()).isZero();
  }

  @Test
  void probeErrorsAreCountedAsFailedChecksAndAsErrors() {
    FakeTime time = new FakeTime();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    HealthProbes broken =
        HealthProbes.builder()
            .add(
                "fake",
                (e, cfg) -> {
                  throw new IllegalStateException("probe bug");
                })
            .build();
    ClusterRegistry r =
        ClusterRegistry.builder()
            .scheduler(time)
            .ticker(time)
            .pickerFactories(cfg -> new RecordingPickerFactory())
            .endpointSources(EndpointSources.fromConfig())
            .healthProbes(broken)
            .meterRegistry(meters)
            .random(Fixtures.NO_JITTER)
            .build();
    try {
      r.apply(List.of(cluster("inv").endpoints(eps(2)).healthCheck(hc(Duration.ofSeconds(5), 2, 2)).build()));

      time.advance(Duration.ofMillis(7_500));

      assertThat(meters.get(MeshMetricNames.HEALTH_PROBE_ERRORS).counter().count()).isEqualTo(4);
      assertThat(meters.get(MeshMetricNames.HEALTH_CHECKS).tag("result", "failure").counter().count()).isEqualTo(4);
      assertThat(r.cluster("inv").usableCount()).isZero();
      assertThat(time.pendingTasks()).isEqualTo(2); // checking goes on
    } finally {
      r.close();
      broken.close();
    }
  }

  @Test
  void attemptsAreTimedPerClusterAndCountedPerEndpoint() {
    Cluster c = h.apply(cluster("inv").endpoints(eps(2)).build());
    Endpoint a = endpoint(c, "10.0.0.1:80");

    c.onOutcome(a, 200, Failure.NONE, 2_000_000);
    c.onOutcome(a, 503, Failure.NONE, 4_000_000);
    c.onOutcome(endpoint(c, "10.0.0.2:80"), 0, Failure.CONNECT_FAILURE, 1_000_000);

    var success = h.meters.get(MeshMetricNames.ATTEMPTS).tag("cluster", "inv").tag("outcome", "success").timer();
    var failure = h.meters.get(MeshMetricNames.ATTEMPTS).tag("cluster", "inv").tag("outcome", "failure").timer();
    assertThat(success.count()).isEqualTo(1);
    assertThat(success.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2.0);
    assertThat(failure.count()).isEqualTo(2);
    assertThat(failure.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(5.0);
    assertThat(
            h.meters.get(MeshMetricNames.ENDPOINT_ATTEMPTS)
                .tag("endpoint", "10.0.0.1:80")
                .tag("outcome", "failure")
                .functionCounter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void metersAreCreatedWithTheClusterAndRemovedWithIt() {
    h.apply(cluster("inv").endpoints(eps(2)).build());
    assertThat(h.meters.find(MeshMetricNames.OUTLIER_EJECTIONS).tag("cluster", "inv").counters()).hasSize(6);
    assertThat(h.meters.find(MeshMetricNames.ENDPOINT_ATTEMPTS).tag("cluster", "inv").meters()).hasSize(4);
    int before = h.meters.getMeters().size();

    h.apply();

    assertThat(h.meters.getMeters()).isEmpty();
    assertThat(before).isEqualTo(5 + 6 + 2 + 1 + 2 + 4);
  }
}
