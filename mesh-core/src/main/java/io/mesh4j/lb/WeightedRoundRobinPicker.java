package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;

/**
 * Smooth weighted round robin without locks: nginx's sequence, precomputed for one full cycle by
 * {@link SmoothSchedule}, walked by one shared atomic counter.
 *
 * <p>Pick {@code k} of this instance (counting from its random start) returns the endpoint at
 * position {@code (start + k) mod S} of the cycle. The counter is a {@code long}; it passes {@code
 * Long.MAX_VALUE} seamlessly (positions are computed on the unsigned value) and would need 2^64
 * picks of one instance to wrap. Consequences, on a stable endpoint set (one instance):
 *
 * <ul>
 *   <li>any {@code S} consecutive picks (in the order the counter hands out positions, across all
 *       threads) contain each endpoint exactly its reduced weight times, and so any {@code m * S}
 *       contain it exactly {@code m * weight} times;
 *   <li>picks of one endpoint are spread: nginx's sequence keeps every prefix of the cycle within
 *       one pick of the ideal share, so any {@code L} consecutive picks contain an endpoint of
 *       share {@code p} more than {@code L * p - 2} and fewer than {@code L * p + 2} times;
 *   <li>equal weights give plain round robin in list order.
 * </ul>
 *
 * <p>When the schedule is not {@linkplain SmoothSchedule#exact() exact} (a reduced total above
 * 2^20) the same holds for the scaled weights it realises.
 *
 * <p>A retry ({@link PickContext#alreadyTried} true for the natural choice) looks at the next
 * {@value #RETRY_PROBES} positions of the cycle for an untried endpoint, then at the endpoints in
 * list order after the natural one; when every endpoint was tried it returns the natural choice.
 * Retries do not advance the counter.
 *
 * <p>Thread-safe; {@link #pick} is lock-free (one {@code getAndAdd}) and allocates nothing.
 */
final class WeightedRoundRobinPicker implements Picker {
  /** Cycle positions a retry inspects before scanning the endpoint list. */
  static final int RETRY_PROBES = 8;

  private final Endpoint[] endpoints;
  private final PickResult[] results;
  private final int[] sequence;
  private final int length;
  private final long magic;
  private final SmoothSchedule schedule;
  private final PaddedSequence counter;

  private WeightedRoundRobinPicker(Endpoint[] endpoints, SmoothSchedule schedule, long counter) {
    this.endpoints = endpoints;
    this.results = Candidates.results(endpoints);
    this.schedule = schedule;
    this.sequence = schedule.sequence();
    this.length = sequence.length;
    this.magic = magic(length);
    this.counter = new PaddedSequence(counter);
  }

  /**
   * A picker whose first pick is at a cycle position derived from {@code seed}.
   *
   * @throws IllegalArgumentException if sizes differ or a weight is below 1; also if empty
   */
  static WeightedRoundRobinPicker create(List<Endpoint> endpoints, int[] weights, long seed) {
    Endpoint[] array = Candidates.check(endpoints, weights);
    SmoothSchedule schedule = SmoothSchedule.of(weights);
    return new WeightedRoundRobinPicker(
        array, schedule, Math.floorMod(seed, schedule.sequence().length));
  }

  /** A picker whose counter starts at exactly {@code counter} (tests: wraparound). */
  static WeightedRoundRobinPicker startingAt(
      List<Endpoint> endpoints, int[] weights, long counter) {
    return new WeightedRoundRobinPicker(
        Candidates.check(endpoints, weights), SmoothSchedule.of(weights), counter);
  }

  @Override
  public PickResult pick(PickContext context) {
    int position = position(counter.getAndIncrement(), length, magic);
    int natural = sequence[position];
    if (!context.alreadyTried(endpoints[natural])) return results[natural];
    return retry(context, position, natural);
  }

  private PickResult retry(PickContext context, int position, int natural) {
    int probes = Math.min(RETRY_PROBES, length - 1);
    for (int k = 1; k <= probes; k++) {
      int p = position + k;
      if (p >= length) p -= length;
      int candidate = sequence[p];
      if (candidate != natural && !context.alreadyTried(endpoints[candidate])) {
        return results[candidate];
      }
    }
    return results[Candidates.nextUntried(endpoints, natural, context)];
  }

  /** Lemire's constant for {@link #position}: {@code ceil(2^64 / length)}, wrapping to 0 for 1. */
  static long magic(int length) {
    return Long.divideUnsigned(-1L, length) + 1;
  }

  /**
   * The cycle position of counter value {@code seq}, reading it as an unsigned number. Below 2^32
   * (the first four billion picks of a picker) it avoids the division: Lemire's "faster remainder
   * by direct computation" ({@code mulhi(magic * seq, length)}, exact for 32-bit operands).
   */
  static int position(long seq, int length, long magic) {
    if (seq >>> 32 == 0) {
      long low = magic * seq;
      // unsigned high half of low * length; length is positive, so only low's sign needs fixing
      return (int) (Math.multiplyHigh(low, length) + ((low >> 63) & length));
    }
    return position(seq, length);
  }

  /** {@link #position(long, int, long)} by division. */
  static int position(long seq, int length) {
    if (seq >= 0) return (int) (seq % length);
    // unsigned seq = 2 * (seq >>> 1) + (seq & 1)
    return (int) ((((seq >>> 1) % length) * 2 + (seq & 1)) % length);
  }

  /** The schedule (tests, diagnostics). */
  SmoothSchedule schedule() {
    return schedule;
  }

  @Override
  public String toString() {
    return "WeightedRoundRobinPicker{endpoints=" + endpoints.length + ", cycle=" + length
        + (schedule.exact() ? "" : ", scaled") + "}";
  }
}
