package io.mesh4j.lb;

import io.mesh4j.internal.EndpointInternals;
import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static io.mesh4j.lb.TestEndpoints.tried;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeastRequestPickerTest {

  private static void load(List<Endpoint> endpoints, int... active) {
    for (int i = 0; i < active.length; i++) {
      for (int k = 0; k < active[i]; k++) EndpointInternals.requestStarted(endpoints.get(i));
    }
  }

  private static double[] shares(Picker picker, List<Endpoint> eps, int picks) {
    int[] counts = new int[eps.size()];
    for (int i = 0; i < picks; i++) counts[indexOf(eps, picker.pick(PickContext.EMPTY))]++;
    double[] shares = new double[counts.length];
    for (int i = 0; i < counts.length; i++) shares[i] = (double) counts[i] / picks;
    return shares;
  }

  private static LeastRequestPicker picker(List<Endpoint> eps, int[] weights, double bias) {
    return new LeastRequestPicker(eps, weights, bias, new SplittableRandom(11));
  }

  @Test
  void withEqualWeightsTheEndpointWithFewerActiveRequestsWins() {
    List<Endpoint> eps = endpoints(2);
    load(eps, 3, 0);

    assertThat(shares(picker(eps, repeat(2, 1), 1.0), eps, 1_000)).containsExactly(0.0, 1.0);
  }

  @Test
  void theMostLoadedEndpointIsNeverPickedAndTheOthersWinTheirShareOfPairs() {
    List<Endpoint> eps = endpoints(4);
    load(eps, 0, 1, 2, 10);

    double[] shares = shares(picker(eps, repeat(4, 1), 1.0), eps, 120_000);

    // ordered pairs of distinct candidates: rank r wins against the 3 - r busier ones, twice each
    assertThat(shares[0]).isCloseTo(6 / 12.0, within(0.01));
    assertThat(shares[1]).isCloseTo(4 / 12.0, within(0.01));
    assertThat(shares[2]).isCloseTo(2 / 12.0, within(0.01));
    assertThat(shares[3]).isEqualTo(0.0);
  }

  @Test
  void equallyLoadedEqualEndpointsShareTheTrafficEvenly() {
    List<Endpoint> eps = endpoints(5);

    for (double share : shares(picker(eps, repeat(5, 3), 1.0), eps, 100_000)) {
      assertThat(share).isCloseTo(0.2, within(0.01));
    }
  }

  @ParameterizedTest(name = "weights 1,4; active {0},{1}; bias {2} -> share of the light one {3}")
  @CsvSource({
    "0, 0,   1.0, 0.0", // scores 1 vs 4
    "0, 4,   1.0, 1.0", // 1 vs 4/5
    "0, 2,   1.0, 0.0", // 1 vs 4/3
    "0, 3,   1.0, 0.5", // 1 vs 1: a tie keeps the first candidate drawn
    "0, 100, 0.0, 0.0", // bias 0 compares weights only
    "0, 1,   2.0, 0.5", // 1 vs 4/4 tie
    "0, 2,   2.0, 1.0", // 1 vs 4/9
    "1, 4,   0.5, 0.0", // 1/sqrt(2) vs 4/sqrt(5)
  })
  void theScoreWeightOverActivePlusOneToTheBiasDecides(
      int activeLight, int activeHeavy, double bias, double lightShare) {
    List<Endpoint> eps = endpoints(2);
    load(eps, activeLight, activeHeavy);

    double[] shares = shares(picker(eps, weights(1, 4), bias), eps, 20_000);

    assertThat(shares[0]).isCloseTo(lightShare, within(0.02));
  }

  @Test
  void underSteadyLoadEachEndpointCarriesTrafficInProportionToItsWeight() {
    int[] weights = weights(1, 2, 3, 4);
    List<Endpoint> eps = endpoints(weights.length);
    Picker picker = picker(eps, weights, 1.0);
    SplittableRandom random = new SplittableRandom(5);
    int inFlightLimit = 200;
    int[] inFlight = new int[inFlightLimit];
    int size = 0;
    int[] counts = new int[weights.length];
    int warmUp = 20_000;
    for (int step = 0; step < 220_000; step++) {
      int picked = indexOf(eps, picker.pick(PickContext.EMPTY));
      EndpointInternals.requestStarted(eps.get(picked));
      inFlight[size++] = picked;
      if (step >= warmUp) counts[picked]++;
      if (size == inFlightLimit) {
        // equal latency: the request that finishes is any in-flight one, uniformly
        int done = random.nextInt(size);
        EndpointInternals.requestFinished(eps.get(inFlight[done]));
        inFlight[done] = inFlight[--size];
      }
    }

    for (int i = 0; i < weights.length; i++) {
      assertThat(counts[i] / 200_000.0)
          .as("endpoint %d", i)
          .isCloseTo(weights[i] / 10.0, within(0.02));
    }
  }

  @Test
  void aRetryTakesTheOtherCandidateWhenTheWinnerWasTried() {
    List<Endpoint> eps = endpoints(2);
    load(eps, 0, 5);
    Picker picker = picker(eps, repeat(2, 1), 1.0);

    assertThat(picker.pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(1));
  }

  @Test
  void aRetryTakesTheLessLoadedOfTheUntriedEndpointsNotTheLosingCandidate() {
    List<Endpoint> eps = endpoints(3);
    load(eps, 0, 1, 9);
    Picker picker = picker(eps, repeat(3, 1), 1.0);

    for (int i = 0; i < 300; i++) {
      assertThat(picker.pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(1));
    }
  }

  @Test
  void aRetryFindsTheOnlyUntriedEndpointEvenWhenNeitherCandidateIsIt() {
    List<Endpoint> eps = endpoints(5);
    Picker picker = picker(eps, weights(1, 2, 3, 4, 5), 1.0);
    PickContext context = tried(eps.get(0), eps.get(1), eps.get(3), eps.get(4));

    for (int i = 0; i < 200; i++) assertThat(picker.pick(context).endpoint()).isEqualTo(eps.get(2));
  }

  @Test
  void whenEveryEndpointWasTriedTheWinnerIsReused() {
    List<Endpoint> eps = endpoints(2);
    load(eps, 4, 0);
    Picker picker = picker(eps, repeat(2, 1), 1.0);

    assertThat(picker.pick(tried(eps.get(0), eps.get(1))).endpoint()).isEqualTo(eps.get(1));
  }

  @Test
  void aSingleEndpointIsAlwaysPicked() {
    List<Endpoint> eps = endpoints(1);
    Picker picker = picker(eps, weights(7), 1.0);

    assertThat(picker.pick(PickContext.EMPTY).endpoint()).isEqualTo(eps.get(0));
    assertThat(picker.pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(0));
  }

  @Test
  void aBiasThatIsNegativeOrNotANumberIsRejected() {
    assertThatThrownBy(() -> picker(endpoints(1), weights(1), -0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("active_request_bias: -0.5 (expected: a finite number >= 0)");
    assertThatThrownBy(() -> Pickers.leastRequest(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("active_request_bias: NaN (expected: a finite number >= 0)");
  }
}
