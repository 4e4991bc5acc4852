package io.mesh4j.internal;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickContext;
import io.mesh4j.outlier.EjectionReason;
import java.util.Objects;

/**
 * The engine-facing operations of a {@link Cluster}: reporting an attempt's outcome and ejecting
 * an endpoint that announced it drains. Only the attempt loop and the mirror report outcomes, so
 * these are off {@code Cluster}'s public API; {@code Cluster} installs the {@link Access} when its
 * class is initialized, which has happened before any caller holds a {@code Cluster}.
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
}
