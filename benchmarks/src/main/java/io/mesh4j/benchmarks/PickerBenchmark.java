package io.mesh4j.benchmarks;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.lb.PickContext;
import io.mesh4j.lb.PickResult;
import io.mesh4j.lb.Picker;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.lb.Pickers;
import io.mesh4j.route.RequestView;
import java.util.ArrayList;
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
 * Pick latency of each load-balancing picker at 3, 100 and 1,000 endpoints (weights drawn from
 * 1..10 with a fixed seed), on one and two threads sharing one picker, against a baseline: nginx's
 * smooth weighted round robin run per pick under a {@code synchronized} lock.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PickerBenchmark -prof gc
 * </pre>
 *
 * Each thread walks its own ring of 1,024 preallocated requests (distinct {@code x-user-id}
 * values, which ring hash hashes; the other pickers ignore them), so nothing is allocated outside
 * the picker and every policy pays the same harness cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickerBenchmark {

  @Param({"3", "100", "1000"})
  public int endpoints;

  @Param({"weighted_round_robin", "least_request", "ring_hash", "random", "peak_ewma", "synchronized_nginx"})
  public String policy;

  private Picker picker;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    List<Endpoint> list = new ArrayList<>(endpoints);
    int[] weights = new int[endpoints];
    for (int i = 0; i < endpoints; i++) {
      weights[i] = 1 + random.nextInt(10);
      String host = "10.0." + (i / 250) + "." + (i % 250);
      Endpoint e = new Endpoint("bench", host, 8080, weights[i], null);
      for (int k = random.nextInt(4); k > 0; k--) EndpointInternals.requestStarted(e);
      list.add(e);
    }
    PickerFactory factory = switch (policy) {
      case "weighted_round_robin" -> Pickers.weightedRoundRobin(new SplittableRandom(7));
      case "least_request" -> Pickers.leastRequest();
      case "ring_hash" -> Pickers.ringHash(new HashOnConfig(HashOnConfig.Kind.HEADER, "x-user-id"));
      case "random" -> Pickers.random();
      case "peak_ewma" -> Pickers.peakEwma(java.time.Duration.ofSeconds(10), System::nanoTime);
      case "synchronized_nginx" -> SynchronizedNginxPicker::new;
      default -> throw new IllegalArgumentException("policy: " + policy);
    };
    picker = factory.build(list, weights);
    if (policy.equals("peak_ewma")) {
      // Every endpoint has an estimate, so picks take the exp() path rather than "no sample".
      for (int i = 0; i < endpoints; i++) {
        EndpointInternals.latency(list.get(i)).record(1_000_000L + random.nextInt(1_000_000), System.nanoTime());
      }
    }
  }

  /** Per-thread requests, so the harness itself shares nothing between threads. */
  @State(Scope.Thread)
  public static class Requests {
    private final PickContext[] contexts = new PickContext[1024];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
      for (int i = 0; i < contexts.length; i++) {
        RequestView request = new UserRequest("user-" + i * 7919);
        contexts[i] = () -> request;
      }
    }

    PickContext next() {
      int i = next;
      next = (i + 1) & (contexts.length - 1);
      return contexts[i];
    }
  }

  @Benchmark
  @Threads(1)
  public PickResult oneThread(Requests requests) {
    return picker.pick(requests.next());
  }

  @Benchmark
  @Threads(2)
  public PickResult twoThreads(Requests requests) {
    return picker.pick(requests.next());
  }

  /** The baseline: nginx's algorithm verbatim, O(n) per pick, under the picker's monitor. */
  static final class SynchronizedNginxPicker implements Picker {
    private final PickResult[] results;
    private final int[] weights;
    private final long[] current;
    private final long total;

    SynchronizedNginxPicker(List<Endpoint> endpoints, int[] weights) {
      this.results = new PickResult[endpoints.size()];
      for (int i = 0; i < results.length; i++) results[i] = PickResult.of(endpoints.get(i));
      this.weights = weights.clone();
      this.current = new long[weights.length];
      long sum = 0;
      for (int w : weights) sum += w;
      this.total = sum;
    }

    @Override
    public synchronized PickResult pick(PickContext context) {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best < 0 || current[i] > current[best]) best = i;
      }
      current[best] -= total;
      return results[best];
    }
  }

  private record UserRequest(String userId) implements RequestView {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public String authority() {
      return "inventory";
    }

    @Override
    public String path() {
      return "/items";
    }

    @Override
    public String query() {
      return null;
    }

    @Override
    public String header(String name) {
      return "x-user-id".equals(name) ? userId : null;
    }

    @Override
    public String sourceAddress() {
      return "10.9.8.7";
    }
  }
}
