package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.Objects;

/** Checks and copies a picker's inputs, and the shared "next untried endpoint" scan. */
final class Candidates {
  private Candidates() {}

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
