package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.time.Scheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.util.ClassUtils;

/**
 * Warms mesh4j on a background thread while Spring builds the context, like Boot's own {@code
 * BackgroundPreinitializer}: as soon as the environment is ready it parses the mesh config (Jackson
 * YAML, the config model) and compiles it into a throw-away mesh that has no timers and no
 * registry of the application's, wraps a throw-away OkHttp client and loads {@code MeshFilter}.
 * The real {@link Mesh} bean, built later on the main thread, then finds those classes loaded, so
 * the starter's startup cost runs mostly on a core the single-threaded context refresh leaves idle.
 *
 * <p>It changes nothing the application sees: nothing it creates survives, every error is left to
 * the real build to report, and it never reaches outside the process: when the config declares an
 * identity source with {@code workload_api} (building one connects to the SPIFFE agent and waits
 * for an SVID), the throw-away mesh is not built and only the parse and the class loading are
 * warmed. It is skipped when {@code mesh4j.enabled=false} or Boot's {@code
 * spring.backgroundpreinitializer.ignore} system property is {@code true}. Registered in {@code
 * META-INF/spring.factories}.
 */
public final class MeshPreinitializer implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {
  private static final Scheduler NO_TIMERS = (task, delay) -> () -> {};

  private final AtomicBoolean started = new AtomicBoolean();
  private final Executor background;

  /** Used by Spring ({@code spring.factories}): the warm-up runs on a daemon thread {@code mesh4j-preinit}. */
  public MeshPreinitializer() {
    this(task -> {
      Thread t = new Thread(task, "mesh4j-preinit");
      t.setDaemon(true);
      t.start();
    });
  }

  /** Runs the warm-up on {@code background} (tests run it in place). */
  MeshPreinitializer(Executor background) {
    this.background = background;
  }

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    ConfigurableEnvironment env = event.getEnvironment();
    if (Boolean.getBoolean("spring.backgroundpreinitializer.ignore")
        || !env.getProperty("mesh4j.enabled", Boolean.class, true)
        || !started.compareAndSet(false, true)) {
      return;
    }
    String location = env.getProperty("mesh4j.config", "classpath:mesh.yaml");
    ClassLoader loader = event.getSpringApplication().getClassLoader();
    background.execute(() -> warm(location, loader));
  }

  private static void warm(String location, ClassLoader classLoader) {
    try {
      Resource resource = new DefaultResourceLoader(classLoader).getResource(location);
      if (!resource.exists()) return;
      String text;
      try (InputStream in = resource.getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Mesh.Builder builder = Mesh.builder().scheduler(NO_TIMERS).meterRegistry(new SimpleMeterRegistry())
          .watch(Duration.ZERO);
      MeshConfig config = ConfigLoader.load(text, builder.extensions());
      if (!connectsOut(config)) {
        try (Mesh mesh = builder.config(config).build()) {
          if (ClassUtils.isPresent("io.mesh4j.okhttp.MeshOkHttp", classLoader)
              && ClassUtils.isPresent("okhttp3.OkHttpClient", classLoader)) {
            OkHttpWarmup.wrap(mesh);
          }
        }
      }
      if (ClassUtils.isPresent("jakarta.servlet.Filter", classLoader)) {
        ClassUtils.forName("io.mesh4j.servlet.MeshFilter", classLoader);
      }
    } catch (Throwable ignored) {
      // Only a warm-up: the real build on the main thread reports every problem.
    }
  }

  /**
   * Whether building a mesh from {@code config} would connect to something outside the process: a
   * SPIFFE Workload API source opens a stream to the agent (and holds a build for up to its {@code
   * initial_timeout}); a second connection from a throw-away mesh is not a warm-up's to make.
   */
  static boolean connectsOut(MeshConfig config) {
    for (IdentitySourceConfig s : config.identitySources()) {
      if (s.workloadApi() != null) return true;
    }
    return false;
  }

  /** Kept apart so OkHttp's classes are touched only when present. */
  private static final class OkHttpWarmup {
    static void wrap(Mesh mesh) {
      io.mesh4j.okhttp.MeshOkHttp.wrap(new okhttp3.OkHttpClient(), mesh);
      new okhttp3.Request.Builder().url("http://mesh4j.invalid/").build();
    }
  }
}
