package io.mesh4j.lb;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.HashOnConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.config.PeakEwmaConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The {@link PickerFactory} of each load-balancing policy. See {@code docs/load-balancing.md} for
 * the exact guarantees.
 *
 * <p>Every factory returned here is thread-safe and stateless apart from its seed source; {@link
 * PickerFactory#build} validates its arguments ({@link NullPointerException} for a {@code null}
 * list, array or endpoint; {@link IllegalArgumentException} for differing sizes or a weight below
 * 1) and returns a picker that always answers {@link PickResult#NONE} for an empty endpoint list.
 *
 * <pre>{@code
 * PickerFactory factory = Pickers.factory(clusterConfig);
 * Picker picker = factory.build(usableEndpoints, effectiveWeights); // off the hot path
 * PickResult result = picker.pick(context);                         // per attempt
 * }</pre>
 */
public final class Pickers {
  private Pickers() {}

  /**
   * The factory for {@code cluster.lb()} (with {@code cluster.hashOn()} for ring hash); weighted
   * round robin pickers start at a random position.
   */
  public static PickerFactory factory(ClusterConfig cluster) {
    return factory(cluster, null);
  }

  /**
   * The factory for {@code cluster.lb()} (with {@code cluster.hashOn()} for ring hash).
   *
   * @param seedSource where weighted round robin pickers draw their starting position, one {@code
   *     nextLong()} per build (under the factory's own lock, so any generator will do); {@code
   *     null} for {@link ThreadLocalRandom}. A fixed seed makes starting positions reproducible in
   *     tests; production code should leave it {@code null} so a fleet does not move in lock step.
   */
  public static PickerFactory factory(ClusterConfig cluster, RandomGenerator seedSource) {
    return factory(cluster, seedSource, Ticker.system());
  }

  /**
   * The factory for {@code cluster.lb()}, as {@link #factory(ClusterConfig, RandomGenerator)};
   * {@code peak_ewma} pickers read latency estimates at the time {@code ticker} gives (the mesh's
   * ticker, the one the attempt loop times attempts with).
   */
  public static PickerFactory factory(
      ClusterConfig cluster, RandomGenerator seedSource, Ticker ticker) {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(ticker, "ticker");
    LbPolicy policy = cluster.lb() == null ? LbPolicy.WEIGHTED_ROUND_ROBIN : cluster.lb();
    return switch (policy) {
      case WEIGHTED_ROUND_ROBIN -> weightedRoundRobin(seedSource);
      case LEAST_REQUEST -> seedSource == null ? leastRequest() : twoChoices(null, seedSource, ticker);
      case RING_HASH -> ringHash(cluster.hashOn());
      case RANDOM -> random();
      case PEAK_EWMA -> twoChoices(
          (cluster.peakEwma() == null ? PeakEwmaConfig.DEFAULT : cluster.peakEwma()).decayTime(),
          seedSource, ticker);
    };
  }

  /** Smooth weighted round robin, each picker starting at a random position. */
  public static PickerFactory weightedRoundRobin() {
    return weightedRoundRobin(null);
  }

  /**
   * Smooth weighted round robin, each picker starting at a position drawn from {@code seedSource}
   * ({@code null} for {@link ThreadLocalRandom}; see {@link #factory(ClusterConfig,
   * RandomGenerator)}).
   */
  public static PickerFactory weightedRoundRobin(RandomGenerator seedSource) {
    return new WeightedRoundRobinFactory(seedSource);
  }

  /** Least request, two choices, active-request bias 1.0. */
  public static PickerFactory leastRequest() {
    return leastRequest(LeastRequestPicker.DEFAULT_BIAS);
  }

  /**
   * Least request, two choices, with this active-request bias.
   *
   * @throws IllegalArgumentException if {@code activeRequestBias} is negative, NaN or infinite
   */
  public static PickerFactory leastRequest(double activeRequestBias) {
    LeastRequestPicker.checkBias(activeRequestBias);
    return (endpoints, weights) -> isEmpty(endpoints, weights)
        ? EmptyPicker.INSTANCE
        : new LeastRequestPicker(endpoints, weights, activeRequestBias, null);
  }

  /**
   * Ring hash on {@code hashOn} ({@code null}: every pick uses a random point) with 128 ring points
   * per unit of weight and at most 2^20 points.
   */
  public static PickerFactory ringHash(HashOnConfig hashOn) {
    return ringHash(
        hashOn, RingHashPicker.DEFAULT_POINTS_PER_WEIGHT, RingHashPicker.DEFAULT_MAX_RING_SIZE);
  }

  /**
   * Ring hash on {@code hashOn} with {@code pointsPerWeight} ring points per unit of weight and at
   * most {@code maxRingSize} points (beyond which point counts are scaled down).
   *
   * @throws IllegalArgumentException if either is below 1
   */
  public static PickerFactory ringHash(HashOnConfig hashOn, int pointsPerWeight, int maxRingSize) {
    RingHashPicker.checkRingSizes(pointsPerWeight, maxRingSize);
    return (endpoints, weights) -> isEmpty(endpoints, weights)
        ? EmptyPicker.INSTANCE
        : new RingHashPicker(endpoints, weights, hashOn, pointsPerWeight, maxRingSize, null);
  }

  /** Weighted random. */
  public static PickerFactory random() {
    return (endpoints, weights) -> isEmpty(endpoints, weights)
        ? EmptyPicker.INSTANCE
        : new RandomPicker(endpoints, weights, null);
  }

  /**
   * Peak EWMA: two choices on {@code latency estimate × (active + 1) / weight}, as Finagle and
   * Linkerd balance, with the default 10s decay time and the system ticker.
   */
  public static PickerFactory peakEwma() {
    return peakEwma(PeakEwmaConfig.DEFAULT_DECAY_TIME, Ticker.system());
  }

  /**
   * Peak EWMA with this decay time ({@code peak_ewma.decay_time}), reading time from {@code
   * ticker}. Each {@link PickerFactory#build} turns on latency tracking with this decay time on the
   * endpoints it builds over (keeping any estimate they have): the attempt loop then records each
   * attempt's latency in the endpoint, and the picker reads it.
   *
   * @throws IllegalArgumentException if {@code decayTime} is not positive
   */
  public static PickerFactory peakEwma(Duration decayTime, Ticker ticker) {
    Objects.requireNonNull(decayTime, "decayTime");
    return twoChoices(decayTime, null, ticker);
  }

  /**
   * {@code least_request} ({@code decayTime} null) or {@code peak_ewma}; with a {@code
   * seedSource}, each picker draws its candidates from a {@link SeededRandom} seeded from it
   * (reproducible for a seed), else from {@link ThreadLocalRandom}.
   */
  private static PickerFactory twoChoices(
      Duration decayTime, RandomGenerator seedSource, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    if (decayTime != null && (decayTime.isNegative() || decayTime.isZero())) {
      throw new IllegalArgumentException("decay_time: " + decayTime + " (expected: > 0)");
    }
    long tau = decayTime == null ? 0 : saturatedNanos(decayTime);
    return new PickerFactory() {
      @Override
      public Picker build(List<Endpoint> endpoints, int[] weights) {
        if (isEmpty(endpoints, weights)) return EmptyPicker.INSTANCE;
        RandomGenerator random = null;
        if (seedSource != null) {
          synchronized (this) {
            random = new SeededRandom(seedSource.nextLong());
          }
        }
        if (decayTime == null) {
          return new LeastRequestPicker(
              endpoints, weights, LeastRequestPicker.DEFAULT_BIAS, random);
        }
        for (Endpoint e : endpoints) EndpointInternals.latency(e).decayNanos(tau);
        return new PeakEwmaPicker(endpoints, weights, ticker, random);
      }

      @Override
      public String toString() {
        return decayTime == null ? "Pickers.leastRequest" : "Pickers.peakEwma(" + decayTime + ")";
      }
    };
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Validates the build arguments; whether there is nothing to pick from. */
  private static boolean isEmpty(List<Endpoint> endpoints, int[] weights) {
    return Candidates.check(endpoints, weights).length == 0;
  }

  private static final class WeightedRoundRobinFactory implements PickerFactory {
    private final RandomGenerator seedSource;

    WeightedRoundRobinFactory(RandomGenerator seedSource) {
      this.seedSource = seedSource;
    }

    @Override
    public Picker build(List<Endpoint> endpoints, int[] weights) {
      if (isEmpty(endpoints, weights)) return EmptyPicker.INSTANCE;
      long seed;
      if (seedSource == null) {
        seed = ThreadLocalRandom.current().nextLong();
      } else {
        synchronized (this) {
          seed = seedSource.nextLong();
        }
      }
      return WeightedRoundRobinPicker.create(endpoints, weights, seed);
    }

    @Override
    public String toString() {
      return "Pickers.weightedRoundRobin";
    }
  }
}
