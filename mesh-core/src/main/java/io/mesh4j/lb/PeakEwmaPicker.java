package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.internal.PeakEwma;
import io.mesh4j.time.Ticker;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Latency-aware picking by the power of two choices, as Finagle's and Linkerd's peak-EWMA
 * balancers pick: each pick draws two distinct endpoints uniformly at random and keeps the one
 * with the lower load
 *
 * <pre>
 *   load = estimate × (active + 1) / weight
 * </pre>
 *
 * where {@code estimate} is the endpoint's peak-EWMA latency ({@link PeakEwma}, decayed to the
 * pick's time, read from the injected {@link Ticker}) and {@code active} its requests in flight.
 * A tie keeps the first candidate drawn.
 *
 * <p>An endpoint with no latency sample yet has load 0 while it has nothing in flight, so a new
 * endpoint is probed at once; as soon as one request is in flight to it and until that request
 * reports, its load is a penalty ({@value #PENALTY_NANOS} ns plus its active count, Finagle's
 * {@code Penalty}), so a new endpoint is not stampeded before anyone knows its latency.
 *
 * <p>Consequences: an endpoint ten times slower than the others is picked when its estimate times
 * its (small) active count is below theirs. Against endpoints that answer in exactly their
 * latency that is under 1% of picks; against real ones it is more, because a fast endpoint's
 * occasional slow answer raises its estimate at once and it takes about the decay time to come
 * back down, so the fast endpoints look only a few times better (3–8% of attempts went to a 10 ms
 * endpoint beside two 1 ms ones on loopback, docs/benchmarks.md). With all estimates equal the
 * policy is {@code least_request}.
 *
 * <p>A retry or a hedge ({@link PickContext#alreadyTried} true for the winner) picks again by the
 * same rule among the endpoints not tried yet ({@link Candidates#untriedChoice}), so it too avoids
 * the slow endpoint; when every endpoint was tried it returns the winner.
 *
 * <p>Thread-safe, lock-free, allocation-free: one ticker read, two volatile reads of state per
 * candidate, and {@link ThreadLocalRandom} (or a {@link SeededRandom} seeded by the mesh).
 */
final class PeakEwmaPicker implements Picker, Candidates.Comparison {
  /** Finagle's penalty for an endpoint with requests in flight and no sample: 2⁴⁷ ns (~39 h). */
  static final long PENALTY_NANOS = Long.MAX_VALUE >> 16;

  private final Endpoint[] endpoints;
  private final PickResult[] results;
  private final PeakEwma[] estimates;
  private final double[] weights;
  private final Ticker ticker;
  private final RandomGenerator random;

  /**
   * @param random the source of candidates, or {@code null} for {@link ThreadLocalRandom}; it
   *     must be thread-safe unless the picker is used by one thread ({@link SeededRandom} is, a
   *     {@code SplittableRandom} in a single-threaded test is not)
   */
  PeakEwmaPicker(List<Endpoint> endpoints, int[] weights, Ticker ticker, RandomGenerator random) {
    this.endpoints = Candidates.check(endpoints, weights);
    if (this.endpoints.length == 0) throw new IllegalArgumentException("endpoints: empty");
    this.results = Candidates.results(this.endpoints);
    this.estimates = new PeakEwma[this.endpoints.length];
    this.weights = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      this.estimates[i] = EndpointInternals.latency(this.endpoints[i]);
      this.weights[i] = weights[i];
    }
    this.ticker = ticker;
    this.random = random;
  }

  @Override
  public PickResult pick(PickContext context) {
    int n = endpoints.length;
    if (n == 1) return results[0];
    RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
    int first = r.nextInt(n);
    int second = first + 1 + r.nextInt(n - 1);
    if (second >= n) second -= n;
    long now = ticker.read();
    int winner = prefers(second, first, now) ? second : first;
    if (!context.alreadyTried(endpoints[winner])) return results[winner];
    return results[Candidates.untriedChoice(endpoints, context, r, this, now, winner)];
  }

  @Override
  public boolean prefers(int a, int b, long now) {
    return load(a, now) < load(b, now);
  }

  /** The load of endpoint {@code i} at {@code now}. */
  double load(int i, long now) {
    int active = Math.max(0, endpoints[i].activeRequests());
    double estimate = estimates[i].estimate(now);
    double load;
    if (Double.isNaN(estimate)) {
      load = active == 0 ? 0 : (double) PENALTY_NANOS + active;
    } else {
      load = estimate * (active + 1);
    }
    return load / weights[i];
  }

  @Override
  public String toString() {
    return "PeakEwmaPicker{endpoints=" + endpoints.length + "}";
  }
}
