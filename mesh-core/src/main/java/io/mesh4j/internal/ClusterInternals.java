package io.mesh4j.internal;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.Locality;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.EndpointSource;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The engine-facing operations of a {@link Cluster}: reporting an attempt's outcome, ejecting
 * an endpoint that announced it drains, and the lifecycle the mesh's {@link
 * io.mesh4j.internal.cluster.ClusterRegistry} drives (create, start, update, close). Only the
 * engine does these, so they are off {@code Cluster}'s public API; {@code Cluster} installs the
 * {@link Access} when its class is initialized, which has happened before any caller holds a
 * {@code Cluster} ({@link #create} initializes the class itself).
 *
 * <p>Engine internal: public only so the adapters in other modules can reach it. Not an API; it
 * changes without notice.
 */
public final class ClusterInternals {
  /** What {@link Cluster} hands over; implemented once, by {@code Cluster}. */
  public interface Access {
    /** See {@link ClusterInternals#onOutcome}. */
    void onOutcome(Cluster cluster, Endpoint endpoint, int status, Failure failure, long latencyNanos);

    /** See {@link ClusterInternals#ejectNow}. */
    void ejectNow(Cluster cluster, Endpoint endpoint, EjectionReason reason);

    /** See {@link ClusterInternals#lastResort}. */
    Endpoint lastResort(Cluster cluster, PickContext context);

    /** See {@link ClusterInternals#create}. */
    Cluster create(ClusterConfig config, PickerFactory pickerFactory, HealthProbe probe,
        EndpointSource.Factory sources, Scheduler scheduler, Ticker ticker,
        RandomGenerator random, MeterRegistry meterRegistry, MeshEventListener events,
        Supplier<Locality> self);

    /** See {@link ClusterInternals#start}. */
    void start(Cluster cluster);

    /** See {@link ClusterInternals#update}. */
    void update(Cluster cluster, ClusterConfig config, PickerFactory pickerFactory,
        HealthProbe probe);

    /** See {@link ClusterInternals#close}. */
    void close(Cluster cluster);
  }

  private static volatile Access access;

  private ClusterInternals() {}

  /**
   * Installs {@code Cluster}'s access; called once, from {@code Cluster}'s static initializer.
   *
   * @throws IllegalStateException when an access is already installed
   */
  public static void install(Access a) {
    Objects.requireNonNull(a, "access");
    synchronized (ClusterInternals.class) {
      if (access != null) throw new IllegalStateException("the Cluster access is already installed");
      access = a;
    }
  }

  /**
   * Reports one attempt's outcome to {@code cluster}: the endpoint's success/failure counters, the
   * attempt timer and outlier detection. A response below 500 is a success; a 5xx or a transport
   * failure is a failure; {@link Failure#CANCELLED} is not counted. Lock-free unless the outcome
   * completes an outlier streak.
   *
   * @throws NullPointerException when {@code endpoint} or {@code failure} is null
   */
  public static void onOutcome(
      Cluster cluster, Endpoint endpoint, int status, Failure failure, long latencyNanos) {
    access.onOutcome(cluster, endpoint, status, failure, latencyNanos);
  }

  /**
   * Ejects {@code endpoint} from {@code cluster} at once because the server said so (pass {@link
   * EjectionReason#DRAINING}); enforced regardless of outlier thresholds. Unknown endpoints are
   * ignored.
   *
   * @throws NullPointerException when an argument is null
   */
  public static void ejectNow(Cluster cluster, Endpoint endpoint, EjectionReason reason) {
    access.ejectNow(cluster, endpoint, reason);
  }

  /**
   * The endpoint to try when every usable endpoint of {@code cluster} has failed this request
   * without it leaving: an ejected (not unhealthy) endpoint {@code context} has not tried, least
   * recently ejected first, or {@code null}. Lock-free, allocation-free.
   */
  public static Endpoint lastResort(Cluster cluster, PickContext context) {
    return access.lastResort(cluster, context);
  }

  /**
   * A new, not yet started cluster for {@code config}: no endpoints until {@link #start} runs its
   * endpoint source; its meters are registered in {@code meterRegistry} at once.
   *
   * @param probe the health probe {@code config.health_check} names, or {@code null} without one
   * @param self where this service runs, read when a {@code locality_lb} picker is rebuilt
   */
  public static Cluster create(ClusterConfig config, PickerFactory pickerFactory,
      HealthProbe probe, EndpointSource.Factory sources, Scheduler scheduler, Ticker ticker,
      RandomGenerator random, MeterRegistry meterRegistry, MeshEventListener events,
      Supplier<Locality> self) {
    Access a = access;
    if (a == null) {
      // No Cluster exists yet, so its class may not be initialized: do it (that installs access).
      try {
        Class.forName(Cluster.class.getName(), true, Cluster.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = access;
    }
    return a.create(config, pickerFactory, probe, sources, scheduler, ticker, random,
        meterRegistry, events, self);
  }

  /** Starts {@code cluster}'s endpoint source. Call once, after {@link #create}, unlocked. */
  public static void start(Cluster cluster) {
    access.start(cluster);
  }

  /**
   * Applies a reloaded config to {@code cluster}: its policies at once, its endpoint list through
   * its endpoint source; endpoints that stay keep their state. Ignored after {@link #close}.
   */
  public static void update(Cluster cluster, ClusterConfig config, PickerFactory pickerFactory,
      HealthProbe probe) {
    access.update(cluster, config, pickerFactory, probe);
  }

  /** Stops everything {@code cluster} runs (checks, timers, source), drops its meters. Idempotent. */
  public static void close(Cluster cluster) {
    access.close(cluster);
  }
}
