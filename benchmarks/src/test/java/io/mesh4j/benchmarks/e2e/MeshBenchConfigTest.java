package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RouteConfig;
import org.junit.jupiter.api.Test;

class MeshBenchConfigTest {

  @Test
  void scenarioBTurnsOnEveryPolicyWithItsDefaults() {
    MeshConfig config = ConfigLoader.load(MeshBenchConfig.yaml(new int[] {8081, 8082, 8083}));
    assertThat(config.clusters()).hasSize(1);
    ClusterConfig cluster = config.clusters().get(0);
    assertThat(cluster.name()).isEqualTo("backend");
    assertThat(cluster.lb()).isEqualTo(LbPolicy.WEIGHTED_ROUND_ROBIN);
    assertThat(cluster.endpoints()).containsExactly(
        new EndpointConfig("127.0.0.1", 8081, 1, null),
        new EndpointConfig("127.0.0.1", 8082, 1, null),
        new EndpointConfig("127.0.0.1", 8083, 1, null));
    assertThat(cluster.healthCheck()).isNotNull();
    assertThat(cluster.healthCheck().path()).isEqualTo("/health");
    assertThat(cluster.healthCheck().probe()).isEqualTo("http");
    assertThat(cluster.outlierDetection()).isNotNull();
    assertThat(cluster.circuitBreaker()).isNotNull();
    assertThat(cluster.retry()).isEqualTo(RetryConfig.DEFAULT);
    assertThat(cluster.retry().attempts()).isEqualTo(2);
    assertThat(cluster.timeout()).isEqualTo(ClusterConfig.DEFAULT_TIMEOUT);
  }

  @Test
  void everyPathOfTheBackendAuthorityIsRoutedToTheCluster() {
    MeshConfig config = ConfigLoader.load(MeshBenchConfig.yaml(new int[] {8081, 8082, 8083}));
    assertThat(config.outbound().virtualHosts()).hasSize(1);
    assertThat(config.outbound().virtualHosts().get(0).domains()).containsExactly(MeshBenchConfig.AUTHORITY);
    RouteConfig route = config.outbound().virtualHosts().get(0).routes().get(0);
    assertThat(route.match().pathKind()).isEqualTo(MatchConfig.PathMatchKind.PREFIX);
    assertThat(route.match().pathValue()).isEqualTo("/");
    assertThat(route.action()).isEqualTo(new ActionConfig.Forward("backend"));
  }
}
