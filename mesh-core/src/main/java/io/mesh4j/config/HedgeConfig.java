package io.mesh4j.config;

import java.time.Duration;

/**
 * Hedged requests on a route: when an idempotent request's attempt has not answered after {@code
 * delay} (or after the cluster's recent {@code percentile} latency, such as {@code "p95"}), send up
 * to {@code max} more attempts to other endpoints; the first answer wins and the others are
 * cancelled. Exactly one of {@code delay} and {@code percentile} is set. Immutable.
 *
 * @param delay a fixed wait before hedging, or {@code null}
 * @param percentile {@code pNN} or {@code pNN.N} (0 < NN < 100), or {@code null}
 * @param max extra attempts in flight at most (1..3, default 1)
 */
public record HedgeConfig(Duration delay, String percentile, int max) {
  /**
   * The percentile as a fraction in (0, 1) ({@code "p95"} → 0.95), or {@link Double#NaN} when
   * absent or malformed (the validator reports that).
   */
  public double quantile() {
    if (percentile == null || percentile.length() < 2 || percentile.charAt(0) != 'p') return Double.NaN;
    try {
      double q = Double.parseDouble(percentile.substring(1)) / 100;
      return q > 0 && q < 1 ? q : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
