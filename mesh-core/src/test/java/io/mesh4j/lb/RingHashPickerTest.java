package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.forRequest;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static io.mesh4j.lb.TestEndpoints.request;
import static io.mesh4j.lb.TestEndpoints.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.HashOnConfig.Kind;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.route.RequestView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RingHashPickerTest {
  private static final HashOnConfig USER = new HashOnConfig(Kind.HEADER, "x-user-id");

  private static RingHashPicker ring(List<Endpoint> eps, int[] weights, HashOnConfig hashOn) {
    return new RingHashPicker(eps, weights, hashOn, 128, 1 << 20, new SplittableRandom(1));
  }

  private static PickContext user(String id) {
    return forRequest(request(Map.of("x-user-id", id), "10.1.1.1"));
  }

  private static Endpoint pickFor(Picker picker, String userId) {
    return picker.pick(user(userId)).endpoint();
  }

  @Test
  void theSameKeyAlwaysGoesToTheSameEndpoint() {
    List<Endpoint> eps = endpoints(10);
    Picker picker = ring(eps, repeat(10, 1), USER);

    for (int k = 0; k < 1_000; k++) {
      assertThat(pickFor(picker, "user-" + k)).isEqualTo(pickFor(picker, "user-" + k));
    }
  }

  @Test
  void theRingDoesNotDependOnTheOrderEndpointsAreListedIn() {
    List<Endpoint> eps = endpoints(10);
    List<Endpoint> shuffled = new ArrayList<>(eps);
    Collections.shuffle(shuffled, new java.util.Random(4));
    Picker a = ring(eps, repeat(10, 1), USER);
    Picker b = ring(shuffled, repeat(10, 1), USER);

    for (int k = 0; k < 5_000; k++) assertThat(pickFor(a, "u" + k)).isEqualTo(pickFor(b, "u" + k));
  }

  @Test
  void whenOneOfTenEndpointsLeavesOnlyItsOwnKeysMoveAboutATenthOfThem() {
    List<Endpoint> eps = endpoints(10);
    Picker before = ring(eps, repeat(10, 1), USER);
    Endpoint leaving = eps.get(3);
    List<Endpoint> rest = new ArrayList<>(eps);
    rest.remove(leaving);
    Picker after = ring(rest, repeat(9, 1), USER);

    int moved = 0;
    for (int k = 0; k < 10_000; k++) {
      Endpoint was = pickFor(before, "user-" + k);
      Endpoint now = pickFor(after, "user-" + k);
      if (!was.equals(now)) {
        moved++;
        assertThat(was).as("key user-%d moved although its endpoint stayed", k).isEqualTo(leaving);
      }
    }

    assertThat(moved / 10_000.0).isGreaterThan(0.0).isLessThanOrEqualTo(0.1 + 0.04);
  }

  @Test
  void whenAnEndpointJoinsKeysMoveOnlyToIt() {
    List<Endpoint> eps = endpoints(11);
    Picker before = ring(eps.subList(0, 10), repeat(10, 1), USER);
    Picker after = ring(eps, repeat(11, 1), USER);

    int moved = 0;
    for (int k = 0; k < 10_000; k++) {
      Endpoint now = pickFor(after, "user-" + k);
      if (!now.equals(pickFor(before, "user-" + k))) {
        moved++;
        assertThat(now).isEqualTo(eps.get(10));
      }
    }
    assertThat(moved / 10_000.0).isGreaterThan(0.0).isLessThanOrEqualTo(1 / 11.0 + 0.04);
  }

  @ParameterizedTest(name = "{0} points per weight")
  @CsvSource({"128", "40000"}) // 768 points (branch-free search); 240,000 (binary search)
  void aKeyGoesToTheFirstPointAtOrAfterItsHashWrappingAround(int pointsPerWeight) {
    RingHashPicker picker = new RingHashPicker(
        endpoints(3), weights(1, 2, 3), USER, pointsPerWeight, 1 << 20, null);
    long[] points = picker.points();
    assertThat(points).isSorted();
    SplittableRandom random = new SplittableRandom(8);
    List<Long> probes = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L));
    for (long p : points) {
      probes.add(p);
      probes.add(p + 1);
      probes.add(p - 1);
    }
    for (int i = 0; i < 10_000; i++) probes.add(random.nextLong());

    Collections.sort(probes);
    int[] expected = new int[probes.size()];
    int[] actual = new int[probes.size()];
    int next = 0; // a linear sweep over the sorted probes is the reference
    for (int i = 0; i < probes.size(); i++) {
      long hash = probes.get(i);
      while (next < points.length && points[next] < hash) next++;
      expected[i] = next == points.length ? 0 : next;
      actual[i] = picker.position(hash);
    }
    assertThat(actual).isEqualTo(expected);
    assertThat(points.length > RingHashPicker.BRANCH_FREE_LIMIT).isEqualTo(pointsPerWeight > 128);
  }

  @Test
  void eachEndpointGetsItsWeightTimesThePointsPerWeight() {
    RingHashPicker picker = ring(endpoints(3), weights(5, 1, 1), USER);
    int[] perOwner = new int[3];
    for (int owner : picker.owners()) perOwner[owner]++;

    assertThat(perOwner).containsExactly(640, 128, 128);
    assertThat(picker.size()).isEqualTo(896);
  }

  @ParameterizedTest(name = "weights {0},{1}; {2} per weight, at most {3} -> {4},{5} points")
  @CsvSource({
    "3, 1, 8, 100, 24, 8",
    "30, 10, 8, 1000, 240, 80", // not reduced by the GCD: counts never depend on other endpoints
    "3, 1, 8, 16, 12, 4", // 32 > 16: scaled to the maximum
    "1000, 1, 4, 100, 99, 1", // scaled, floored, but never below one point
  })
  void pointCountsFollowTheWeightsAndTheMaximum(int w0, int w1, int per, int max, int c0, int c1) {
    assertThat(RingHashPicker.pointCounts(weights(w0, w1), per, max)).containsExactly(c0, c1);
  }

  @Test
  void keysSpreadInProportionToWeight() {
    int[] weights = weights(1, 2, 3, 4);
    List<Endpoint> eps = endpoints(4);
    Picker picker = new RingHashPicker(eps, weights, USER, 1024, 1 << 20, null);

    int[] counts = new int[4];
    for (int k = 0; k < 100_000; k++) counts[eps.indexOf(pickFor(picker, "key-" + k))]++;

    for (int i = 0; i < 4; i++) {
      double expected = weights[i] / 10.0;
      assertThat(counts[i] / 100_000.0)
          .as("endpoint %d", i)
          .isCloseTo(expected, within(expected * 0.08));
    }
  }

  @Test
  void withTheDefaultPointsTenEqualEndpointsEachOwnRoughlyATenth() {
    List<Endpoint> eps = endpoints(10);
    Picker picker = ring(eps, repeat(10, 1), USER);

    int[] counts = new int[10];
    for (int k = 0; k < 100_000; k++) counts[eps.indexOf(pickFor(picker, "key-" + k))]++;

    for (int c : counts) assertThat(c / 100_000.0).isCloseTo(0.1, within(0.03));
  }

  @Test
  void aCookieValueHashesLikeTheSameHeaderValue() {
    List<Endpoint> eps = endpoints(10);
    Picker byHeader = ring(eps, repeat(10, 1), USER);
    Picker byCookie = ring(eps, repeat(10, 1), new HashOnConfig(Kind.COOKIE, "sid"));

    for (int k = 0; k < 1_000; k++) {
      RequestView withCookie =
          request(Map.of("cookie", "theme=dark; sid=s" + k + "; lang=en"), null);
      assertThat(byCookie.pick(forRequest(withCookie)).endpoint())
          .isEqualTo(pickFor(byHeader, "s" + k));
    }
  }

  @Test
  void theSourceAddressIsHashedWhenConfigured() {
    List<Endpoint> eps = endpoints(10);
    Picker bySource = ring(eps, repeat(10, 1), new HashOnConfig(Kind.SOURCE_IP, null));
    Picker byHeader = ring(eps, repeat(10, 1), USER);

    for (int k = 0; k < 200; k++) {
      String ip = "192.168.0." + k;
      assertThat(bySource.pick(forRequest(request(Map.of(), ip))).endpoint())
          .isEqualTo(pickFor(byHeader, ip));
    }
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(delimiter = '|', value = {
    "sid=xyz|xyz",
    "a=1; sid=xyz; b=2|xyz",
    "a=1;sid=xyz|xyz",
    "xsid=1; sid=2|2",
    "sidx=1; sid=3|3",
    " sid = v ;|v",
    "sid=|''",
    "a=1; b=2|<absent>",
    "sidx=1|<absent>",
    "sid|<absent>",
    "SID=1|<absent>",
    "a=sid=1|<absent>",
  })
  void cookieValuesAreFoundWithoutCopyingTheHeader(String header, String expected) {
    long packed = RingHashPicker.cookieValue(header, "sid");

    String value = packed < 0 ? "<absent>" : header.substring((int) (packed >>> 32), (int) packed);
    assertThat(value).isEqualTo(expected.equals("''") ? "" : expected);
  }

  @Test
  void requestsWithoutTheKeyAreSpreadAtRandom() {
    List<Endpoint> eps = endpoints(4);
    Picker picker = ring(eps, repeat(4, 1), USER);
    PickContext keyless = forRequest(request(Map.of("other", "x"), "10.0.0.9"));

    int[] counts = new int[4];
    for (int k = 0; k < 40_000; k++) counts[indexOf(eps, picker.pick(keyless))]++;

    for (int c : counts) assertThat(c / 40_000.0).isCloseTo(0.25, within(0.06));
  }

  @Test
  void withoutHashOnOrWithoutARequestEveryPickIsRandom() {
    List<Endpoint> eps = endpoints(4);
    Picker noHashOn = ring(eps, repeat(4, 1), null);
    Picker keyed = ring(eps, repeat(4, 1), USER);
    Set<Endpoint> seenNoHashOn = new HashSet<>();
    Set<Endpoint> seenNoRequest = new HashSet<>();

    for (int k = 0; k < 200; k++) {
      seenNoHashOn.add(noHashOn.pick(user("same-user")).endpoint());
      seenNoRequest.add(keyed.pick(PickContext.EMPTY).endpoint());
    }

    assertThat(seenNoHashOn).containsExactlyInAnyOrderElementsOf(eps);
    assertThat(seenNoRequest).containsExactlyInAnyOrderElementsOf(eps);
  }

  @Test
  void aRetryMovesToTheNextDistinctOwnerClockwise() {
    List<Endpoint> eps = endpoints(5);
    RingHashPicker picker = ring(eps, repeat(5, 1), USER);
    int[] owners = picker.owners();

    for (int k = 0; k < 500; k++) {
      int position = picker.position(Hashing.hash("user-" + k));
      int owner = owners[position];
      int next = owner;
      for (int p = position; next == owner; p = (p + 1) % owners.length) next = owners[p];
      String key = "user-" + k;
      PickContext context =
          forRequest(request(Map.of("x-user-id", key), null), e -> e == eps.get(owner));

      assertThat(picker.pick(context).endpoint()).as("key %s", key).isEqualTo(eps.get(next));
    }
  }

  @Test
  void aRetryFindsTheOnlyUntriedEndpoint() {
    List<Endpoint> eps = endpoints(6);
    Picker picker = ring(eps, weights(50, 50, 50, 50, 50, 1), USER);
    Set<Endpoint> tried = new HashSet<>(eps.subList(0, 5));
    for (int k = 0; k < 300; k++) {
      String key = "user-" + k;
      PickContext context = forRequest(request(Map.of("x-user-id", key), null), tried::contains);
      assertThat(picker.pick(context).endpoint()).isEqualTo(eps.get(5));
    }
  }

  @Test
  void whenEveryEndpointWasTriedTheOwnerIsReused() {
    List<Endpoint> eps = endpoints(3);
    Picker picker = ring(eps, repeat(3, 1), USER);
    Endpoint owner = pickFor(picker, "alice");
    PickContext allTried = forRequest(request(Map.of("x-user-id", "alice"), null), e -> true);

    assertThat(picker.pick(allTried).endpoint()).isEqualTo(owner);
  }

  @Test
  void ringBoundsAreValidated() {
    assertThatThrownBy(() -> Pickers.ringHash(USER, 0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("points_per_weight: 0 (expected: >= 1)");
    assertThatThrownBy(() -> Pickers.ringHash(USER, 100, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_ring_size: 0 (expected: >= 1)");
  }
}
