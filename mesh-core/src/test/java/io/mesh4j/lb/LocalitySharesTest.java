package io.mesh4j.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.Locality;
import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.config.LocalityLbConfig.Mode;
import io.mesh4j.lb.LocalityShares.Group;
import io.mesh4j.lb.LocalityShares.Share;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LocalityShares} against the cases Envoy documents (priority levels, panic threshold,
 * zone-aware routing, locality-weighted load balancing), exact to the millionth.
 */
class LocalitySharesTest {
  private static final Locality A = Locality.ofZone("a");
  private static final Locality B = Locality.ofZone("b");
  private static final Locality C = Locality.ofZone("c");
  private static final LocalityLbConfig ZONE_AWARE = LocalityLbConfig.DEFAULT;
  private static final LocalityLbConfig FAILOVER = new LocalityLbConfig(Mode.FAILOVER, 6, 1.4);
  private static final LocalityLbConfig WEIGHTED = new LocalityLbConfig(Mode.WEIGHTED, 6, 1.4);

  /** Envoy's priority-level tables: healthy percent of each level (100 endpoints each) → load. */
  static Stream<Arguments> priorityLoads() {
    return Stream.of(
        // two levels, P=1 fully healthy (docs: "Priority levels")
        Arguments.of(new int[] {100, 100}, new int[] {100, 0}),
        Arguments.of(new int[] {72, 100}, new int[] {100, 0}),
        Arguments.of(new int[] {71, 100}, new int[] {99, 1}),
        Arguments.of(new int[] {50, 100}, new int[] {70, 30}),
        Arguments.of(new int[] {25, 100}, new int[] {35, 65}),
        Arguments.of(new int[] {0, 100}, new int[] {0, 100}),
        // three levels, P=2 fully healthy
        Arguments.of(new int[] {100, 100, 100}, new int[] {100, 0, 0}),
        Arguments.of(new int[] {72, 72, 100}, new int[] {100, 0, 0}),
        Arguments.of(new int[] {71, 71, 100}, new int[] {99, 1, 0}),
        Arguments.of(new int[] {50, 50, 100}, new int[] {70, 30, 0}),
        Arguments.of(new int[] {25, 100, 100}, new int[] {35, 65, 0}),
        Arguments.of(new int[] {25, 25, 100}, new int[] {35, 35, 30}),
        Arguments.of(new int[] {0, 0, 100}, new int[] {0, 0, 100}),
        // total health below 100 is normalized
        Arguments.of(new int[] {20, 20}, new int[] {50, 50}),
        Arguments.of(new int[] {60, 10}, new int[] {86, 14}));
  }

  @ParameterizedTest
  @MethodSource("priorityLoads")
  void priorityLoadIsEnvoys(int[] healthyPercent, int[] expectedLoad) {
    List<Group> groups = new ArrayList<>();
    for (int p = 0; p < healthyPercent.length; p++) {
      groups.add(new Group(p, A, 100, healthyPercent[p], 1));
    }
    // panic off so that the load is the plain priority load
    LocalityShares s = LocalityShares.compute(FAILOVER, 0, Locality.UNKNOWN, groups, null);

    assertThat(s.levels().stream().mapToInt(LocalityShares.Level::load).toArray())
        .containsExactly(expectedLoad);
    int[] perMillion = new int[healthyPercent.length];
    for (Share share : s.shares()) perMillion[share.level()] += share.perMillion();
    for (int p = 0; p < perMillion.length; p++) {
      assertThat(perMillion[p]).isEqualTo(expectedLoad[p] * 10_000);
    }
  }

  @Test
  void aLevelBelowThePanicThresholdUsesAllItsEndpointsButKeepsItsLoad() {
    LocalityShares s = LocalityShares.compute(FAILOVER, 50, Locality.UNKNOWN,
        List.of(new Group(0, A, 100, 25, 1), new Group(1, A, 100, 100, 1)), null);

    assertThat(s.totalPanic()).isFalse();
    assertThat(s.shares()).containsExactly(
        new Share(0, null, 350_000, true), new Share(1, null, 650_000, false));
  }

  @Test
  void whenEveryLevelPanicsTheLoadFollowsEndpointCounts() {
    LocalityShares s = LocalityShares.compute(FAILOVER, 50, Locality.UNKNOWN,
        List.of(new Group(0, A, 100, 10, 1), new Group(1, A, 300, 40, 1)), null);

    assertThat(s.totalPanic()).isTrue();
    assertThat(s.shares()).containsExactly(
        new Share(0, null, 250_000, true), new Share(1, null, 750_000, true));
  }

