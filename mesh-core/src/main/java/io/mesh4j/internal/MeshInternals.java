package io.mesh4j.internal;

import io.mesh4j.Mesh;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The parts of a {@link Mesh} that only mesh4j's own modules use: its time source, scheduler,
 * random source and {@link MeshRuntime}. They are not on {@code Mesh} itself so that
 * its public API stays what users need; {@code Mesh} installs the {@link Access} when its class
 * is initialized, which has happened before any caller holds a {@code Mesh}.
 *
 * <p>Engine internal: public only so the adapters in other modules can reach it. Not an API; it
 * changes without notice.
 */
public final class MeshInternals {
  /** What {@link Mesh} hands over; implemented once, by {@code Mesh}. */
  public interface Access {
    /** The mesh's monotonic time source. */
    Ticker ticker(Mesh mesh);

    /** The mesh's scheduler. */
    Scheduler scheduler(Mesh mesh);

    /** The mesh's random source (seedable through the builder). */
    RandomGenerator random(Mesh mesh);

    /** The state the mesh keeps for its adapters across reloads. */
    MeshRuntime runtime(Mesh mesh);

    /** The mesh's identity sources and TLS contexts. */
    io.mesh4j.internal.tls.MeshTls tls(Mesh mesh);
  }

  private static volatile Access access;

  private MeshInternals() {}

  /**
   * Installs {@code Mesh}'s access; called once, from {@code Mesh}'s static initializer.
   *
   * @throws IllegalStateException when an access is already installed
   */
  public static void install(Access a) {
    Objects.requireNonNull(a, "access");
    synchronized (MeshInternals.class) {
      if (access != null) throw new IllegalStateException("the Mesh access is already installed");
      access = a;
    }
  }

  /** {@code mesh}'s monotonic time source. */
  public static Ticker ticker(Mesh mesh) {
    return access.ticker(mesh);
  }

  /** {@code mesh}'s scheduler. */
  public static Scheduler scheduler(Mesh mesh) {
    return access.scheduler(mesh);
  }

  /** {@code mesh}'s random source. */
  public static RandomGenerator random(Mesh mesh) {
    return access.random(mesh);
  }

  /**
   * The state {@code mesh} keeps for its adapters across reloads (breakers, retry budgets, token
   * buckets), shared by every client and filter wrapped around it.
   */
  public static MeshRuntime runtime(Mesh mesh) {
    return access.runtime(mesh);
  }

  /** {@code mesh}'s identity sources, per-cluster client TLS and server TLS context. */
  public static io.mesh4j.internal.tls.MeshTls tls(Mesh mesh) {
    return access.tls(mesh);
  }
}
