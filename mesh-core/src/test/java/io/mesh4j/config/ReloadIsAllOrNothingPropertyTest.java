package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload is all or nothing: for 1,200 randomly mutated and edited configs given to a
 * running {@link Mesh}, either the whole new config is in force, or {@link ConfigException} is
 * thrown and the mesh is exactly as before — the same snapshot object, the same clusters, the
 * same endpoint health and ejections — with the error recorded. No other exception escapes and
 * nothing is half-applied. Seeds as in {@link ConfigLoaderPropertyTest} ({@code -Dmesh4j.seed=N}).
 */
class ReloadIsAllOrNothingPropertyTest {
  @TempDir Path dir;
  final FakeTime time = new FakeTime();
  Mesh mesh;
  Path file;
  MeshSnapshot base;
  int accepted;
  int rejected;

  @BeforeEach
  void start() throws IOException {
    file = dir.resolve("mesh.yaml");
    Files.writeString(file, ConfigLoaderPropertyTest.EXAMPLE_TEXT);
    mesh = Mesh.builder()
        .config(ConfigLoader.load(ConfigLoaderPropertyTest.EXAMPLE_TEXT))
        .ticker(time)
        .scheduler(time)
        .meterRegistry(new SimpleMeterRegistry())
        .random(new Random(1))
        // The example's http probe lives in mesh-okhttp; here every probe passes at once.
        .healthProbe("http", (endpoint, check) -> CompletableFuture.completedFuture(
            ProbeResult.healthy()))
        .build();
    // State that a reload must carry over (or leave alone when rejected): one ejected endpoint.
    Cluster first = mesh.current().clusters().values().iterator().next();
    ClusterInternals.ejectNow(first, first.endpoints().get(0), EjectionReason.CONSECUTIVE_5XX);
    base = mesh.current();
  }

  @AfterEach
  void stop() {
    mesh.close();
  }

  @Test
  void aMutatedConfigIsAppliedWhollyOrNotAtAll() {
    ConfigLoaderPropertyTest.forEachCase(0x616c6c6f726eL, 600,
        ConfigLoaderPropertyTest::mutatedTreeText, this::reloadAllOrNothing);
    assertThat(accepted).as("accepted reloads").isPositive();
    assertThat(rejected).as("rejected reloads").isPositive();
  }

  @Test
  void anEditedConfigIsAppliedWhollyOrNotAtAll() {
    ConfigLoaderPropertyTest.forEachCase(0x6e6f7468696eL, 600,
        ConfigLoaderPropertyTest::editedText, this::reloadAllOrNothing);
    assertThat(accepted).as("accepted reloads").isPositive();
    assertThat(rejected).as("rejected reloads").isPositive();
  }

  private void reloadAllOrNothing(String text) {
    MeshSnapshot before = mesh.current();
    Map<String, Cluster> clustersBefore = new LinkedHashMap<>(before.clusters());
    Map<String, List<EndpointStatus>> healthBefore = health(before);
    write(text);

    MeshSnapshot after;
    try {
      after = mesh.reload(file);
    } catch (ConfigException e) {
      assertThat(e.errors()).isNotEmpty();
      assertThat(mesh.current()).isSameAs(before);
      assertThat(mesh.current().clusters()).containsExactlyEntriesOf(clustersBefore);
      assertThat(health(mesh.current())).isEqualTo(healthBefore);
      assertThat(mesh.lastReloadError()).isNotNull();
      assertThat(mesh.lastReloadError().exception()).isSameAs(e);
      rejected++;
      return;
    }
    // Accepted: the whole config is in force, and nothing of the old one lingers.
    MeshConfig expected = ConfigLoader.load(text);
    assertThat(after).isSameAs(mesh.current());
    assertThat(after.generation()).isGreaterThan(before.generation());
    assertThat(after.config()).isEqualTo(expected);
    assertThat(after.clusters().keySet()).containsExactlyInAnyOrderElementsOf(
        expected.clusters().stream().map(ClusterConfig::name).toList());
    assertThat(mesh.lastReloadError()).isNull();
    accepted++;
    // Back to the base config, so that every case mutates the same starting point.
    write(ConfigLoaderPropertyTest.EXAMPLE_TEXT);
    mesh.reload(file);
    assertThat(mesh.current().config()).isEqualTo(base.config());
  }

  @Test
  void aRejectedConfigKeepsTheEjectionItFoundAndAnAcceptedOneCarriesItOver() {
    Cluster first = base.clusters().values().iterator().next();
    String ejected = first.endpoints().get(0).toString();
    write(ConfigLoaderPropertyTest.EXAMPLE_TEXT.replace("version: 1", "version: 2"));

    assertThatThrownBy(() -> mesh.reload(file)).isInstanceOf(ConfigException.class);
    assertThat(mesh.current()).isSameAs(base);
    assertThat(ejectedEndpoints(mesh.current().cluster(first.name()))).containsExactly(ejected);

    write(ConfigLoaderPropertyTest.EXAMPLE_TEXT + "\n# touched\n");
    MeshSnapshot next = mesh.reload(file);
    assertThat(next).isNotSameAs(base);
    assertThat(ejectedEndpoints(next.cluster(first.name()))).containsExactly(ejected);
  }

  private static List<String> ejectedEndpoints(Cluster cluster) {
    return cluster.statuses().stream()
        .filter(EndpointStatus::ejected)
        .map(s -> s.endpoint().toString())
        .toList();
  }

  private static Map<String, List<EndpointStatus>> health(MeshSnapshot s) {
    Map<String, List<EndpointStatus>> out = new LinkedHashMap<>();
    s.clusters().forEach((name, c) -> out.put(name, c.statuses()));
    return out;
  }

  private void write(String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
