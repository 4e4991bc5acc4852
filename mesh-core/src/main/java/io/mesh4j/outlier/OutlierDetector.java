package io.mesh4j.outlier;

import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.endpoint.Failure;
import java.time.Duration;

/**
 * Passive outlier detection for one cluster, with Envoy's semantics: the pure policy, with time
 * passed in as arguments. The owning cluster keeps one {@link OutlierState} per endpoint, feeds
 * every attempt's outcome to {@link #onOutcome}, and performs the ejections and returns this
 * class decides.
 *
 * <h2>What counts</h2>
 *
 * <table>
 *   <caption>How an outcome moves the two streaks</caption>
 *   <tr><th>outcome</th><th>consecutive_5xx</th><th>consecutive_gateway_failure</th></tr>
 *   <tr><td>status 502, 503, 504</td><td>+1</td><td>+1</td></tr>
 *   <tr><td>any other 5xx</td><td>+1</td><td>reset</td></tr>
 *   <tr><td>{@link Failure#CONNECT_FAILURE}, {@link Failure#REFUSED_STREAM}, {@link
 *       Failure#RESET}, {@link Failure#TIMEOUT}</td><td>+1</td><td>+1</td></tr>
 *   <tr><td>status below 500</td><td>reset</td><td>reset</td></tr>
 *   <tr><td>{@link Failure#CANCELLED}, {@link Failure#OTHER}</td><td>unchanged</td><td>unchanged</td></tr>
 * </table>
 *
 * <p>A streak is <em>detected</em> when it reaches its threshold exactly (once per streak, so
 * concurrent reporters detect it once); a threshold of 0 disables that detector. The 5xx detector
 * is checked first when both complete on the same outcome. Cancellations and local errors say
 * nothing about the endpoint, so they neither count nor break a streak.
 *
 * <h2>Ejection time and its decay</h2>
 *
 * <p>The n-th ejection in a row lasts {@code base_ejection_time × n}, capped at {@code
 * max(max_ejection_time, base_ejection_time)} (30s, 60s, 90s … 300s with the defaults). The
 * multiplier decays: for every full {@code base_ejection_time} an endpoint spends back in service
 * without being ejected again, it drops by one (Envoy decrements it once per detection {@code
 * interval}, a knob mesh4j does not have; the base ejection time plays that role).
 *
 * <h2>The cap</h2>
 *
 * <p>{@link #mayEject} allows an ejection when {@code 100 × (ejected + 1) / total <=
 * max_ejection_percent}, or when nothing is ejected yet: at least one endpoint may always be
 * ejected (Envoy's rule).
 *
 * <p>Immutable and thread-safe; {@link #onOutcome} is lock-free and allocates nothing.
 */
public final class OutlierDetector {
  private final OutlierDetectionConfig config;
  private final long baseNanos;
  private final long capNanos;

  /**
   * A detector applying {@code config}.
   *
   * @throws NullPointerException when {@code config} is null
   */
  public OutlierDetector(OutlierDetectionConfig config) {
    if (config == null) throw new NullPointerException("config");
    this.config = config;
    this.baseNanos = Math.max(1, config.baseEjectionTime().toNanos());
    this.capNanos = Math.max(config.maxEjectionTime().toNanos(), baseNanos);
  }

  /** The policy this detector applies. */
  public OutlierDetectionConfig config() {
    return config;
  }

  /** Whether ejections are enforced ({@code false}: a dry run that only detects and counts). */
  public boolean enforcing() {
    return config.enforcing();
  }

  /**
   * Counts one attempt's outcome against {@code state}'s streaks.
   *
   * @param status the HTTP status, or 0 when {@code failure} is not {@link Failure#NONE}
   * @return the detector whose streak this outcome completed, or {@code null}
   */
  public EjectionReason onOutcome(OutlierState state, int status, Failure failure) {
    boolean gateway;
    if (failure == Failure.NONE) {
      if (status < 500) {
        // Only write when needed: a healthy endpoint's successes then touch no shared cache line.
        if (state.consecutive5xx.get() != 0) state.consecutive5xx.set(0);
        if (state.consecutiveGatewayFailures.get() != 0) state.consecutiveGatewayFailures.set(0);
        return null;
      }
      gateway = status == 502 || status == 503 || status == 504;
    } else if (failure == Failure.CANCELLED || failure == Failure.OTHER) {
      return null;
    } else {
      gateway = true;
    }
    int fivexx = state.consecutive5xx.incrementAndGet();
    int gw;
    if (gateway) {
      gw = state.consecutiveGatewayFailures.incrementAndGet();
    } else {
      if (state.consecutiveGatewayFailures.get() != 0) state.consecutiveGatewayFailures.set(0);
      gw = 0;
    }
    if (config.consecutive5xx() > 0 && fivexx == config.consecutive5xx()) {
      return EjectionReason.CONSECUTIVE_5XX;
    }
    if (gateway && config.consecutiveGatewayFailure() > 0 && gw == config.consecutiveGatewayFailure()) {
      return EjectionReason.CONSECUTIVE_GATEWAY_FAILURE;
    }
    return null;
  }

  /**
   * Whether one more endpoint may be ejected under {@code max_ejection_percent}.
   *
   * @param ejected endpoints of the cluster ejected right now (for any reason)
   * @param total endpoints in the cluster
   */
  public boolean mayEject(int ejected, int total) {
    if (ejected == 0) return total > 0;
    return 100L * (ejected + 1) <= (long) config.maxEjectionPercent() * total;
  }

  /**
   * The ejection multiplier {@code state} has at {@code nowNanos}: the number of ejections in a
   * row, after decay. 0 for an endpoint never ejected.
   */
  public int timesEjected(OutlierState state, long nowNanos) {
    int times = state.rawTimesEjected();
    if (times == 0 || state.ejected()) return times;
    long decay = Math.max(0, nowNanos - state.returnedAtNanos()) / baseNanos;
    return (int) Math.max(0, times - decay);
  }

  /** How long the next ejection of {@code state} would last if it happened at {@code nowNanos}. */
  public Duration nextEjectionTime(OutlierState state, long nowNanos) {
    return ejectionTime(timesEjected(state, nowNanos) + 1);
  }

  /**
   * Records an enforced ejection at {@code nowNanos} and returns how long it lasts. The caller
   * holds the owning cluster's lock.
   */
  public Duration recordEjection(OutlierState state, long nowNanos) {
    int times = timesEjected(state, nowNanos) + 1;
    state.ejected(times);
    return ejectionTime(times);
  }

  /**
   * Records that an ejected endpoint returned to service at {@code nowNanos}: its streaks start
   * over and, after a detection ejection, its multiplier starts to decay. The caller holds the
   * owning cluster's lock.
   */
  public static void recordReturn(OutlierState state, long nowNanos) {
    state.resetStreaks();
    if (state.ejected()) state.returned(nowNanos);
  }

  /** Clears {@code state}'s streaks (outlier detection was just turned on for its cluster). */
  public static void resetStreaks(OutlierState state) {
    state.resetStreaks();
  }

  private Duration ejectionTime(int times) {
    long nanos = baseNanos > capNanos / times ? capNanos : Math.min(capNanos, baseNanos * times);
    return Duration.ofNanos(nanos);
  }
}
