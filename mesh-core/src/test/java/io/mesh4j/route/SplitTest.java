package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.any;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.split;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.OutboundConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SplitTest {

  private static RouteAction.Split compile(ActionConfig.Split config, long seed) {
    RouteTable t = RouteTable.outbound(
        new OutboundConfig(List.of(vhost("v", List.of("*"), route("s", any(), config)))),
        Set.of(), new SplittableRandom(seed));
    return (RouteAction.Split) t.routes().get(0).action();
  }

  private static Map<String, Integer> counts(List<String> picks) {
    Map<String, Integer> m = new HashMap<>();
    for (String p : picks) m.merge(p, 1, Integer::sum);
    return m;
  }

  private static List<String> pick(RouteAction.Split s, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(s.pickCluster());
    return out;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 1, 2, 3, 42, 99, 12345})
  void everyWindowOfTheWeightsSumHoldsEachClusterExactlyWeightTimes(long seed) {
    RouteAction.Split s = compile(split("stable", 90, "canary", 10), seed);
    List<String> picks = pick(s, 1000);

    for (int start = 0; start + 100 <= picks.size(); start++) {
      assertThat(counts(picks.subList(start, start + 100)))
          .as("window starting at %d", start)
          .isEqualTo(Map.of("stable", 90, "canary", 10));
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 5, 77})
  void unevenWeightsAreExactOverEveryWindowToo(long seed) {
    RouteAction.Split s = compile(split("a", 7, "b", 3, "c", 5), seed);
    List<String> picks = pick(s, 15 * 40);

    for (int start = 0; start + 15 <= picks.size(); start++) {
      assertThat(counts(picks.subList(start, start + 15)))
          .isEqualTo(Map.of("a", 7, "b", 3, "c", 5));
    }
  }

  @Test
  void picksOfOneClusterAreSpreadOutNotBunched() {
    String[] seq = RouteAction.Split.smoothSequence(split("a", 5, "b", 1, "c", 1).clusters());

    assertThat(seq).containsExactly("a", "a", "b", "a", "c", "a", "a");
  }

  @Test
  void weightsAreReducedByTheirGreatestCommonDivisor() {
    assertThat(compile(split("a", 90, "b", 10), 1).cycleLength()).isEqualTo(10);
    assertThat(compile(split("a", 5000, "b", 5000), 1).cycleLength()).isEqualTo(2);
    assertThat(compile(split("a", 3, "b", 0, "c", 6), 1).cycleLength()).isEqualTo(3);
  }

  @Test
  void anEntryOfWeightZeroIsNeverPicked() {
    RouteAction.Split s = compile(split("off", 0, "b", 3, "c", 2, "off2", 0), 3);

    assertThat(counts(pick(s, 5000))).isEqualTo(Map.of("b", 3000, "c", 2000));
    assertThat(s.clusters()).containsExactly("b", "c");
    assertThat(s.weights()).hasSize(4);
  }

  @Test
  void differentSeedsStartTheCycleAtDifferentOffsets() {
    Set<List<String>> firstPicks = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      firstPicks.add(pick(compile(split("a", 1, "b", 1, "c", 1, "d", 1), seed), 4));
    }

    assertThat(firstPicks).hasSizeGreaterThan(1);
  }

  @Test
  void splitWeightsSummingToZeroAreRejectedAtCompileTime() {
    assertThatThrownBy(() -> compile(split("a", 0, "b", 0), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 0");
  }

  @Test
  void concurrentPickersTogetherStayExactOverFullCycles() throws Exception {
    RouteAction.Split s = compile(split("a", 5, "b", 3, "c", 2), 11);
    int threads = 4;
    int perThread = 10 * 5_000;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Map<String, Integer>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          start.await();
          Map<String, Integer> local = new HashMap<>();
          for (int i = 0; i < perThread; i++) local.merge(s.pickCluster(), 1, Integer::sum);
          return local;
        }));
      }
      start.countDown();
      Map<String, Integer> total = new HashMap<>();
      for (Future<Map<String, Integer>> f : results) {
        f.get(30, TimeUnit.SECONDS).forEach((k, v) -> total.merge(k, v, Integer::sum));
      }

      int cycles = threads * perThread / 10;
      assertThat(total).isEqualTo(Map.of("a", 5 * cycles, "b", 3 * cycles, "c", 2 * cycles));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLocalEntryIsPickedExactlyItsWeightInEveryCycleAndIsNoCluster() {
    RouteAction.Split s = compile(new ActionConfig.Split(List.of(
        new ActionConfig.WeightedCluster(null, 95, true),
        new ActionConfig.WeightedCluster("v2", 5, false))), 7);
    List<String> picks = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      ActionConfig.WeightedCluster e = s.pickEntry();
      picks.add(e.local() ? "local" : e.cluster());
    }

    for (int start = 0; start + 100 <= picks.size(); start++) {
      assertThat(counts(picks.subList(start, start + 100)))
          .as("window starting at %d", start)
          .isEqualTo(Map.of("local", 95, "v2", 5));
    }
    assertThat(s.clusters()).containsExactly("v2");
    assertThat(s.hasLocal()).isTrue();
    assertThat(s.cycleLength()).isEqualTo(20);
  }

  @Test
  void pickEntryAndPickClusterWalkTheSameCycle() {
    RouteAction.Split s = compile(split("a", 2, "b", 1), 3);
    List<String> mixed = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      mixed.add(i % 2 == 0 ? s.pickCluster() : s.pickEntry().cluster());
    }

    for (int start = 0; start + 3 <= mixed.size(); start += 3) {
      assertThat(counts(mixed.subList(start, start + 3))).isEqualTo(Map.of("a", 2, "b", 1));
    }
    assertThat(s.hasLocal()).isFalse();
  }
}
