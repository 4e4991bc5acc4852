package io.mesh4j.lb;

import java.util.Arrays;

/**
 * One full cycle of nginx's smooth weighted round robin, computed once.
 *
 * <h2>Design</h2>
 *
 * <p>nginx's algorithm keeps a "current" value per endpoint; each step adds every endpoint's weight
 * to its current value, picks the endpoint with the largest current value (the first in list order
 * on a tie) and subtracts the total weight {@code S} from the winner. After {@code S} steps every
 * endpoint was picked exactly its weight times and every current value is back to zero, so the
 * picks repeat with period {@code S}. A schedule stores that period as an {@code int[]} of endpoint
 * indices; a picker then needs one atomic increment and one array read per pick.
 *
 * <p>Weights are first divided by their greatest common divisor (the sequence of the reduced
 * weights, repeated, is exactly the sequence of the original ones). Building costs {@code O(S * D)}
 * where {@code D} is the number of distinct weights: endpoints of equal weight are taken in list
 * order, so each step only compares one candidate per distinct weight.
 *
 * <table>
 *   <caption>Weights 5, 1, 1 ({@code S} = 7; a, b, c)</caption>
 *   <tr><th>step</th><th>current before</th><th>picked</th><th>current after</th></tr>
 *   <tr><td>1</td><td>5 1 1</td><td>a</td><td>-2 1 1</td></tr>
 *   <tr><td>2</td><td>3 2 2</td><td>a</td><td>-4 2 2</td></tr>
 *   <tr><td>3</td><td>1 3 3</td><td>b</td><td>1 -4 3</td></tr>
 *   <tr><td>4</td><td>6 -3 4</td><td>a</td><td>-1 -3 4</td></tr>
 *   <tr><td>5</td><td>4 -2 5</td><td>c</td><td>4 -2 -2</td></tr>
 *   <tr><td>6</td><td>9 -1 -1</td><td>a</td><td>2 -1 -1</td></tr>
 *   <tr><td>7</td><td>7 0 0</td><td>a</td><td>0 0 0</td></tr>
 * </table>
 *
 * <h2>Bounds</h2>
 *
 * <p>The table is exact when the reduced total {@code S <= }{@link #TABLE_LIMIT} (4 MiB of indices
 * at most) and {@code S * D <= }{@link #BUILD_BUDGET} (2^26 steps: roughly 70-100 ms on one core; a
 * 1,000-endpoint cluster with weights 1..10 builds in about 1 ms). Above that the weights are
 * scaled down (each to {@code max(1, round(w * T / S))}, then reduced again) with the largest
 * target {@code T <= TABLE_LIMIT}, halved as often as needed, for which the scaled weights fit; the
 * schedule is then exact for the scaled weights, which {@link #weights()} reports and
 * {@link #exact()} flags. With {@code n} endpoints and a scaled total {@code S'}, each endpoint's
 * share {@code p} becomes {@code p'} with {@code |p' - p| <= (1 + n * p) / S'}.
 */
final class SmoothSchedule {
  /** The longest table built: 2^20 picks. */
  static final int TABLE_LIMIT = 1 << 20;
  /** The most work a build may do: table length times distinct weights. */
  static final long BUILD_BUDGET = 1L << 26;

  private final int[] sequence;
  private final int[] weights;
  private final boolean exact;

  private SmoothSchedule(int[] sequence, int[] weights, boolean exact) {
    this.sequence = sequence;
    this.weights = weights;
    this.exact = exact;
  }

  /**
   * Computes the schedule of {@code weights} (each at least 1, at least one).
   *
   * @throws IllegalArgumentException if {@code weights} is empty or holds a weight below 1
   */
  static SmoothSchedule of(int[] weights) {
    if (weights.length == 0) throw new IllegalArgumentException("weights: empty");
    for (int w : weights) {
      if (w < 1) throw new IllegalArgumentException("weight: " + w + " (expected: >= 1)");
    }
    int[] reduced = reduce(weights.clone());
    long sum = sum(reduced);
    if (fits(sum, distinct(reduced))) {
      return new SmoothSchedule(sequence(reduced, (int) sum), reduced, true);
    }
    for (long target = TABLE_LIMIT; ; target >>= 1) {
      int[] scaled = new int[reduced.length];
      boolean allOnes = true;
      for (int i = 0; i < reduced.length; i++) {
        long w = Math.max(1, (2L * reduced[i] * target + sum) / (2 * sum));
        scaled[i] = (int) w;
        allOnes &= w == 1;
      }
      scaled = reduce(scaled);
      long scaledSum = sum(scaled);
      if (allOnes || fits(scaledSum, distinct(scaled))) {
        return new SmoothSchedule(sequence(scaled, (int) scaledSum), scaled, false);
      }
    }
  }

  /** The endpoint indices of one full cycle; do not modify. */
  int[] sequence() {
    return sequence;
  }

  /** The weights the sequence realises exactly: the input reduced by its GCD (and scaled). */
  int[] weights() {
    return weights.clone();
  }

  /** Whether {@link #weights()} are proportional to the input weights. */
  boolean exact() {
    return exact;
  }

  private static boolean fits(long sum, int distinct) {
    return sum <= TABLE_LIMIT && sum * distinct <= BUILD_BUDGET;
  }

  private static int[] reduce(int[] weights) {
    long g = weights[0];
    for (int w : weights) g = Candidates.gcd(g, w);
    if (g > 1) {
      for (int i = 0; i < weights.length; i++) weights[i] /= (int) g;
    }
    return weights;
  }

  private static long sum(int[] weights) {
    long sum = 0;
    for (int w : weights) sum += w;
    return sum;
  }

  private static int distinct(int[] weights) {
    int[] sorted = weights.clone();
    Arrays.sort(sorted);
    int d = 1;
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] != sorted[i - 1]) d++;
    }
    return d;
  }

  /**
   * nginx's smooth weighted round robin over one period, with endpoints grouped by weight. Within a
   * group, members are picked in list order, so a group's best candidate is the member at its
   * cursor and its current value is {@code t * weight - S * rounds}; a tie between groups goes to
   * the lower endpoint index, as nginx's first-in-list rule does.
   */
  private static int[] sequence(int[] weights, int sum) {
    int n = weights.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (x, y) -> weights[x] != weights[y]
        ? Integer.compare(weights[x], weights[y]) : Integer.compare(x, y));
    int[] members = new int[n];
    for (int i = 0; i < n; i++) members[i] = order[i];

    int groups = distinct(weights);
    long[] groupWeight = new long[groups];
    int[] start = new int[groups];
    int[] end = new int[groups];
    int g = -1;
    for (int i = 0; i < n; i++) {
      if (i == 0 || weights[members[i]] != weights[members[i - 1]]) {
        g++;
        groupWeight[g] = weights[members[i]];
        start[g] = i;
      }
      end[g] = i + 1;
    }
    int[] cursor = start.clone();
    long[] current = new long[groups];
    int[] sequence = new int[sum];
    for (int step = 0; step < sum; step++) {
      int best = -1;
      long bestValue = 0;
      int bestIndex = 0;
      for (int k = 0; k < groups; k++) {
        long value = current[k] += groupWeight[k];
        int index = members[cursor[k]];
        if (best < 0 || value > bestValue || (value == bestValue && index < bestIndex)) {
          best = k;
          bestValue = value;
          bestIndex = index;
        }
      }
      sequence[step] = bestIndex;
      if (++cursor[best] == end[best]) {
        cursor[best] = start[best];
        current[best] -= sum;
      }
    }
    return sequence;
  }
}
