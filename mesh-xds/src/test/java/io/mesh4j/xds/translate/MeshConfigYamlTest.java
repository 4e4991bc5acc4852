package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MeshConfigYamlTest {
  @Test
  void aConfigUsingEveryKeyLoadsBackEqual() {
    MeshConfig config = ConfigLoader.loadResource("rich.yaml");

    String yaml = MeshConfigYaml.write(config);

    assertThat(ConfigLoader.load(yaml)).isEqualTo(config);
  }

  @Test
  void aMinimalConfigIsWrittenWithoutDefaults() {
    MeshConfig config = MeshConfig.builder().service("svc")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8080"))
        .outbound(v -> v.name("a").route(r -> r.prefix("/").to("a")))
        .build();

    assertThat(MeshConfigYaml.write(config)).isEqualTo("""
        version: 1
        service: svc
        clusters:
          - name: a
            endpoints:
              - 127.0.0.1:8080
        outbound:
          virtual_hosts:
            - name: a
              domains:
                - a
              routes:
                - match:
                    prefix: /
                  to: a
        """);
  }

  @Test
  void stringsThatReadAsOtherTypesAreQuoted() {
    MeshConfig config = MeshConfig.builder().service("svc")
        .cluster(c -> c.name("a").endpoint("127.0.0.1:8080"))
        .outbound(v -> v.name("a").route(r -> r.prefix("/").header("x-flag", "true")
            .header("x-n", "42").header("x-null", "null").to("a")))
        .build();

    assertThat(ConfigLoader.load(MeshConfigYaml.write(config))).isEqualTo(config);
  }

  @Test
  void durationsUseTheLargestExactUnit() {
    assertThat(MeshConfigYaml.duration(Duration.ZERO)).isEqualTo("0s");
    assertThat(MeshConfigYaml.duration(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(MeshConfigYaml.duration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(MeshConfigYaml.duration(Duration.ofSeconds(15))).isEqualTo("15s");
    assertThat(MeshConfigYaml.duration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(MeshConfigYaml.duration(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(MeshConfigYaml.duration(Duration.ofHours(8760))).isEqualTo("8760h");
  }
}
