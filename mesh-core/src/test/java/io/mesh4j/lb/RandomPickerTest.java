package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static io.mesh4j.lb.TestEndpoints.tried;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomPickerTest {

  private static double[] shares(
      Picker picker, List<Endpoint> eps, PickContext context, int picks) {
    int[] counts = new int[eps.size()];
    for (int i = 0; i < picks; i++) counts[indexOf(eps, picker.pick(context))]++;
    double[] shares = new double[counts.length];
    for (int i = 0; i < counts.length; i++) shares[i] = (double) counts[i] / picks;
    return shares;
  }

  private static RandomPicker picker(List<Endpoint> eps, int[] weights) {
    return new RandomPicker(eps, weights, new SplittableRandom(3));
  }

  @Test
  void eachEndpointIsPickedInProportionToItsWeight() {
    List<Endpoint> eps = endpoints(4);

    double[] shares = shares(picker(eps, weights(1, 2, 3, 4)), eps, PickContext.EMPTY, 200_000);

    assertThat(shares[0]).isCloseTo(0.1, within(0.005));
    assertThat(shares[1]).isCloseTo(0.2, within(0.005));
    assertThat(shares[2]).isCloseTo(0.3, within(0.005));
    assertThat(shares[3]).isCloseTo(0.4, within(0.005));
  }

  @Test
  void theBranchFreeSearchFindsTheFirstPrefixSumAboveEveryTarget() {
    SplittableRandom random = new SplittableRandom(9);
    for (int n = 1; n <= 40; n++) {
      long[] prefix = new long[n];
      long sum = 0;
      for (int i = 0; i < n; i++) prefix[i] = sum += 1 + random.nextInt(5);
      for (long target = 0; target < sum; target++) {
        int expected = 0;
        while (prefix[expected] <= target) expected++;
        assertThat(RandomPicker.firstAbove(prefix, target)).as("n %d target %d", n, target)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void equalWeightsAreUniform() {
    List<Endpoint> eps = endpoints(8);

    for (double share : shares(picker(eps, repeat(8, 5)), eps, PickContext.EMPTY, 160_000)) {
      assertThat(share).isCloseTo(0.125, within(0.005));
    }
  }

  @Test
  void aWeightOfOneAmongHeavyEndpointsStillGetsItsShare() {
    List<Endpoint> eps = endpoints(3);

    Picker picker = picker(eps, weights(10_000, 1, 9_999));

    double[] shares = shares(picker, eps, PickContext.EMPTY, 400_000);

    assertThat(shares[1]).isCloseTo(1 / 20_000.0, within(0.0001));
  }

  @Test
  void aRetryPicksAmongTheUntriedEndpointsInProportionToWeight() {
    List<Endpoint> eps = endpoints(3);
    PickContext context = tried(eps.get(0));

    double[] shares = shares(picker(eps, weights(5, 1, 3)), eps, context, 100_000);

    assertThat(shares[0]).isEqualTo(0.0);
    assertThat(shares[1]).isCloseTo(0.25, within(0.01));
    assertThat(shares[2]).isCloseTo(0.75, within(0.01));
  }

  @Test
  void aRetryWeighsTheUntriedExactlyWhenRedrawsKeepHittingTheTriedHeavyEndpoint() {
    List<Endpoint> eps = endpoints(3);
    PickContext context = tried(eps.get(0));

    double[] shares = shares(picker(eps, weights(100_000, 1, 3)), eps, context, 100_000);

    assertThat(shares[0]).isEqualTo(0.0);
    assertThat(shares[1]).isCloseTo(0.25, within(0.01));
    assertThat(shares[2]).isCloseTo(0.75, within(0.01));
  }

  @Test
  void whenEveryEndpointWasTriedAnEndpointIsStillPicked() {
    List<Endpoint> eps = endpoints(3);
    PickContext context = tried(eps.get(0), eps.get(1), eps.get(2));

    double[] shares = shares(picker(eps, weights(1, 1, 2)), eps, context, 40_000);

    assertThat(shares[2]).isCloseTo(0.5, within(0.02));
  }

  @Test
  void aSingleTriedEndpointIsPickedAgain() {
    List<Endpoint> eps = endpoints(1);

    assertThat(picker(eps, weights(2)).pick(tried(eps.get(0))).endpoint()).isEqualTo(eps.get(0));
  }
}
