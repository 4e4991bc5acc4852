package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A route's {@code hedge}: read, checked with messages that name the key, and written back. */
class HedgeConfigTest {
  private static String config(String hedge) {
    return """
        version: 1
        service: shop
        clusters:
          - { name: inventory, endpoints: [{ address: 127.0.0.1:9001 }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - { name: all, to: inventory, hedge: %s }
        """.formatted(hedge);
  }

  private static HedgeConfig hedge(MeshConfig c) {
    return c.outbound().virtualHosts().get(0).routes().get(0).hedge();
  }

  @Test
  void aFixedDelayOrAPercentileIsReadWithMaxDefaultingToOne() {
    assertThat(hedge(ConfigLoader.load(config("{ delay: 20ms }"))))
        .isEqualTo(new HedgeConfig(Duration.ofMillis(20), null, 1));
    HedgeConfig p = hedge(ConfigLoader.load(config("{ percentile: p99.9, max: 2 }")));
    assertThat(p).isEqualTo(new HedgeConfig(null, "p99.9", 2));
    assertThat(p.quantile()).isCloseTo(0.999, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void badHedgesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(config("{ delay: 20ms, percentile: p95 }")))
        .hasMessageContaining("hedge").hasMessageContaining("both of delay, percentile");
    assertThatThrownBy(() -> ConfigLoader.load(config("{ max: 1 }")))
        .hasMessageContaining("neither of delay, percentile");
    assertThatThrownBy(() -> ConfigLoader.load(config("{ percentile: 95th }")))
        .hasMessageContaining("hedge.percentile: '95th'").hasMessageContaining("such as p95");
    assertThatThrownBy(() -> ConfigLoader.load(config("{ percentile: p100 }")))
        .hasMessageContaining("hedge.percentile");
    assertThatThrownBy(() -> ConfigLoader.load(config("{ delay: 20ms, max: 4 }")))
        .hasMessageContaining("hedge.max");
    assertThatThrownBy(() -> ConfigLoader.load(config("{ delay: 20ms, tries: 2 }")))
        .hasMessageContaining("tries");
  }

  @Test
  void theWriterWritesItBackAsRead() {
    MeshConfig c = ConfigLoader.load(config("{ percentile: p95, max: 2 }"));
    MeshConfig again = ConfigLoader.load(ConfigWriter.yaml(c));
    assertThat(hedge(again)).isEqualTo(hedge(c));
  }

  @Test
  void theBuilderSetsAHedge() {
    MeshConfig c = MeshConfig.builder().service("shop")
        .cluster(b -> b.name("inventory").endpoint("127.0.0.1:9001"))
        .outbound(v -> v.name("inventory")
            .route(r -> r.name("all").to("inventory").hedge(Duration.ofMillis(5), 1)))
        .build();
    assertThat(hedge(c)).isEqualTo(new HedgeConfig(Duration.ofMillis(5), null, 1));
  }
}
