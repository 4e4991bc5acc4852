package io.mesh4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshTest {
  static final String V1 =
      """
      version: 1
      service: frontend
      clusters:
        - name: inventory
          endpoints: [{ address: 127.0.0.1:8081 }]
        - name: inventory-v2
          endpoints: [{ address: 127.0.0.1:8082 }]
      outbound:
        virtual_hosts:
          - name: inventory
            routes:
              - name: all
                match: { prefix: / }
                to: inventory
      """;

  static final String V2 =
      """
      version: 1
      service: frontend
      clusters:
        - name: inventory-v2
          endpoints: [{ address: 127.0.0.1:8082 }]
        - name: inventory-v3
          endpoints: [{ address: 127.0.0.1:8083 }]
      outbound:
        virtual_hosts:
          - name: inventory
            routes:
              - name: canary
                match: { prefix: / }
                to: inventory-v3
      """;

  static final String INVALID = V1.replace("to: inventory\n", "to: nowhere\n");

  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  Mesh mesh(String yaml) {
    return Mesh.builder()
        .config(ConfigLoader.load(yaml))
        .ticker(time)
        .scheduler(time)
        .meterRegistry(meters)
        .random(new Random(1))
        .build();
  }

  static RequestView get(String authority, String path) {
    return new RequestView() {
      @Override public String method() { return "GET"; }
      @Override public String scheme() { return "http"; }
      @Override public String authority() { return authority; }
      @Override public String path() { return path; }
      @Override public String query() { return null; }
      @Override public String header(String name) { return null; }
      @Override public String sourceAddress() { return "127.0.0.1"; }
    };
  }

  static String target(MeshSnapshot s) {
    RouteMatch m = s.outbound().match(get("inventory", "/items"));
    return ((RouteAction.Forward) m.route().action()).cluster();
  }

  double reloads(String result) {
    var c = meters.find(MeshMetricNames.CONFIG_RELOADS).tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aValidReloadSwapsRoutesAndClustersTogether() {
    try (Mesh mesh = mesh(V1)) {
      MeshSnapshot first = mesh.current();
      assertThat(first.generation()).isEqualTo(1);
      assertThat(target(first)).isEqualTo("inventory");

      MeshSnapshot second = mesh.reload(ConfigLoader.load(V2));

      assertThat(mesh.current()).isSameAs(second);
      assertThat(second.generation()).isEqualTo(2);
      assertThat(target(second)).isEqualTo("inventory-v3");
      assertThat(second.cluster("inventory-v3")).isNotNull();
      assertThat(second.cluster("inventory")).isNull();
      assertThat(second.configHash()).isNotEqualTo(first.configHash());
      assertThat(reloads("success")).isEqualTo(1);
    }
  }

  @Test
  void aReloadCheckRejectsAConfigItReportsUntilItIsRemoved() throws Exception {
    try (Mesh mesh = mesh(V1)) {
      MeshSnapshot first = mesh.current();
      AutoCloseable check = mesh.addReloadCheck(c -> c.clusters().stream()
          .anyMatch(cl -> cl.name().equals("inventory-v3"))
          ? List.of(new ConfigError("clusters[0]", "not here")) : List.of());

      assertThatThrownBy(() -> mesh.reload(ConfigLoader.load(V2)))
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
              .containsExactly(new ConfigError("clusters[0]", "not here")));
      assertThat(mesh.current()).isSameAs(first);
      assertThat(reloads("failure")).isEqualTo(1);
      assertThat(mesh.reload(ConfigLoader.load(V1)).generation()).isEqualTo(2);

      check.close();
      assertThat(mesh.reload(ConfigLoader.load(V2)).generation()).isEqualTo(3);
    }
  }

  @Test
  void anInvalidReloadIsRejectedWithItsErrorsAndTheOldSnapshotKeepsServing(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, INVALID);
    try (Mesh mesh = mesh(V1)) {
      MeshSnapshot before = mesh.current();

      assertThatThrownBy(() -> mesh.reload(file))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).errors())
              .extracting(ConfigError::path)
              .contains("outbound.virtual_hosts[0].routes[0].to"));

      assertThat(mesh.current()).isSameAs(before);
      assertThat(reloads("failure")).isEqualTo(1);
      assertThat(mesh.lastReloadError()).isNotNull();
      assertThat(mesh.lastReloadError().source()).isEqualTo(file.toString());
    }
  }

  @Test
  void aWatchedFileIsReloadedOnceItsNewContentIsStableAndBadEditsAreReported(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, V1);
    List<String> events = new CopyOnWriteArrayList<>();
    MeshEventListener listener =
        new MeshEventListener() {
          @Override
          public void configReloaded(long generation, String hash, String source) {
            events.add("reloaded " + generation);
          }

          @Override
          public void configReloadFailed(String source, List<ConfigError> errors) {
            events.add("failed " + errors.get(0).path());
          }
        };
    try (Mesh mesh =
        Mesh.builder()
            .configFile(file)
            .watch(Duration.ofSeconds(1))
            .ticker(time)
            .scheduler(time)
            .meterRegistry(meters)
            .eventListener(listener)
            .build()) {
      assertThat(mesh.current().source()).isEqualTo(file.toString());
      Files.writeString(file, V2);
      time.advance(Duration.ofSeconds(1)); // change seen, not yet stable
      assertThat(mesh.current().generation()).isEqualTo(1);
      time.advance(Duration.ofSeconds(1)); // stable for one interval: applied
      assertThat(mesh.current().generation()).isEqualTo(2);
      assertThat(target(mesh.current())).isEqualTo("inventory-v3");

      Files.writeString(file, "version: 1\nclusters: [ { name: x, endpoints: [] } ]\nbogus: 1\n");
      time.advance(Duration.ofSeconds(3));
      assertThat(mesh.current().generation()).isEqualTo(2);
      assertThat(reloads("failure")).isEqualTo(1);
      time.advance(Duration.ofSeconds(5)); // the same bad content is reported once
      assertThat(reloads("failure")).isEqualTo(1);

      assertThat(events).containsExactly("reloaded 2", "failed bogus");
    }
  }

  @Test
  void matchingWhileReloadingInALoopNeverSeesAHalfAppliedSnapshot() throws Exception {
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(V1)).meterRegistry(meters).build()) {
      int threads = 3;
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread r =
            new Thread(
                () -> {
                  try {
                    start.await();
                    while (!stop.get()) {
                      MeshSnapshot s = mesh.current();
                      String cluster = target(s);
                      // The routed cluster always exists in the same snapshot, and belongs to it.
                      assertThat(s.cluster(cluster)).isNotNull();
                      assertThat(s.config().cluster(cluster)).isNotNull();
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                });
        r.start();
        readers.add(r);
      }
      var v1 = ConfigLoader.load(V1);
      var v2 = ConfigLoader.load(V2);
      start.countDown();
      for (int i = 0; i < 300 && failure.get() == null; i++) {
        mesh.reload(i % 2 == 0 ? v2 : v1);
      }
      stop.set(true);
      for (Thread r : readers) r.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(failure.get()).isNull();
      assertThat(mesh.current().generation()).isEqualTo(301);
    }
  }

  @Test
  void closeStopsTheMeshThreadsAndLaterReloadsAreRefused() throws Exception {
    Mesh mesh = Mesh.builder().config(ConfigLoader.load(V1)).meterRegistry(meters).build();
    assertThat(meshThreads()).isNotEmpty();
    mesh.close();
    mesh.close(); // idempotent
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!meshThreads().isEmpty() && System.nanoTime() < deadline) Thread.onSpinWait();
    assertThat(meshThreads()).isEmpty();
    assertThatThrownBy(() -> mesh.reload(ConfigLoader.load(V2)))
        .isInstanceOf(IllegalStateException.class);
  }

  static List<String> meshThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("mesh4j-mesh-")) names.add(t.getName());
    }
    return names;
  }
}
