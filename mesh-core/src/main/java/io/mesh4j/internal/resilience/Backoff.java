package io.mesh4j.internal.resilience;

import io.mesh4j.config.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The wait before a retry: full-jitter exponential backoff (as Envoy and the AWS architecture blog
 * "Exponential Backoff And Jitter"), or a server's {@code Retry-After} capped at the maximum.
 *
 * <p>Retry {@code n} ({@code n = 1} is the first retry, i.e. the second attempt) waits a duration
 * drawn uniformly from {@code [0, min(max, base × 2^(n-1))]} nanoseconds, both ends included. With
 * the defaults (25ms, 250ms): {@code [0, 25ms]}, {@code [0, 50ms]}, {@code [0, 100ms]}, {@code [0,
 * 200ms]}, then {@code [0, 250ms]} for every later retry.
 *
 * <p>When the failed attempt's response carried a valid {@code Retry-After} ({@link RetryAfter}),
 * the wait is {@code min(max, retryAfter)} instead of the jittered value: the server's hint is
 * honoured, but never beyond the backoff maximum, so one response cannot park a request for
 * longer than the policy allows.
 *
 * <p>Immutable and thread-safe when its random generator is (the default draws from {@link
 * ThreadLocalRandom} on the calling thread). Allocates nothing.
 */
public final class Backoff {
  private final long baseNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  private Backoff(long baseNanos, long maxNanos, RandomGenerator random) {
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.random = random;
  }

  /**
   * A backoff drawing from {@link ThreadLocalRandom}.
   *
   * @throws IllegalArgumentException when base or max is negative, or base is greater than max
   */
  public static Backoff of(RetryConfig.Backoff config) {
    return of(config, ThreadLocalRandomGenerator.INSTANCE);
  }

  /**
   * A backoff drawing from {@code random} (seed one in tests); {@code random} must be thread-safe
   * if the backoff is shared between threads.
   *
   * @throws IllegalArgumentException when base or max is negative, or base is greater than max
   */
  public static Backoff of(RetryConfig.Backoff config, RandomGenerator random) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(random, "random");
    long base = nanos(config.base(), "base");
    long max = nanos(config.max(), "max");
    if (base > max) {
      throw new IllegalArgumentException(
          "base: " + config.base() + " (expected: <= max " + config.max() + ")");
    }
    return new Backoff(base, max, random);
  }

  private static long nanos(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
    return saturatedNanos(d);
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** The upper bound of the jitter window for retry {@code retry}: {@code min(max, base × 2^(retry-1))}. */
  public long ceilingNanos(int retry) {
    if (retry < 1) throw new IllegalArgumentException("retry: " + retry + " (expected: >= 1)");
    int shift = retry - 1;
    if (baseNanos == 0) return 0;
    if (shift >= 63 || baseNanos > (maxNanos >> shift)) return maxNanos;
    return Math.min(maxNanos, baseNanos << shift);
  }

  /**
   * The jittered wait before retry {@code retry} ({@code 1} = the first retry), in nanoseconds.
   *
   * @throws IllegalArgumentException when {@code retry < 1}
   */
  public long delayNanos(int retry) {
    long ceiling = ceilingNanos(retry);
    if (ceiling == 0) return 0;
    return ceiling == Long.MAX_VALUE ? random.nextLong(ceiling) : random.nextLong(ceiling + 1);
  }

  /**
   * The wait before retry {@code retry}: {@code min(max, retryAfterNanos)} when {@code
   * retryAfterNanos >= 0} (a valid {@code Retry-After}, see {@link RetryAfter#parseNanos}), the
   * jittered {@link #delayNanos(int)} otherwise.
   */
  public long delayNanos(int retry, long retryAfterNanos) {
    if (retryAfterNanos >= 0) {
      if (retry < 1) throw new IllegalArgumentException("retry: " + retry + " (expected: >= 1)");
      return Math.min(maxNanos, retryAfterNanos);
    }
    return delayNanos(retry);
  }

  /** The configured base, in nanoseconds. */
  public long baseNanos() {
    return baseNanos;
  }

  /** The configured maximum, in nanoseconds. */
  public long maxNanos() {
    return maxNanos;
  }

  @Override
  public String toString() {
    return "Backoff{base=" + Duration.ofNanos(baseNanos) + ", max=" + Duration.ofNanos(maxNanos) + "}";
  }

  /** Draws from the calling thread's {@link ThreadLocalRandom}; safe to share. */
  enum ThreadLocalRandomGenerator implements RandomGenerator {
    INSTANCE;

    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public long nextLong(long bound) {
      return ThreadLocalRandom.current().nextLong(bound);
    }

    @Override
    public int nextInt(int bound) {
      return ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public double nextDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }
  }
}