  @Test
  void withPanicDisabledAnAllUnhealthyClusterSendsEverythingToLevelZeroWithoutPanic() {
    LocalityShares s = LocalityShares.compute(FAILOVER, 0, Locality.UNKNOWN,
        List.of(new Group(0, A, 4, 0, 1), new Group(1, A, 4, 0, 1)), null);

    assertThat(s.shares()).containsExactly(new Share(0, null, 1_000_000, false));
  }

  /** Zone-aware cases: groups of priority 0, callers (null: like the endpoints), expected. */
  static Stream<Arguments> zoneAware() {
    return Stream.of(
        Arguments.of("equal zones stay local", A,
            List.of(new Group(0, A, 4, 4, 1), new Group(0, B, 4, 4, 1), new Group(0, C, 4, 4, 1)),
            null, "direct", Map.of(A, 1_000_000)),
        Arguments.of("4:1 callers against 1:4 servers, from the crowded zone", A,
            List.of(new Group(0, A, 2, 2, 1), new Group(0, B, 8, 8, 1)),
            Map.of(A, 4, B, 1), "residual: 25.0% stays in /a", Map.of(A, 250_000, B, 750_000)),
        Arguments.of("4:1 callers against 1:4 servers, from the sparse zone", B,
            List.of(new Group(0, A, 2, 2, 1), new Group(0, B, 8, 8, 1)),
            Map.of(A, 4, B, 1), "direct", Map.of(B, 1_000_000)),
        Arguments.of("the local zone loses half its endpoints", A,
            List.of(new Group(0, A, 4, 2, 1), new Group(0, B, 4, 4, 1), new Group(0, C, 4, 4, 1)),
            null, "residual: 60.0% stays in /a", Map.of(A, 600_000, B, 200_000, C, 200_000)),
        Arguments.of("residual goes by spare capacity only", A,
            List.of(new Group(0, A, 4, 2, 1), new Group(0, B, 4, 4, 1), new Group(0, C, 2, 2, 1)),
            Map.of(A, 1, B, 1, C, 1), "residual: 75.0% stays in /a",
            // up: a 2500, b 5000, c 2500; local 3333 each: a keeps 2500/3333, residual b 1667, c 0
            Map.of(A, 750_000, B, 250_000)),
        Arguments.of("too small a cluster spreads over all localities", A,
            List.of(new Group(0, A, 2, 2, 1), new Group(0, B, 2, 2, 1), new Group(0, C, 1, 1, 1)),
            null, "off: 5 endpoints < min_cluster_size 6", Map.of()),
        Arguments.of("no healthy endpoint in the own zone", A,
            List.of(new Group(0, A, 3, 0, 1), new Group(0, B, 6, 6, 1)),
            null, "off: no healthy endpoint in /a", Map.of()),
        Arguments.of("own locality unknown", Locality.UNKNOWN,
            List.of(new Group(0, A, 6, 6, 1), new Group(0, B, 6, 6, 1)),
            null, "off: own locality unknown", Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("zoneAware")
  void zoneAwareRoutingIsEnvoys(String name, Locality self, List<Group> groups,
      Map<Locality, Integer> callers, String state, Map<Locality, Integer> expected) {
    LocalityShares s = LocalityShares.compute(ZONE_AWARE, 50, self, groups, callers);

    assertThat(s.zoneRouting()).isEqualTo(state);
    if (expected.isEmpty()) {
      assertThat(s.shares()).containsExactly(new Share(0, null, 1_000_000, false));
    } else {
      Map<Locality, Integer> actual = new LinkedHashMap<>();
      for (Share share : s.shares()) actual.put(share.locality(), share.perMillion());
      assertThat(actual).isEqualTo(expected);
    }
  }

  @Test
  void aWholePriorityFailsOverAndBack() {
    List<Group> down = List.of(new Group(0, A, 3, 0, 1), new Group(0, B, 3, 0, 1),
        new Group(1, C, 3, 3, 1));
    List<Group> back = List.of(new Group(0, A, 3, 3, 1), new Group(0, B, 3, 3, 1),
        new Group(1, C, 3, 3, 1));

    LocalityShares failedOver = LocalityShares.compute(ZONE_AWARE, 50, A, down, null);
    LocalityShares recovered = LocalityShares.compute(ZONE_AWARE, 50, A, back, null);

    assertThat(failedOver.shares()).containsExactly(new Share(1, null, 1_000_000, false));
    assertThat(failedOver.levels().get(0).panic()).isTrue();
    assertThat(recovered.shares()).containsExactly(new Share(0, A, 1_000_000, false));
    assertThat(recovered.zoneRouting()).isEqualTo("direct");
  }

  @Test
  void weightedModeSharesByLocalityWeightTimesAvailability() {
    LocalityShares healthy = LocalityShares.compute(WEIGHTED, 50, Locality.UNKNOWN,
        List.of(new Group(0, A, 10, 10, 1), new Group(0, B, 10, 10, 2)), null);
    LocalityShares halfOfB = LocalityShares.compute(WEIGHTED, 50, Locality.UNKNOWN,
        List.of(new Group(0, A, 10, 10, 1), new Group(0, B, 10, 5, 2)), null);

    assertThat(healthy.shares()).containsExactly(
        new Share(0, A, 333_333, false), new Share(0, B, 666_667, false));
    // b: 2 × min(100, 140 × 5 / 10) = 140 against a's 100
    assertThat(halfOfB.shares()).containsExactly(
        new Share(0, A, 416_667, false), new Share(0, B, 583_333, false));
  }

  @Test
  void failoverModeRanksLocalitiesByDistanceFromTheOwnOne() {
    Locality self = new Locality("eu", "a", null);
    Locality sameZone = new Locality("eu", "a", null);
    Locality sameRegion = new Locality("eu", "b", null);
    Locality elsewhere = new Locality("us", "c", null);

    LocalityShares allUp = LocalityShares.compute(FAILOVER, 50, self, List.of(
        new Group(0, sameZone, 2, 2, 1), new Group(0, sameRegion, 2, 2, 1),
        new Group(0, elsewhere, 2, 2, 1)), null);
    LocalityShares halfDown = LocalityShares.compute(FAILOVER, 50, self, List.of(
        new Group(0, sameZone, 2, 1, 1), new Group(0, sameRegion, 2, 2, 1),
        new Group(0, elsewhere, 2, 2, 1)), null);
    LocalityShares zoneDown = LocalityShares.compute(FAILOVER, 50, self, List.of(
        new Group(0, sameZone, 2, 0, 1), new Group(0, sameRegion, 2, 0, 1),
        new Group(0, elsewhere, 2, 2, 1)), null);

    assertThat(allUp.levels()).extracting(LocalityShares.Level::distance).containsExactly(0, 2, 3);
    assertThat(allUp.shares()).containsExactly(new Share(0, null, 1_000_000, false));
    assertThat(halfDown.shares()).containsExactly(
        new Share(0, null, 700_000, false), new Share(1, null, 300_000, false));
    assertThat(zoneDown.shares()).containsExactly(new Share(2, null, 1_000_000, false));
    assertThat(zoneDown.levelOf(0, elsewhere, self)).isEqualTo(2);
  }

  @Test
  void sharesAlwaysSumToAMillion() {
    java.util.Random random = new java.util.Random(22);
    for (int run = 0; run < 2_000; run++) {
      List<Group> groups = new ArrayList<>();
      Locality[] zones = {A, B, C, Locality.ofZone("d")};
      for (int p = 0; p < 1 + random.nextInt(3); p++) {
        for (Locality z : zones) {
          if (random.nextInt(4) == 0) continue;
          int total = 1 + random.nextInt(9);
          groups.add(new Group(p, z, total, random.nextInt(total + 1), 1 + random.nextInt(5)));
        }
      }
      if (groups.isEmpty()) continue;
      for (LocalityLbConfig config : List.of(ZONE_AWARE, FAILOVER, WEIGHTED)) {
        int panicThreshold = random.nextInt(2) * 50;
        LocalityShares s = LocalityShares.compute(config, panicThreshold, A, groups,
            random.nextBoolean() ? null : Map.of(A, 1 + random.nextInt(5), B, random.nextInt(5)));
        if (s.shares().isEmpty()) {
          // only an all-unhealthy cluster without panic mode has nothing to pick
          assertThat(panicThreshold).isZero();
          assertThat(groups).allSatisfy(g -> assertThat(g.healthy()).isZero());
          continue;
        }
        assertThat(s.shares().stream().mapToInt(Share::perMillion).sum())
            .as("%s %s", config.mode(), groups).isEqualTo(LocalityShares.MILLION);
        assertThat(s.shares()).allSatisfy(share -> assertThat(share.perMillion()).isPositive());
      }
    }
  }

  @Test
  void aGroupListedTwiceIsRejectedNamingIt() {
    assertThatThrownBy(() -> LocalityShares.compute(ZONE_AWARE, 50, A,
            List.of(new Group(0, A, 1, 1, 1), new Group(0, A, 2, 2, 1)), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("groups: priority 0, locality /a twice (expected: each pair once)");
  }
}
