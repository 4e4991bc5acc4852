package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Checks and copies a picker's inputs, and the shared retry rules: the "next untried endpoint"
 * scan, and the power of two choices among untried endpoints.
 */
final class Candidates {
  /** Random draws for an untried endpoint before {@link #drawUntried} scans instead. */
  static final int DRAWS = 8;

  private Candidates() {}

  /** How a power-of-two-choices picker compares two of its endpoints (by index). */
  interface Comparison {
    /** Whether endpoint {@code a} is strictly preferred to endpoint {@code b} at {@code now}. */
    boolean prefers(int a, int b, long now);
  }

  /**
   * A retry's (or a hedge's) pick for a power-of-two-choices picker whose winner was already tried:
   * the power of two choices again, among the endpoints {@code context} has not tried. Two
   * distinct untried candidates are drawn and the preferred one wins (a tie keeps the first); the
   * only untried endpoint when one is left; {@code fallback} when every endpoint was tried. So a
   * retry avoids a slow or busy endpoint as the first pick does, where taking the losing candidate
   * would send it there whenever that candidate is the slow one. Envoy gets the same by running
   * the balancer again for a retry and rejecting hosts already tried (the {@code previous_hosts}
   * retry predicate). Allocation-free.
   */
  static int untriedChoice(Endpoint[] endpoints, PickContext context, RandomGenerator r,
      Comparison comparison, long now, int fallback) {
    int a = drawUntried(endpoints, context, r, -1);
    if (a < 0) return fallback;
    int b = drawUntried(endpoints, context, r, a);
    if (b < 0) return a;
    return comparison.prefers(b, a, now) ? b : a;
  }

  /**
   * An endpoint other than {@code except} that {@code context} has not tried: up to {@value
   * #DRAWS} uniform draws, then (untried endpoints being rare) a scan from a random start; -1 when
   * there is none.
   */
  static int drawUntried(Endpoint[] endpoints, PickContext context, RandomGenerator r, int except) {
    int n = endpoints.length;
    for (int k = 0; k < DRAWS; k++) {
      int i = r.nextInt(n);
      if (i != except && !context.alreadyTried(endpoints[i])) return i;
    }
    int start = r.nextInt(n);
    for (int k = 0; k < n; k++) {
      int i = start + k;
      if (i >= n) i -= n;
      if (i != except && !context.alreadyTried(endpoints[i])) return i;
    }
    return -1;
  }

  /**
   * Validates the arguments of {@link PickerFactory#build} and returns the endpoints as an array.
   *
   * @throws NullPointerException if an argument or an endpoint is {@code null}
   * @throws IllegalArgumentException if the sizes differ or a weight is below 1
   */
  static Endpoint[] check(List<Endpoint> endpoints, int[] weights) {
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(weights, "weights");
    if (endpoints.size() != weights.length) {
      throw new IllegalArgumentException(
          "weights: " + weights.length + " values (expected: one per endpoint, " + endpoints.size()
              + ")");
    }
    Endpoint[] array = new Endpoint[endpoints.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = Objects.requireNonNull(endpoints.get(i), "endpoints[" + i + "]");
      if (weights[i] < 1) {
        throw new IllegalArgumentException(
            "weights[" + i + "]: " + weights[i] + " (expected: >= 1)");
      }
    }
    return array;
  }

  /** One preallocated result per endpoint. */
  static PickResult[] results(Endpoint[] endpoints) {
    PickResult[] results = new PickResult[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      results[i] = PickResult.of(endpoints[i]);
    }
    return results;
  }

  /**
   * The first endpoint after {@code natural} in list order (cyclically) that {@code context} has
   * not tried, or {@code natural} when every other endpoint was tried. At most {@code n - 1}
   * calls of {@link PickContext#alreadyTried}.
   */
  static int nextUntried(Endpoint[] endpoints, int natural, PickContext context) {
    int n = endpoints.length;
    for (int k = 1; k < n; k++) {
      int c = natural + k;
      if (c >= n) c -= n;
      if (!context.alreadyTried(endpoints[c])) return c;
    }
    return natural;
  }

  /** The greatest common divisor of two positive numbers. */
  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
