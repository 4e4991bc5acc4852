package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static io.mesh4j.lb.TestEndpoints.tried;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.endpoint.Endpoint;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WeightedRoundRobinPickerTest {

  /** nginx's smooth weighted round robin, verbatim and under a lock: the slow reference. */
  static final class NginxReference {
    private final int[] weights;
    private final long[] current;
    private final long total;

    NginxReference(int[] weights) {
      this.weights = weights.clone();
      this.current = new long[weights.length];
      this.total = Arrays.stream(weights).asLongStream().sum();
    }

    synchronized int next() {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best < 0 || current[i] > current[best]) best = i;
      }
      current[best] -= total;
      return best;
    }
  }

  private static int[] picks(Picker picker, List<Endpoint> endpoints, int count) {
    int[] picks = new int[count];
    for (int i = 0; i < count; i++) picks[i] = indexOf(endpoints, picker.pick(PickContext.EMPTY));
    return picks;
  }

  private static String letters(int[] picks) {
    StringBuilder sb = new StringBuilder();
    for (int p : picks) {
      if (sb.length() > 0) sb.append(' ');
      sb.append((char) ('a' + p));
    }
    return sb.toString();
  }

  private static int[] randomWeights(SplittableRandom random, int maxEndpoints, int maxWeight) {
    int[] w = new int[1 + random.nextInt(maxEndpoints)];
    for (int i = 0; i < w.length; i++) w[i] = 1 + random.nextInt(maxWeight);
    return w;
  }

  private static int reducedSum(int[] weights) {
    return WeightedRoundRobinPicker.startingAt(endpoints(weights.length), weights, 0)
        .schedule().sequence().length;
  }

  @Test
  void fiveOneOneIsSpreadAsABACAAEveryCycle() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(5, 1, 1), 0);

    assertThat(letters(picks(picker, eps, 14))).isEqualTo("a a b a c a a a a b a c a a");
  }

  @Test
  void equalWeightsAreRoundRobinInListOrder() {
    List<Endpoint> eps = endpoints(4);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, repeat(4, 7), 0);

    assertThat(picks(picker, eps, 8)).containsExactly(0, 1, 2, 3, 0, 1, 2, 3);
  }

  @Test
  void weightsAreReducedByTheirGreatestCommonDivisor() {
    SmoothSchedule schedule = SmoothSchedule.of(weights(300, 200, 100));

    assertThat(schedule.weights()).containsExactly(3, 2, 1);
    assertThat(schedule.sequence()).containsExactly(0, 1, 0, 2, 1, 0);
    assertThat(schedule.exact()).isTrue();
  }

  static Stream<Arguments> weightVectors() {
    return Stream.of(
        Arguments.of((Object) weights(1)),
        Arguments.of((Object) weights(5, 1, 1)),
        Arguments.of((Object) weights(1, 1, 1)),
        Arguments.of((Object) weights(1, 2, 3, 4)),
        Arguments.of((Object) weights(10, 1)),
        Arguments.of((Object) weights(100, 1)),
        Arguments.of((Object) weights(7, 7, 3, 3, 3, 1)),
        Arguments.of((Object) weights(2, 4, 6)),
        Arguments.of((Object) weights(13, 17, 19, 23)));
  }

  @ParameterizedTest
  @MethodSource("weightVectors")
  void everyWindowOfOneCycleHoldsEachEndpointExactlyItsWeightTimes(int[] weights) {
    List<Endpoint> eps = endpoints(weights.length);
    SmoothSchedule schedule = SmoothSchedule.of(weights);
    int[] reduced = schedule.weights();
    int cycle = schedule.sequence().length;

    for (int start = 0; start < cycle; start++) {
      int[] picks = picks(WeightedRoundRobinPicker.startingAt(eps, weights, start), eps, 3 * cycle);
      for (int from = 0; from + cycle <= picks.length; from++) {
        int[] counts = new int[weights.length];
        for (int k = from; k < from + cycle; k++) counts[picks[k]]++;
        if (!Arrays.equals(counts, reduced)) {
          assertThat(counts).as("start %d, window at %d", start, from).isEqualTo(reduced);
        }
      }
    }
  }

  @Test
  void agreesWithTheSlowNginxReferenceOverManyRandomWeightVectors() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 500; round++) {
      int[] weights = randomWeights(random, 12, 40);
      List<Endpoint> eps = endpoints(weights.length);
      NginxReference reference = new NginxReference(weights);
      int cycle = reducedSum(weights);
      int count = (int) Math.min(4L * Arrays.stream(weights).sum(), 20_000);
      int start = random.nextInt(cycle);

      int[] expected = new int[count + start];
      for (int i = 0; i < expected.length; i++) expected[i] = reference.next();
      int[] actual = picks(WeightedRoundRobinPicker.startingAt(eps, weights, start), eps, count);

      assertThat(actual)
          .as("weights %s from position %d", Arrays.toString(weights), start)
          .isEqualTo(Arrays.copyOfRange(expected, start, expected.length));
    }
  }

  @Test
  void everyPrefixOfTheCycleStaysWithinOnePickOfTheIdealShare() {
    SplittableRandom random = new SplittableRandom(13);
    List<String> violations = new ArrayList<>();
    for (int round = 0; round < 300; round++) {
      int[] weights = randomWeights(random, 16, 100);
      SmoothSchedule schedule = SmoothSchedule.of(weights);
      int[] reduced = schedule.weights();
      int[] sequence = schedule.sequence();
      long[] counts = new long[weights.length];
      for (int t = 1; t <= sequence.length; t++) {
        counts[sequence[t - 1]]++;
        for (int e = 0; e < weights.length; e++) {
          // |count - t * w / S| < 1, in integers: |count * S - t * w| < S
          long deviation = Math.abs(counts[e] * sequence.length - (long) t * reduced[e]);
          if (deviation >= sequence.length) {
            violations.add(Arrays.toString(weights) + " endpoint " + e + " after " + t);
          }
        }
      }
    }

    assertThat(violations).isEmpty();
  }

  @Test
  void everyRunOfPicksStaysWithinTwoOfTheIdealShare() {
    SplittableRandom random = new SplittableRandom(7);
    List<String> violations = new ArrayList<>();
    for (int round = 0; round < 120; round++) {
      int[] weights = randomWeights(random, 8, 30);
      List<Endpoint> eps = endpoints(weights.length);
      int cycle = reducedSum(weights);
      long total = Arrays.stream(weights).sum();
      int[] picks = picks(WeightedRoundRobinPicker.startingAt(eps, weights, 0), eps, 2 * cycle);

      for (int e = 0; e < weights.length; e++) {
        int[] prefix = new int[picks.length + 1];
        for (int k = 0; k < picks.length; k++) prefix[k + 1] = prefix[k] + (picks[k] == e ? 1 : 0);
        for (int from = 0; from < cycle; from++) {
          for (int length = 1; length <= cycle; length++) {
            // |count - length * w / total| < 2, in integers
            long count = prefix[from + length] - prefix[from];
            if (Math.abs(count * total - (long) length * weights[e]) >= 2 * total) {
              violations.add(Arrays.toString(weights) + " endpoint " + e + " window [" + from
                  + ", +" + length + ")");
            }
          }
        }
      }
    }

    assertThat(violations).isEmpty();
  }

  @Test
  void theHeaviestEndpointOfFiveOneOneNeverRunsMoreThanFourInARow() {
    List<Endpoint> eps = endpoints(3);
    for (int start = 0; start < 7; start++) {
      Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(5, 1, 1), start);
      int[] picks = picks(picker, eps, 70);
      int run = 0;
      int longest = 0;
      for (int p : picks) {
        run = p == 0 ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      assertThat(longest).as("start %d", start).isEqualTo(4);
    }
  }

  @ParameterizedTest
  @MethodSource("counterStarts")
  void theCounterPassingItsSignedMaximumKeepsEveryWindowExact(long start) {
    int[] weights = weights(5, 3, 2, 1);
    List<Endpoint> eps = endpoints(4);
    int cycle = 11;
    int[] picks = picks(WeightedRoundRobinPicker.startingAt(eps, weights, start), eps, 40 * cycle);
    int[] sequence = SmoothSchedule.of(weights).sequence();
    int first = WeightedRoundRobinPicker.position(start, cycle);
    assertThat(first).isEqualTo(WeightedRoundRobinPicker.position(
        start, cycle, WeightedRoundRobinPicker.magic(cycle)));

    for (int k = 0; k < picks.length; k++) {
      assertThat(picks[k]).as("pick %d", k).isEqualTo(sequence[(first + k) % cycle]);
    }
    for (int from = 0; from + cycle <= picks.length; from++) {
      int[] counts = new int[4];
      for (int k = from; k < from + cycle; k++) counts[picks[k]]++;
      assertThat(counts).containsExactly(5, 3, 2, 1);
    }
  }

  static Stream<Long> counterStarts() {
    return Stream.of(
        (long) Integer.MAX_VALUE - 200,
        (1L << 32) - 200,
        Long.MAX_VALUE - 200,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        -1L - 10_000);
  }

  @Test
  void positionsAreTheUnsignedCounterModuloTheCycle() {
    BigInteger twoTo64 = BigInteger.ONE.shiftLeft(64);
    long[] counters = {0, 1, 10, Integer.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE,
        Long.MIN_VALUE, Long.MIN_VALUE + 1, -2, -1};
    int[] lengths = {1, 2, 3, 7, 11, 1000, (1 << 20) - 1, 1 << 20};
    for (long counter : counters) {
      for (int length : lengths) {
        BigInteger unsigned = BigInteger.valueOf(counter);
        if (counter < 0) unsigned = unsigned.add(twoTo64);
        int expected = unsigned.mod(BigInteger.valueOf(length)).intValueExact();
        assertThat(WeightedRoundRobinPicker.position(counter, length))
            .as("counter %d, length %d", counter, length)
            .isEqualTo(expected);
        assertThat(WeightedRoundRobinPicker.position(
                counter, length, WeightedRoundRobinPicker.magic(length)))
            .as("counter %d, length %d", counter, length)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void theDivisionFreePositionAgreesWithTheRemainderForThirtyTwoBitCounters() {
    SplittableRandom random = new SplittableRandom(17);
    long[] edges = {0, 1, 2, (1L << 31) - 1, 1L << 31, (1L << 32) - 2, (1L << 32) - 1, 1L << 32};
    List<String> mismatches = new ArrayList<>();
    for (int round = 0; round < 2_000; round++) {
      int length = round < 40 ? round + 1 : 1 + random.nextInt(1 << 20);
      long magic = WeightedRoundRobinPicker.magic(length);
      for (int k = 0; k < 500 + edges.length; k++) {
        long counter = k < edges.length ? edges[k] : random.nextLong(1L << 33);
        int position = WeightedRoundRobinPicker.position(counter, length, magic);
        if (position != counter % length) {
          mismatches.add(counter + " mod " + length + ": " + position);
        }
      }
    }

    assertThat(mismatches).isEmpty();
  }

  @Test
  void instancesStartAtAPositionDerivedFromTheirSeed() {
    List<Endpoint> eps = endpoints(5);
    int[] weights = weights(1, 2, 3, 4, 5);
    int[] a = picks(WeightedRoundRobinPicker.create(eps, weights, 1234), eps, 30);
    int[] b = picks(WeightedRoundRobinPicker.create(eps, weights, 1234), eps, 30);
    int[] sequence = SmoothSchedule.of(weights).sequence();
    int start = Math.floorMod(1234L, 15);

    assertThat(a).isEqualTo(b);
    for (int k = 0; k < a.length; k++) assertThat(a[k]).isEqualTo(sequence[(start + k) % 15]);
  }

  @Test
  void differentSeedsSpreadAFleetOverDifferentStartingPositions() {
    List<Endpoint> eps = endpoints(10);
    int[] weights = repeat(10, 1);
    boolean[] firstPicks = new boolean[10];
    for (long seed = 0; seed < 10; seed++) {
      firstPicks[indexOf(eps, WeightedRoundRobinPicker.create(eps, weights, seed)
          .pick(PickContext.EMPTY))] = true;
    }

    assertThat(firstPicks).containsOnly(true);
  }

  @Test
  void aRetryTakesTheNextUntriedEndpointOfTheCycle() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(5, 1, 1), 0);

    // natural choice at position 0 is a; positions 1 and 2 hold a and b
    assertThat(picker.pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(1));
    // position 1 is a again; a and b tried: position 4 holds c
    assertThat(picker.pick(tried(eps.get(0), eps.get(1))).endpoint()).isEqualTo(eps.get(2));
  }

  @Test
  void aRetryDoesNotAdvanceTheSequenceBeyondItsOwnPosition() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(5, 1, 1), 0);

    picker.pick(tried(eps.get(0)));

    assertThat(letters(picks(picker, eps, 6))).isEqualTo("a b a c a a");
  }

  @Test
  void aRetryFallsBackToListOrderWhenTheNextPositionsHoldOnlyTriedEndpoints() {
    List<Endpoint> eps = endpoints(3);
    // weights 20, 20, 1: cycle starts a b a b ... and c comes late
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(20, 20, 1), 0);

    assertThat(picker.pick(tried(eps.get(0), eps.get(1))).endpoint()).isEqualTo(eps.get(2));
  }

  @Test
  void whenEveryEndpointWasTriedTheNaturalChoiceIsReused() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(5, 1, 1), 2);

    assertThat(picker.pick(tried(eps.toArray(new Endpoint[0]))).endpoint()).isEqualTo(eps.get(1));
  }

  @Test
  void aSingleTriedEndpointIsPickedAgain() {
    List<Endpoint> eps = endpoints(1);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(3), 0);

    assertThat(picker.pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(0));
  }

  @Test
  void picksReturnTheSamePreallocatedResultForAnEndpoint() {
    List<Endpoint> eps = endpoints(2);
    Picker picker = WeightedRoundRobinPicker.startingAt(eps, weights(1, 1), 0);

    PickResult first = picker.pick(PickContext.EMPTY);
    picker.pick(PickContext.EMPTY);

    assertThat(picker.pick(PickContext.EMPTY)).isSameAs(first);
  }

  @Test
  void weightsWhoseReducedSumExceedsTheTableLimitAreScaledAndFlaggedAsInexact() {
    int[] weights = new int[300];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < weights.length; i++) weights[i] = 5000 + random.nextInt(5001);
    long total = Arrays.stream(weights).asLongStream().sum();

    SmoothSchedule schedule = SmoothSchedule.of(weights);

    int[] realised = schedule.weights();
    long realisedTotal = Arrays.stream(realised).asLongStream().sum();
    assertThat(schedule.exact()).isFalse();
    assertThat(schedule.sequence()).hasSize((int) realisedTotal);
    assertThat(realisedTotal).isLessThanOrEqualTo(SmoothSchedule.TABLE_LIMIT);
    for (int i = 0; i < weights.length; i++) {
      double share = (double) weights[i] / total;
      double realisedShare = (double) realised[i] / realisedTotal;
      assertThat(Math.abs(realisedShare - share))
          .as("endpoint %d", i)
          .isLessThanOrEqualTo((1 + weights.length * share) / realisedTotal)
          .isLessThan(share * 5e-3);
    }
    int[] counts = new int[weights.length];
    for (int p : schedule.sequence()) counts[p]++;
    assertThat(counts).containsExactly(realised);
  }

  @Test
  void manyDistinctWeightsAboveTheBuildBudgetAreScaledToFitIt() {
    int[] weights = new int[1000];
    for (int i = 0; i < weights.length; i++) weights[i] = i + 1;

    SmoothSchedule schedule = SmoothSchedule.of(weights);

    int[] realised = schedule.weights();
    long distinct = Arrays.stream(realised).distinct().count();
    assertThat(schedule.exact()).isFalse();
    assertThat(schedule.sequence().length * distinct)
        .isLessThanOrEqualTo(SmoothSchedule.BUILD_BUDGET);
    assertThat(realised).isSorted();
  }

  @Test
  void invalidInputsAreRejectedWithTheValueNamed() {
    assertThatThrownBy(() -> WeightedRoundRobinPicker.create(endpoints(2), weights(1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights: 1 values (expected: one per endpoint, 2)");
    assertThatThrownBy(() -> WeightedRoundRobinPicker.create(endpoints(2), weights(1, 0), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights[1]: 0 (expected: >= 1)");
    assertThatThrownBy(() -> WeightedRoundRobinPicker.create(endpoints(0), weights(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights: empty");
  }

  @Test
  void concurrentPickersStillPickEachEndpointExactlyItsWeightPerCompleteCycle() throws Exception {
    int[] weights = weights(5, 1, 1, 3, 10);
    List<Endpoint> eps = endpoints(weights.length);
    Picker picker = WeightedRoundRobinPicker.create(eps, weights, 99);
    int threads = 4;
    int cycles = 25_000;
    int perThread = 20 * cycles; // 20 = sum of weights: each thread makes 25_000 cycles' worth
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          int[] counts = new int[weights.length];
          ready.countDown();
          go.await();
          for (int i = 0; i < perThread; i++) {
            counts[indexOf(eps, picker.pick(PickContext.EMPTY))]++;
          }
          return counts;
        }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      go.countDown();
      int[] total = new int[weights.length];
      for (Future<int[]> f : futures) {
        int[] counts = f.get(30, TimeUnit.SECONDS);
        for (int i = 0; i < total.length; i++) total[i] += counts[i];
      }

      int allCycles = threads * cycles;
      assertThat(total).containsExactly(
          5 * allCycles, allCycles, allCycles, 3 * allCycles, 10 * allCycles);
    } finally {
      pool.shutdownNow();
    }
  }
}
