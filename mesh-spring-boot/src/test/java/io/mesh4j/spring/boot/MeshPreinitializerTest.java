package io.mesh4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.DefaultBootstrapContext;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * {@link MeshPreinitializer}: skipped by property, warms without leaving a thread or a mesh behind
 * (and without connecting to a SPIFFE agent), swallows a bad config (the real build reports it), and is harmless when the context fails.
 */
class MeshPreinitializerTest {
  private static final String CONFIG = """
      version: 1
      service: preinit
      clusters:
        - name: backend
          endpoints: [{ address: "127.0.0.1:9" }]
          health_check: { path: /health, interval: 10ms, timeout: 10ms }
      """;

  @TempDir Path dir;

  @Test
  void warmsInPlaceAndLeavesNoMeshThreadBehind() throws Exception {
    Set<Thread> before = meshThreads();
    List<Runnable> tasks = new ArrayList<>();
    MeshPreinitializer preinit = new MeshPreinitializer(tasks::add);

    preinit.onApplicationEvent(event(Map.of("mesh4j.config", configFile(CONFIG))));
    preinit.onApplicationEvent(event(Map.of("mesh4j.config", configFile(CONFIG))));

    assertThat(tasks).as("one warm-up per listener, even for a second event").hasSize(1);
    tasks.get(0).run(); // builds and closes a throw-away mesh (health checks configured, no timers)
    awaitNoNewMeshThreads(before);
  }

  @Test
  void neverConnectsToTheSpiffeAgentOfAWorkloadApiSource() throws Exception {
    String yaml = """
        version: 1
        service: preinit
        clusters:
          - name: backend
            endpoints: [{ address: "127.0.0.1:9" }]
            tls: { mode: mutual, source: spire }
        identity_sources:
          - name: spire
            workload_api: { socket: "unix:///run/spire/sockets/agent.sock" }
        """;
    Set<Thread> before = meshThreads();
    List<Runnable> tasks = new ArrayList<>();
    int created = CountingIdentitySourceProvider.CREATED.get();

    new MeshPreinitializer(tasks::add).onApplicationEvent(
        event(Map.of("mesh4j.config", configFile(yaml))));
    assertThat(tasks).hasSize(1);
    tasks.get(0).run();

    assertThat(CountingIdentitySourceProvider.CREATED.get())
        .as("the warm-up made no Workload API source").isEqualTo(created);
    awaitNoNewMeshThreads(before);
    // The real build does make it: the provider is on this class path, so the check above counts.
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(yaml)).build()) {
      assertThat(mesh.identitySource("spire")).isNotNull();
    }
    assertThat(CountingIdentitySourceProvider.CREATED.get()).isEqualTo(created + 1);
  }

  @Test
  void skippedWhenTheStarterIsOff() {
    List<Runnable> tasks = new ArrayList<>();
    new MeshPreinitializer(tasks::add).onApplicationEvent(event(Map.of("mesh4j.enabled", "false")));
    assertThat(tasks).isEmpty();
  }

  @Test
  void skippedWithBootsBackgroundPreinitializerSwitch() {
    List<Runnable> tasks = new ArrayList<>();
    System.setProperty("spring.backgroundpreinitializer.ignore", "true");
    try {
      new MeshPreinitializer(tasks::add).onApplicationEvent(event(Map.of()));
    } finally {
      System.clearProperty("spring.backgroundpreinitializer.ignore");
    }
    assertThat(tasks).isEmpty();
  }

  @Test
  void anInvalidOrMissingConfigIsLeftToTheRealBuild() throws Exception {
    Set<Thread> before = meshThreads();
    List<Runnable> tasks = new ArrayList<>();
    new MeshPreinitializer(tasks::add).onApplicationEvent(
        event(Map.of("mesh4j.config", configFile("version: 1\nservice: [\n"))));
    new MeshPreinitializer(tasks::add).onApplicationEvent(
        event(Map.of("mesh4j.config", "file:" + dir.resolve("missing.yaml"))));
    assertThat(tasks).hasSize(2);
    tasks.forEach(Runnable::run); // neither throws
    awaitNoNewMeshThreads(before);
  }

  @Test
  void harmlessWhenTheContextFailsToStart() throws Exception {
    Set<Thread> before = meshThreads();
    SpringApplication app = new SpringApplication(FailingConfiguration.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    // The real listener, registered through META-INF/spring.factories, starts its thread.
    assertThatThrownBy(() -> app.run("--mesh4j.config=" + configFile(CONFIG),
            "--spring.main.banner-mode=off", "--logging.level.root=OFF"))
        .hasStackTraceContaining("refusing to start");
    awaitNoNewMeshThreads(before);
  }

  @Configuration(proxyBeanMethods = false)
  static class FailingConfiguration {
    @Bean
    String failing() {
      throw new IllegalStateException("refusing to start");
    }
  }

  private ApplicationEnvironmentPreparedEvent event(Map<String, Object> properties) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return new ApplicationEnvironmentPreparedEvent(new DefaultBootstrapContext(),
        new SpringApplication(), new String[0], env);
  }

  private String configFile(String yaml) throws Exception {
    Path f = Files.createTempFile(dir, "mesh", ".yaml");
    Files.writeString(f, yaml);
    return "file:" + f;
  }

  private static Set<Thread> meshThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("mesh4j-"))
        .collect(Collectors.toSet());
  }

  /** Waits (bounded) until every mesh4j thread started since {@code before} has ended. */
  private static void awaitNoNewMeshThreads(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      Set<Thread> leaked = meshThreads();
      leaked.removeAll(before);
      if (leaked.isEmpty()) return;
      if (System.nanoTime() > deadline) {
        assertThat(leaked).as("mesh4j threads still alive").isEmpty();
      }
      leaked.iterator().next().join(50);
    }
  }
}
