package io.mesh4j.internal;

import io.mesh4j.config.Locality;
import io.mesh4j.endpoint.Endpoint;
import java.util.Objects;

/**
 * The engine-facing operations of an {@link Endpoint}: counting requests in flight (the attempt
 * loop, the mirror) and changing its weight and locality (the cluster on a reload). Users read an
 * endpoint; only mesh4j changes it, so these are off {@code Endpoint}'s public API. {@code
 * Endpoint} installs the {@link Access} when its class is initialized, which has happened before
 * any caller holds an {@code Endpoint}.
 *
 * <p>Engine internal: public only so the adapters in other modules can reach it. Not an API; it
 * changes without notice.
 */
public final class EndpointInternals {
  /** What {@link Endpoint} hands over; implemented once, by {@code Endpoint}. */
  public interface Access {
    /** See {@link EndpointInternals#requestStarted}. */
    void requestStarted(Endpoint endpoint);

    /** See {@link EndpointInternals#requestFinished}. */
    void requestFinished(Endpoint endpoint);

    /** See {@link EndpointInternals#weight}. */
    void weight(Endpoint endpoint, int weight);

    /** See {@link EndpointInternals#locality}. */
    void locality(Endpoint endpoint, Locality locality, int priority, int localityWeight);
  }

  private static volatile Access access;

  private EndpointInternals() {}

  /**
   * Installs {@code Endpoint}'s access; called once, from {@code Endpoint}'s static initializer.
   *
   * @throws IllegalStateException when an access is already installed
   */
  public static void install(Access a) {
    Objects.requireNonNull(a, "access");
    synchronized (EndpointInternals.class) {
      if (access != null) throw new IllegalStateException("the Endpoint access is already installed");
      access = a;
    }
  }

  /** Counts a request to {@code endpoint} as started; pair with exactly one {@link #requestFinished}. */
  public static void requestStarted(Endpoint endpoint) {
    access.requestStarted(endpoint);
  }

  /** Counts a request to {@code endpoint} as finished. */
  public static void requestFinished(Endpoint endpoint) {
    access.requestFinished(endpoint);
  }

  /** Changes the weight (a reload did); the owner rebuilds pickers afterwards. */
  public static void weight(Endpoint endpoint, int weight) {
    access.weight(endpoint, weight);
  }

  /** Changes the locality settings (a reload or an endpoint source did); pickers are rebuilt after. */
  public static void locality(Endpoint endpoint, Locality locality, int priority, int localityWeight) {
    access.locality(endpoint, locality, priority, localityWeight);
  }
}
