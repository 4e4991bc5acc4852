package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Least request by the power of two choices, weighted as Envoy weighs hosts.
 *
 * <p>Each pick draws two distinct endpoints uniformly at random and keeps the one with the higher
 * score {@code weight / (active + 1)^bias}, where {@code active} is {@link
 * Endpoint#activeRequests()} read once per candidate and {@code bias} the active-request bias
 * (default 1.0). A tie keeps the first candidate drawn. When all weights are equal this is Envoy's
 * plain rule: the candidate with fewer active requests wins. Bias 0 compares weights only; bias 1
 * is computed with integer cross-multiplication; any other bias uses {@link Math#pow}.
 *
 * <p>Consequences: an endpoint whose score is strictly below every other endpoint's is never
 * picked (it can only lose a comparison), and under load an endpoint's active requests settle
 * where its score meets the others', which for bias 1 gives each endpoint concurrency in
 * proportion to its weight. With no requests in flight the heavier candidate always wins, so light
 * endpoints get less than their weight share until load builds up.
 *
 * <p>A retry or a hedge ({@link PickContext#alreadyTried} true for the winner) picks again by the
 * same rule among the endpoints not tried yet ({@link Candidates#untriedChoice}), so it too goes
 * to the less loaded of two; when every endpoint was tried it returns the winner.
 *
 * <p>Thread-safe, lock-free, allocation-free; randomness from {@link ThreadLocalRandom}, or from a
 * {@link SeededRandom} when the mesh's random source seeds it (reproducible runs).
 */
final class LeastRequestPicker implements Picker, Candidates.Comparison {
  /** Envoy's default active-request bias. */
  static final double DEFAULT_BIAS = 1.0;

  private final Endpoint[] endpoints;
  private final PickResult[] results;
  private final int[] weights;
  private final boolean equalWeights;
  private final double bias;
  private final RandomGenerator random;

  /**
   * @param random the source of candidates, or {@code null} for {@link ThreadLocalRandom}; it
   *     must be thread-safe unless the picker is used by one thread ({@link SeededRandom} is, a
   *     {@code SplittableRandom} in a single-threaded test is not)
   */
  LeastRequestPicker(List<Endpoint> endpoints, int[] weights, double bias, RandomGenerator random) {
    this.endpoints = Candidates.check(endpoints, weights);
    if (this.endpoints.length == 0) throw new IllegalArgumentException("endpoints: empty");
    checkBias(bias);
    this.results = Candidates.results(this.endpoints);
    this.weights = weights.clone();
    boolean equal = true;
    for (int w : weights) equal &= w == weights[0];
    this.equalWeights = equal;
    this.bias = bias;
    this.random = random;
  }

  static double checkBias(double bias) {
    if (!(bias >= 0) || Double.isInfinite(bias)) {
      throw new IllegalArgumentException(
          "active_request_bias: " + bias + " (expected: a finite number >= 0)");
    }
    return bias;
  }

  @Override
  public PickResult pick(PickContext context) {
    int n = endpoints.length;
    if (n == 1) return results[0];
    RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
    int first = r.nextInt(n);
    int second = first + 1 + r.nextInt(n - 1);
    if (second >= n) second -= n;
    int winner = prefers(second, first, 0) ? second : first;
    if (!context.alreadyTried(endpoints[winner])) return results[winner];
    return results[Candidates.untriedChoice(endpoints, context, r, this, 0, winner)];
  }

  /** Whether {@code a} scores strictly higher than {@code b} ({@code now} is not used). */
  @Override
  public boolean prefers(int a, int b, long now) {
    long activeA = Math.max(0, endpoints[a].activeRequests());
    long activeB = Math.max(0, endpoints[b].activeRequests());
    if (equalWeights) return activeA < activeB;
    if (bias == 0.0) return weights[a] > weights[b];
    if (bias == 1.0) return weights[a] * (activeB + 1) > weights[b] * (activeA + 1);
    return weights[a] / Math.pow(activeA + 1, bias) > weights[b] / Math.pow(activeB + 1, bias);
  }

  @Override
  public String toString() {
    return "LeastRequestPicker{endpoints=" + endpoints.length + ", bias=" + bias + "}";
  }
}
