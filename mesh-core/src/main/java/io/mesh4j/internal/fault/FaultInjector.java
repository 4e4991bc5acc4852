package io.mesh4j.internal.fault;

import io.mesh4j.config.FaultConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Decides per request whether to inject a fault ({@code fault}, Envoy's HTTP fault filter): delay
 * {@code delay.percent} of requests by {@code delay.fixed}, and answer {@code abort.percent} of
 * requests with {@code abort.status} without forwarding them.
 *
 * <p>The two draws are independent (a request may be both delayed and aborted: held first, then
 * answered with the status, as Envoy does). Percentages are applied in parts per million, so the
 * granularity is 0.0001% (Envoy's {@code FractionalPercent} with a {@code MILLION} denominator):
 * a request is hit when a uniform draw from {@code [0, 1 000 000)} is below {@code round(percent ×
 * 10 000)}. 0% never draws and never hits; 100% never draws and always hits.
 *
 * <p>Immutable and thread-safe when its random generator is (the default draws from the calling
 * thread's {@link ThreadLocalRandom}). {@link #decide()} allocates nothing: it returns one of four
 * preallocated {@link Fault}s, {@link Fault#NONE} when nothing is injected.
 */
public final class FaultInjector {
  /** Parts per million in 100%. */
  public static final int MILLION = 1_000_000;

  /** Injects nothing, ever. */
  public static final FaultInjector NONE =
      new FaultInjector(null, 0, 0, 0, 0, ThreadLocalRandomGenerator.INSTANCE);

  private final FaultConfig config;
  private final int delayPpm;
  private final int abortPpm;
  private final RandomGenerator random;
  private final Fault delayOnly;
  private final Fault abortOnly;
  private final Fault both;

  private FaultInjector(
      FaultConfig config, long delayNanos, int delayPpm, int abortStatus, int abortPpm, RandomGenerator random) {
    this.config = config;
    this.delayPpm = delayNanos > 0 ? delayPpm : 0;
    this.abortPpm = abortPpm;
    this.random = random;
    this.delayOnly = new Fault(delayNanos, 0);
    this.abortOnly = new Fault(0, abortStatus);
    this.both = new Fault(delayNanos, abortStatus);
  }

  /** An injector for {@code config} drawing from {@link ThreadLocalRandom}; null means {@link #NONE}. */
  public static FaultInjector of(FaultConfig config) {
    return of(config, ThreadLocalRandomGenerator.INSTANCE);
  }

  /**
   * An injector for {@code config} drawing from {@code random} (seed one in tests; it must be
   * thread-safe if the injector is shared); a null config means {@link #NONE}.
   *
   * @throws IllegalArgumentException when a percent is outside 0..100, the delay is negative, or
   *     the abort status is outside 200..599
   */
  public static FaultInjector of(FaultConfig config, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    if (config == null || (config.delay() == null && config.abort() == null)) return NONE;
    long delayNanos = 0;
    int delayPpm = 0;
    if (config.delay() != null) {
      Duration fixed = Objects.requireNonNull(config.delay().fixed(), "delay.fixed");
      if (fixed.isNegative()) {
        throw new IllegalArgumentException("delay.fixed: " + fixed + " (expected: >= 0)");
      }
      delayNanos = saturatedNanos(fixed);
      delayPpm = ppm("delay.percent", config.delay().percent());
    }
    int abortStatus = 0;
    int abortPpm = 0;
    if (config.abort() != null) {
      abortStatus = config.abort().status();
      if (abortStatus < 200 || abortStatus > 599) {
        throw new IllegalArgumentException("abort.status: " + abortStatus + " (expected: 200-599)");
      }
      abortPpm = ppm("abort.percent", config.abort().percent());
    }
    return new FaultInjector(config, delayNanos, delayPpm, abortStatus, abortPpm, random);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static int ppm(String name, double percent) {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException(name + ": " + percent + " (expected: 0-100)");
    }
    return (int) Math.round(percent * (MILLION / 100));
  }

  /** Draws the fault for one request. */
  public Fault decide() {
    boolean delay = hit(delayPpm);
    boolean abort = hit(abortPpm);
    if (delay) return abort ? both : delayOnly;
    return abort ? abortOnly : Fault.NONE;
  }

  private boolean hit(int ppm) {
    if (ppm == 0) return false;
    if (ppm >= MILLION) return true;
    return random.nextInt(MILLION) < ppm;
  }

  /** Whether this injector can ever inject anything. */
  public boolean isActive() {
    return delayPpm > 0 || abortPpm > 0;
  }

  /** The delay share in parts per million (0 when the delay is absent or zero). */
  public int delayPartsPerMillion() {
    return delayPpm;
  }

  /** The abort share in parts per million. */
  public int abortPartsPerMillion() {
    return abortPpm;
  }

  /** The config, or null for {@link #NONE}. */
  public FaultConfig config() {
    return config;
  }

  @Override
  public String toString() {
    return "FaultInjector{delayPpm=" + delayPpm + ", abortPpm=" + abortPpm + "}";
  }

  /** Draws from the calling thread's {@link ThreadLocalRandom}; safe to share. */
  private enum ThreadLocalRandomGenerator implements RandomGenerator {
    INSTANCE;

    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public int nextInt(int bound) {
      return ThreadLocalRandom.current().nextInt(bound);
    }
  }
}
