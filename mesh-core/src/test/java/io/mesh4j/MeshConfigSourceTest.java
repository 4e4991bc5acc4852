package io.mesh4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** External config sources: the source name a reload records and the status hook the admin reads. */
class MeshConfigSourceTest {
  final FakeTime time = new FakeTime();

  Mesh mesh() {
    return Mesh.builder().config(ConfigLoader.load(MeshTest.V1)).ticker(time).scheduler(time).build();
  }

  @Test
  void aReloadWithASourceNameRecordsItOnTheSnapshot() {
    try (Mesh mesh = mesh()) {
      MeshSnapshot s = mesh.reload(ConfigLoader.load(MeshTest.V2), "xds");

      assertThat(s.source()).isEqualTo("xds");
      assertThat(mesh.current().source()).isEqualTo("xds");
      assertThat(mesh.current().generation()).isEqualTo(2);
    }
  }

  @Test
  void registeredSourcesAreListedByNameAndCanBeRemovedOnlyByTheirOwner() {
    try (Mesh mesh = mesh()) {
      ConfigSourceStatus xds = () -> Map.of("state", "connected");
      ConfigSourceStatus other = () -> Map.of("state", "x");
      mesh.registerConfigSource("xds", xds);
      mesh.registerConfigSource("a-file", other);

      assertThat(mesh.configSources()).containsExactly(
          Map.entry("a-file", other), Map.entry("xds", xds));
      assertThatThrownBy(() -> mesh.registerConfigSource("xds", other))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("a config source named xds is already registered");

      mesh.unregisterConfigSource("xds", other);
      assertThat(mesh.configSources()).containsKeys("a-file", "xds");
      mesh.unregisterConfigSource("xds", xds);
      assertThat(mesh.configSources()).containsOnlyKeys("a-file");
      assertThat(mesh.configSources().get("a-file").status()).isEqualTo(Map.of("state", "x"));
    }
  }
}
