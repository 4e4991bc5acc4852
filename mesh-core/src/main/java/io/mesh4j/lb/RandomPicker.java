package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Weighted random: each pick independently returns endpoint {@code i} with probability {@code
 * weight[i] / sum(weights)} (a uniform draw over the total weight, located by binary search over
 * prefix sums; a plain uniform index when all weights are equal).
 *
 * <p>A retry ({@link PickContext#alreadyTried} true for the draw) draws again up to {@value
 * #REDRAWS} times, then picks among the untried endpoints with probability proportional to weight
 * (two passes over the endpoints); when every endpoint was tried it returns the first draw.
 *
 * <p>Thread-safe, lock-free, allocation-free; randomness from {@link ThreadLocalRandom}.
 */
final class RandomPicker implements Picker {
  /** Extra draws a retry makes before weighing the untried endpoints exactly. */
  static final int REDRAWS = 2;

  private final Endpoint[] endpoints;
  private final PickResult[] results;
  private final int[] weights;
  private final long[] prefix;
  private final long total;
  private final boolean equalWeights;
  private final RandomGenerator random;

  /**
   * @param random the source of draws, or {@code null} for {@link ThreadLocalRandom} (the only
   *     thread-safe choice; a fixed generator is for single-threaded tests)
   */
  RandomPicker(List<Endpoint> endpoints, int[] weights, RandomGenerator random) {
    this.endpoints = Candidates.check(endpoints, weights);
    if (this.endpoints.length == 0) throw new IllegalArgumentException("endpoints: empty");
    this.results = Candidates.results(this.endpoints);
    this.weights = weights.clone();
    this.prefix = new long[weights.length];
    long sum = 0;
    boolean equal = true;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      prefix[i] = sum;
      equal &= weights[i] == weights[0];
    }
    this.total = sum;
    this.equalWeights = equal;
    this.random = random;
  }

  @Override
  public PickResult pick(PickContext context) {
    RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
    int natural = draw(r);
    if (!context.alreadyTried(endpoints[natural])) return results[natural];
    for (int k = 0; k < REDRAWS; k++) {
      int again = draw(r);
      if (!context.alreadyTried(endpoints[again])) return results[again];
    }
    long untried = 0;
    for (int i = 0; i < endpoints.length; i++) {
      if (!context.alreadyTried(endpoints[i])) untried += weights[i];
    }
    if (untried == 0) return results[natural];
    long target = r.nextLong(untried);
    for (int i = 0; i < endpoints.length; i++) {
      if (context.alreadyTried(endpoints[i])) continue;
      target -= weights[i];
      if (target < 0) return results[i];
    }
    // the set of tried endpoints changed between the passes: any untried one will do
    return results[Candidates.nextUntried(endpoints, natural, context)];
  }

  private int draw(RandomGenerator r) {
    if (equalWeights) return r.nextInt(endpoints.length);
    return firstAbove(prefix, r.nextLong(total));
  }

  /**
   * The first index whose prefix sum exceeds {@code target} ({@code 0 <= target < total}). A
   * branch-free binary search: the loop runs {@code ceil(log2 n)} times whatever the target, and
   * the step is a conditional move, so random targets cause no branch mispredictions.
   */
  static int firstAbove(long[] prefix, long target) {
    int lo = 0;
    int len = prefix.length;
    while (len > 1) {
      int half = len >>> 1;
      lo = prefix[lo + half - 1] <= target ? lo + half : lo;
      len -= half;
    }
    return lo;
  }

  @Override
  public String toString() {
    return "RandomPicker{endpoints=" + endpoints.length + "}";
  }
}
