package io.mesh4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.time.FakeTime;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.context.SmartLifecycle;

class MeshDrainLifecycleTest {
  private final FakeTime time = new FakeTime();

  @Test
  void stopDrainsAtOnceAndLetsTheContextGoOnAfterTheDelay() {
    try (Mesh mesh = Mesh.builder().config(MeshConfig.builder().service("s").build())
        .ticker(time).scheduler(time).build()) {
      MeshDrainLifecycle lifecycle = new MeshDrainLifecycle(mesh, Duration.ofSeconds(2));
      lifecycle.start();
      AtomicBoolean done = new AtomicBoolean();
      lifecycle.stop(() -> done.set(true));
      assertThat(mesh.isDraining()).isTrue();
      assertThat(lifecycle.isRunning()).isFalse();
      time.advance(Duration.ofMillis(1999));
      assertThat(done).isFalse();
      time.advance(Duration.ofMillis(1));
      assertThat(done).isTrue();
    }
  }

  @Test
  void aZeroDelayGoesOnAtOnce() {
    try (Mesh mesh = Mesh.builder().config(MeshConfig.builder().service("s").build())
        .ticker(time).scheduler(time).build()) {
      MeshDrainLifecycle lifecycle = new MeshDrainLifecycle(mesh, Duration.ZERO);
      AtomicBoolean done = new AtomicBoolean();
      lifecycle.stop(() -> done.set(true));
      assertThat(done).isTrue();
      assertThat(mesh.isDraining()).isTrue();
    }
  }

  @Test
  void itStopsBeforeBootsWebServerGracefulShutdown() {
    // Boot's WebServerGracefulShutdownLifecycle: DEFAULT_PHASE - 1024; higher phases stop first.
    assertThat(MeshDrainLifecycle.PHASE).isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 1024);
  }

  @Test
  void aNegativeDelayIsRejectedNamingTheProperty() {
    try (Mesh mesh = Mesh.builder().config(MeshConfig.builder().service("s").build())
        .ticker(time).scheduler(time).build()) {
      assertThatThrownBy(() -> new MeshDrainLifecycle(mesh, Duration.ofSeconds(-1)))
          .hasMessage("mesh4j.shutdown.drain-delay: PT-1S (expected: >= 0)");
    }
  }
}
