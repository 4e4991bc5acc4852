package io.mesh4j.benchmarks;

import io.mesh4j.config.Locality;
import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.lb.LocalityPicker;
import io.mesh4j.lb.LocalityShares;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.lb.Picker;
import io.mesh4j.lb.Pickers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pick through {@code locality_lb: zone_aware} against plain weighted round robin over the
 * same endpoints: 99 endpoints in 3 zones (weights 1..10, fixed seed), the own zone {@code a}.
 * {@code direct}: every zone healthy, so the locality picker is just zone a's picker.
 * {@code residual}: a third of zone a gone, so each pick first walks the 3-share sequence, then
 * the zone's picker.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar LocalityPickerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LocalityPickerBenchmark {

  @Param({"plain_wrr", "zone_aware_direct", "zone_aware_residual"})
  public String picker;

  private Picker p;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    Locality[] zones = {Locality.ofZone("a"), Locality.ofZone("b"), Locality.ofZone("c")};
    boolean residual = picker.equals("zone_aware_residual");
    List<List<Endpoint>> byZone = new ArrayList<>();
    List<int[]> weightsByZone = new ArrayList<>();
    List<Endpoint> all = new ArrayList<>();
    List<Integer> allWeights = new ArrayList<>();
    List<LocalityShares.Group> groups = new ArrayList<>();
    for (int z = 0; z < zones.length; z++) {
      int total = 33;
      int usable = residual && z == 0 ? 22 : 33;
      List<Endpoint> eps = new ArrayList<>();
      int[] w = new int[usable];
      for (int i = 0; i < usable; i++) {
        w[i] = 1 + random.nextInt(10);
        Endpoint e = new Endpoint("bench", "10.0." + z + "." + i, 8080, w[i], zones[z], 0, 1);
        eps.add(e);
        all.add(e);
        allWeights.add(w[i]);
      }
      byZone.add(eps);
      weightsByZone.add(w);
      groups.add(new LocalityShares.Group(0, zones[z], total, usable, 1));
    }
    if (picker.equals("plain_wrr")) {
      p = Pickers.weightedRoundRobin(new SplittableRandom(7))
          .build(all, allWeights.stream().mapToInt(Integer::intValue).toArray());
      return;
    }
    LocalityShares shares =
        LocalityShares.compute(LocalityLbConfig.DEFAULT, 50, zones[0], groups, null);
    List<LocalityPicker.Slot> slots = new ArrayList<>();
    for (LocalityShares.Share s : shares.shares()) {
      int z = Arrays.asList(zones).indexOf(s.locality());
      slots.add(new LocalityPicker.Slot(byZone.get(z), weightsByZone.get(z)));
    }
    p = LocalityPicker.build(shares, slots, Pickers.weightedRoundRobin(new SplittableRandom(7)), 7);
  }

  @Benchmark
  @Threads(1)
  public PickResult oneThread() {
    return p.pick(PickContext.EMPTY);
  }

  @Benchmark
  @Threads(2)
  public PickResult twoThreads() {
    return p.pick(PickContext.EMPTY);
  }
}
