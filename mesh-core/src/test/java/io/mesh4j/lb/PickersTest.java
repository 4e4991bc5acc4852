package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.endpoint.Endpoint;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PickersTest {

  private static ClusterConfig cluster(LbPolicy lb, HashOnConfig hashOn) {
    return new ClusterConfig(
        "inventory", lb, List.of(), null, null, null, null, null, 50, null, hashOn, null, null,
        null, null);
  }

  @ParameterizedTest
  @CsvSource({
    "WEIGHTED_ROUND_ROBIN, WeightedRoundRobinPicker",
    "LEAST_REQUEST, LeastRequestPicker",
    "RING_HASH, RingHashPicker",
    "RANDOM, RandomPicker",
  })
  void theClusterPolicyChoosesThePicker(LbPolicy lb, String pickerClass) {
    PickerFactory factory =
        Pickers.factory(cluster(lb, new HashOnConfig(HashOnConfig.Kind.HEADER, "x-user-id")));

    Picker picker = factory.build(endpoints(3), weights(1, 2, 3));

    assertThat(picker.getClass().getSimpleName()).isEqualTo(pickerClass);
  }

  @Test
  void aClusterWithoutAPolicyGetsWeightedRoundRobin() {
    Picker picker = Pickers.factory(cluster(null, null)).build(endpoints(2), weights(1, 1));

    assertThat(picker).isInstanceOf(WeightedRoundRobinPicker.class);
  }

  @ParameterizedTest
  @EnumSource(LbPolicy.class)
  void anEmptyEndpointListAlwaysPicksNone(LbPolicy lb) {
    Picker picker = Pickers.factory(cluster(lb, null)).build(List.of(), new int[0]);

    assertThat(picker.pick(PickContext.EMPTY)).isSameAs(PickResult.NONE);
  }

  @ParameterizedTest
  @EnumSource(LbPolicy.class)
  void invalidBuildArgumentsAreRejected(LbPolicy lb) {
    PickerFactory factory = Pickers.factory(cluster(lb, null));

    assertThatThrownBy(() -> factory.build(endpoints(2), weights(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights: 1 values (expected: one per endpoint, 2)");
    assertThatThrownBy(() -> factory.build(List.of(), weights(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> factory.build(endpoints(2), weights(1, -3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weights[1]: -3 (expected: >= 1)");
    assertThatThrownBy(() -> factory.build(null, weights(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("endpoints");
    assertThatThrownBy(() -> factory.build(List.of(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("weights");
  }

  @Test
  void aSeededFactoryReproducesStartingPositions() {
    List<Endpoint> eps = endpoints(5);
    int[] weights = weights(1, 2, 3, 4, 5);
    PickerFactory a = Pickers.factory(cluster(null, null), new SplittableRandom(5));
    PickerFactory b = Pickers.factory(cluster(null, null), new SplittableRandom(5));

    for (int build = 0; build < 20; build++) {
      Picker x = a.build(eps, weights);
      Picker y = b.build(eps, weights);
      for (int i = 0; i < 15; i++) {
        assertThat(x.pick(PickContext.EMPTY).endpoint())
            .isSameAs(y.pick(PickContext.EMPTY).endpoint());
      }
    }
  }

  @Test
  void theDefaultFactoryStartsPickersAtRandomPositions() {
    List<Endpoint> eps = endpoints(10);
    int[] weights = new int[10];
    java.util.Arrays.fill(weights, 1);
    PickerFactory factory = Pickers.weightedRoundRobin();
    Set<Integer> firsts = new HashSet<>();

    for (int build = 0; build < 200; build++) {
      firsts.add(indexOf(eps, factory.build(eps, weights).pick(PickContext.EMPTY)));
    }

    assertThat(firsts).hasSize(10);
  }
}
