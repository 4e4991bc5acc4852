package io.mesh4j.lb;

import io.mesh4j.internal.EndpointInternals;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.Locality;
import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.lb.LocalityShares.Group;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LocalityPicker}: exact counts over whole cycles, retries, and the single-share case. */
class LocalityPickerTest {
  private static final Locality A = Locality.ofZone("a");
  private static final Locality B = Locality.ofZone("b");
  private static final Locality C = Locality.ofZone("c");

  /** Zone a lost half its endpoints: 60% stays in a, 20% each to b and c. */
  private static LocalityShares halfOfA() {
    return LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, A, List.of(
        new Group(0, A, 4, 2, 1), new Group(0, B, 4, 4, 1), new Group(0, C, 4, 4, 1)), null);
  }

  private static List<Endpoint> zone(Locality zone, int n, int base) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(new Endpoint("c", "10.0.0." + (base + i), 80, 1, zone, 0, 1));
    }
    return list;
  }

  private static Picker picker(LocalityShares shares, Map<Locality, List<Endpoint>> byZone,
      long seed) {
    return picker(shares, byZone, seed, Pickers.weightedRoundRobin());
  }

  private static Picker picker(LocalityShares shares, Map<Locality, List<Endpoint>> byZone,
      long seed, PickerFactory factory) {
    List<LocalityPicker.Slot> slots = new ArrayList<>();
    for (LocalityShares.Share s : shares.shares()) {
      List<Endpoint> eps = byZone.get(s.locality());
      int[] w = new int[eps.size()];
      Arrays.fill(w, 1);
      slots.add(new LocalityPicker.Slot(eps, w));
    }
    return LocalityPicker.build(shares, slots, factory, seed);
  }

  @Test
  void leastRequestComparesOnlyInsideTheChosenLocality() {
    Map<Locality, List<Endpoint>> byZone = Map.of(
        A, zone(A, 2, 1), B, zone(B, 4, 10), C, zone(C, 4, 20));
    // b's endpoints idle, a's busy: least request must still keep a's 60% inside a
    for (Endpoint e : byZone.get(A)) for (int i = 0; i < 50; i++) EndpointInternals.requestStarted(e);
    Picker picker = picker(halfOfA(), byZone, 3, Pickers.leastRequest());
    int inA = 0;
    for (int i = 0; i < 100; i++) {
      if (picker.pick(PickContext.EMPTY).endpoint().locality().equals(A)) inA++;
    }
    assertThat(inA).isEqualTo(60);
  }

  @Test
  void ringHashKeepsAKeyOnOneEndpointWhileRoutingIsDirect() {
    LocalityShares direct = LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, A, List.of(
        new Group(0, A, 4, 4, 1), new Group(0, B, 4, 4, 1)), null);
    Picker picker = picker(direct, Map.of(A, zone(A, 4, 1)), 0, Pickers.ringHash(
        new io.mesh4j.config.HashOnConfig(io.mesh4j.config.HashOnConfig.Kind.HEADER, "x-user")));
    PickContext user = TestEndpoints.forRequest(
        TestEndpoints.request(Map.of("x-user", "alice"), "10.9.9.9"));
    Endpoint first = picker.pick(user).endpoint();
    for (int i = 0; i < 50; i++) assertThat(picker.pick(user).endpoint()).isSameAs(first);
  }

  @Test
  void everyWholeCycleHitsEachEndpointExactlyItsShare() {
    Map<Locality, List<Endpoint>> byZone = Map.of(
        A, zone(A, 2, 1), B, zone(B, 4, 10), C, zone(C, 4, 20));
    for (long seed : new long[] {0, 1, 7, -3, Long.MAX_VALUE}) {
      Picker picker = picker(halfOfA(), byZone, seed);
      Map<Endpoint, Integer> counts = new HashMap<>();
      // shares 3:1:1 (cycle 5); a round-robins over 2, b and c over 4: 20 picks hold whole cycles
      for (int i = 0; i < 100; i++) counts.merge(picker.pick(PickContext.EMPTY).endpoint(), 1, Integer::sum);

      for (Endpoint e : byZone.get(A)) assertThat(counts.get(e)).as("seed %d %s", seed, e).isEqualTo(30);
      for (Endpoint e : byZone.get(B)) assertThat(counts.get(e)).as("seed %d %s", seed, e).isEqualTo(5);
      for (Endpoint e : byZone.get(C)) assertThat(counts.get(e)).as("seed %d %s", seed, e).isEqualTo(5);
    }
  }

  @Test
  void aRetryLeavesTheLocalityWhoseEndpointsWereAllTried() {
    Map<Locality, List<Endpoint>> byZone = Map.of(
        A, zone(A, 1, 1), B, zone(B, 4, 10), C, zone(C, 4, 20));
    LocalityShares shares = LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, A, List.of(
        new Group(0, A, 2, 1, 1), new Group(0, B, 4, 4, 1), new Group(0, C, 4, 4, 1)), null);
    Picker picker = picker(shares, byZone, 0);
    Endpoint onlyA = byZone.get(A).get(0);
    PickContext triedA = new PickContext() {
      @Override
      public io.mesh4j.route.RequestView request() {
        return null;
      }

      @Override
      public boolean alreadyTried(Endpoint endpoint) {
        return endpoint == onlyA;
      }
    };

    for (int i = 0; i < 50; i++) {
      assertThat(picker.pick(triedA).endpoint()).isNotSameAs(onlyA);
    }
  }

  @Test
  void oneShareIsJustThatSharesPicker() {
    LocalityShares direct = LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, A, List.of(
        new Group(0, A, 3, 3, 1), new Group(0, B, 3, 3, 1)), null);
    Picker picker = picker(direct, Map.of(A, zone(A, 3, 1)), 0);

    assertThat(picker).isInstanceOf(WeightedRoundRobinPicker.class);
  }

  @Test
  void noShareMeansNoEndpoint() {
    LocalityShares none = LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, A, List.of(), null);

    assertThat(LocalityPicker.build(none, List.of(), Pickers.weightedRoundRobin(), 0)
        .pick(PickContext.EMPTY)).isSameAs(PickResult.NONE);
  }
}
