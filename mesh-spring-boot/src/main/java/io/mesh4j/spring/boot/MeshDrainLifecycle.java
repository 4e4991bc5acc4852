package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.internal.MeshInternals;
import java.time.Duration;
import java.util.Objects;
import org.springframework.context.SmartLifecycle;

/**
 * Drains the mesh when the application context stops, before the web server's graceful shutdown
 * begins: {@link Mesh#drain()} makes the health endpoint answer 503 and every response carry
 * {@code x-mesh-draining: true}, so mesh4j callers stop picking this instance at once while it
 * still serves; after the drain delay the context goes on stopping, and the web server's own
 * graceful shutdown lets in-flight requests finish.
 *
 * <p>Its phase is above Boot's {@code WebServerGracefulShutdownLifecycle} ({@code DEFAULT_PHASE -
 * 1024}), and Spring stops higher phases first. The wait does not block: {@link #stop(Runnable)}
 * schedules the callback on the mesh's scheduler, and Spring waits for it (bounded by {@code
 * spring.lifecycle.timeout-per-shutdown-phase}).
 */
public final class MeshDrainLifecycle implements SmartLifecycle {
  /** The phase: stopped before the web server's graceful shutdown and before the web server. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  private final Mesh mesh;
  private final Duration delay;
  private volatile boolean running;

  /**
   * @param delay how long to drain before letting the context stop further; zero drains and goes on
   * @throws IllegalArgumentException when {@code delay} is negative
   */
  public MeshDrainLifecycle(Mesh mesh, Duration delay) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException(
          "mesh4j.shutdown.drain-delay: " + delay + " (expected: >= 0)");
    }
    this.delay = delay;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    mesh.drain();
  }

  @Override
  public void stop(Runnable callback) {
    stop();
    if (delay.isZero() || mesh.isClosed()) {
      callback.run();
    } else {
      MeshInternals.scheduler(mesh).schedule(callback, delay);
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
