package io.mesh4j.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.Locality;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.lb.LocalityShares;
import io.mesh4j.lb.PickContext;
import io.mesh4j.outlier.EjectionReason;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cluster with {@code locality_lb}, end to end through {@link Mesh}: config to picks. */
class LocalityClusterTest {
  private static final String CONFIG = """
      version: 1
      service: checkout
      locality: { zone: a }
      clusters:
        - name: inventory
          locality_lb: { mode: zone_aware }
          endpoints:
            - { address: 10.0.1.1:80, zone: a }
            - { address: 10.0.1.2:80, zone: a }
            - { address: 10.0.1.3:80, zone: a }
            - { address: 10.0.1.4:80, zone: a }
            - { address: 10.0.2.1:80, zone: b }
            - { address: 10.0.2.2:80, zone: b }
            - { address: 10.0.2.3:80, zone: b }
            - { address: 10.0.2.4:80, zone: b }
            - { address: 10.0.3.1:80, zone: c }
            - { address: 10.0.3.2:80, zone: c }
            - { address: 10.0.3.3:80, zone: c }
            - { address: 10.0.3.4:80, zone: c }
            - { address: 10.0.9.1:80, zone: d, priority: 1 }
      """;

  private static Map<String, Integer> countByZone(Cluster cluster, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(cluster.pick(PickContext.EMPTY).endpoint().zone(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void trafficStaysInTheOwnZoneUntilItLosesHalfThenSpillsExactlyEnvoysResidual() {
    try (Mesh mesh = Mesh.of(ConfigLoader.load(CONFIG))) {
      Cluster cluster = mesh.cluster("inventory");
      assertThat(cluster.localityShares().zoneRouting()).isEqualTo("direct");
      assertThat(countByZone(cluster, 40)).isEqualTo(Map.of("a", 40));

      for (Endpoint e : cluster.endpoints()) {
        if (e.address().equals("10.0.1.1:80") || e.address().equals("10.0.1.2:80")) {
          cluster.ejectNow(e, EjectionReason.DRAINING);
        }
      }

      LocalityShares shares = cluster.localityShares();
      assertThat(shares.zoneRouting()).isEqualTo("residual: 60.0% stays in /a");
      assertThat(shares.levels().get(0).healthy()).isEqualTo(10);
      // 60/20/20 reduce to 3:1:1; 2 endpoints in a, 4 in b and c: 100 picks are whole cycles
      assertThat(countByZone(cluster, 100)).isEqualTo(Map.of("a", 60, "b", 20, "c", 20));
    }
  }

  @Test
  void theOwnLocalityComesFromTheProviderWhenTheConfigHasNone() {
    MeshConfig config = ConfigLoader.load(CONFIG.replace("locality: { zone: a }\n", ""));
    try (Mesh mesh = Mesh.builder().config(config).locality(() -> Locality.ofZone("b")).build()) {
      assertThat(mesh.locality()).isEqualTo(Locality.ofZone("b"));
      assertThat(countByZone(mesh.cluster("inventory"), 40)).isEqualTo(Map.of("b", 40));
    }
  }

  @Test
  void priorityOneTakesOverWhenPriorityZeroIsGone() {
    try (Mesh mesh = Mesh.of(ConfigLoader.load(CONFIG))) {
      Cluster cluster = mesh.cluster("inventory");
      for (Endpoint e : cluster.endpoints()) {
        if (e.priority() == 0) cluster.ejectNow(e, EjectionReason.DRAINING);
      }

      assertThat(countByZone(cluster, 10)).isEqualTo(Map.of("d", 10));
      assertThat(cluster.panic()).isFalse();
    }
  }

  @Test
  void configErrorsNameThePath() {
    assertThatThrownBy(() -> ConfigLoader.load("""
        version: 1
        service: s
        locality: { zone: "a b" }
        clusters:
          - name: x
            endpoints:
              - { address: 10.0.0.1:80, priority: 1 }
          - name: y
            locality_lb: { mode: nearest, min_cluster_size: 0, overprovisioning_factor: 0.5 }
            endpoints:
              - { address: 10.0.0.1:80, zone: a, locality: { zone: b } }
              - { address: 10.0.0.2:80, zone: c, locality_weight: 2 }
              - { address: 10.0.0.3:80, zone: c, locality_weight: 3 }
              - { address: 10.0.0.4:80, priority: 200 }
        """))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).errors().stream()
            .map(x -> x.toString().replaceAll(" at line [0-9]+, column [0-9]+$", "")).toList())
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .containsExactlyInAnyOrder(
            "clusters[1].locality_lb.mode: \"nearest\" (expected: zone_aware, failover or weighted)",
            "clusters[1].endpoints[0].zone: 'a' (expected: the same zone as locality.zone 'b', or only one of them)",
            "locality.zone: \"a b\" (expected: a non-empty name without spaces, control characters or '/')",
            "clusters[0].endpoints[0].priority: 1 (expected: 0 unless the cluster has locality_lb; priorities need it)",
            "clusters[1].locality_lb.min_cluster_size: 0 (expected: >= 1)",
            "clusters[1].locality_lb.overprovisioning_factor: 0.5 (expected: a number 1..100)",
            "clusters[1].endpoints[2].locality_weight: 3 (expected: 2, as endpoints[1] of the same locality and priority)",
            "clusters[1].endpoints[3].priority: 200 (expected: 0-127)");
  }
}
