package io.mesh4j.internal;

import io.mesh4j.config.Locality;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import java.util.Objects;

/**
 * The engine-facing operations of an {@link Endpoint}: counting requests in flight (the attempt
 * loop, the mirror), its latency estimate (fed by the attempt loop, read by {@code peak_ewma}
 * pickers) and changing its weight and locality (the cluster on a reload). Users read an
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

    /** See {@link EndpointInternals#latency}. */
    PeakEwma latency(Endpoint endpoint);
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

  /**
   * The endpoint's peak-EWMA latency estimate: the attempt loop records each attempt's latency in
   * it (only while its cluster uses {@code peak_ewma}, which sets the decay time); {@code
   * peak_ewma} pickers read it. Never {@code null}; the same object for the endpoint's life.
   */
  public static PeakEwma latency(Endpoint endpoint) {
    return access.latency(endpoint);
  }

  /**
   * Records one finished attempt's latency in {@code endpoint}'s estimate, by its outcome: a
   * response is a sample, except a gateway error (502, 503, 504) which, like a transport failure
   * ({@link Failure#CONNECT_FAILURE}, {@link Failure#REFUSED_STREAM}, {@link Failure#RESET}),
   * counts as a response of at least {@link #FAILURE_LATENCY_NANOS}, so a failing endpoint is not
   * mistaken for a fast one; a {@link Failure#TIMEOUT} or {@link Failure#CANCELLED} attempt is a
   * lower bound; {@link Failure#OTHER} (a local error) says nothing. Does nothing while the
   * endpoint's cluster does not track latency (one volatile read).
   *
   * @param status the response status, 0 without a response
   * @param now the ticker reading at the attempt's end
   */
  public static void recordLatency(
      Endpoint endpoint, int status, Failure failure, long latencyNanos, long now) {
    PeakEwma e = access.latency(endpoint);
    if (!e.tracking()) return;
    switch (failure) {
      case NONE -> {
        if (status == 502 || status == 503 || status == 504) {
          e.recordAtLeast(Math.max(latencyNanos, FAILURE_LATENCY_NANOS), now);
        } else {
          e.record(latencyNanos, now);
        }
      }
      case CONNECT_FAILURE, REFUSED_STREAM, RESET ->
          e.recordAtLeast(Math.max(latencyNanos, FAILURE_LATENCY_NANOS), now);
      case TIMEOUT, CANCELLED -> e.recordAtLeast(latencyNanos, now);
      case OTHER -> {}
    }
  }

  /** What a failed attempt counts as in the latency estimate: one second. */
  public static final long FAILURE_LATENCY_NANOS = 1_000_000_000L;

  /** Changes the locality settings (a reload or an endpoint source did); pickers are rebuilt after. */
  public static void locality(Endpoint endpoint, Locality locality, int priority, int localityWeight) {
    access.locality(endpoint, locality, priority, localityWeight);
  }
}
