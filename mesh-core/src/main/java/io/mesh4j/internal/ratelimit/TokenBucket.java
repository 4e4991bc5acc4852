package io.mesh4j.internal.ratelimit;

import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.time.Ticker;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket ({@code rate_limit}): refills at {@code requests_per_second}, holds at most
 * {@code burst} tokens, starts full. One per route (or per whatever key the caller chooses).
 *
 * <h2>Design</h2>
 *
 * Implemented as the equivalent GCRA (generic cell rate algorithm, "virtual scheduling"): instead
 * of a token count and a timestamp, one {@code long} holds the theoretical arrival time {@code
 * tat} of the next request if the bucket were drained at exactly the refill rate. With the refill
 * interval {@code T = ceil(10^9 / requests_per_second)} nanoseconds and {@code τ = burst × T}, a
 * request at time {@code now} is admitted iff {@code max(tat, now) + T - now <= τ}, and admitting
 * it sets {@code tat = max(tat, now) + T}. The tokens available at {@code now} are {@code
 * floor((now + τ - max(tat, now)) / T)}, so this is exactly a bucket of {@code burst} tokens
 * gaining one token every {@code T} ns. Rounding {@code T} up means the configured rate is never
 * exceeded; the error is below one nanosecond per token.
 *
 * <p>Because the whole state is one {@code long}, {@link #tryAcquire()} is a single CAS loop on
 * an {@link AtomicLong}: lock-free, allocation-free, and exact under contention (with time
 * frozen, {@code n} threads racing for tokens get exactly the tokens there are).
 *
 * <p>Time comes from the injected {@link Ticker}, counted from this bucket's creation.
 * Thread-safe.
 */
public final class TokenBucket {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  /** Keeps {@code T} and {@code τ} far from overflow when added to a time. */
  private static final long MAX_SPAN = Long.MAX_VALUE / 4;

  private final Ticker ticker;
  private final long origin;
  private final double requestsPerSecond;
  private final int burst;
  private final long intervalNanos;
  private final long toleranceNanos;
  /** Theoretical arrival time, in nanoseconds since {@link #origin}. */
  private final AtomicLong tat;

  private TokenBucket(double requestsPerSecond, int burst, Ticker ticker) {
    this.ticker = ticker;
    this.requestsPerSecond = requestsPerSecond;
    this.burst = burst;
    double interval = Math.ceil(NANOS_PER_SECOND / requestsPerSecond);
    this.intervalNanos = interval >= MAX_SPAN ? MAX_SPAN : Math.max(1, (long) interval);
    this.toleranceNanos =
        intervalNanos > MAX_SPAN / burst ? MAX_SPAN : intervalNanos * burst;
    this.origin = ticker.read();
    this.tat = new AtomicLong(0); // full: tat <= now
  }

  /**
   * A bucket for {@code config}; a {@code burst} of 0 or less means {@code max(1,
   * floor(requests_per_second))} (the config loader already fills the documented default, the rate
   * rounded up, so this applies only to hand-built configs).
   *
   * @throws IllegalArgumentException when {@code requests_per_second} is not a positive finite
   *     number
   */
  public static TokenBucket create(RateLimitConfig config, Ticker ticker) {
    Objects.requireNonNull(config, "config");
    return create(config.requestsPerSecond(), config.burst(), ticker);
  }

  /**
   * A bucket refilling at {@code requestsPerSecond} holding {@code burst} tokens ({@code <= 0}:
   * the default {@code max(1, floor(requestsPerSecond))}).
   *
   * @throws IllegalArgumentException when {@code requestsPerSecond} is not a positive finite
   *     number
   */
  public static TokenBucket create(double requestsPerSecond, int burst, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException(
          "requests_per_second: " + requestsPerSecond + " (expected: > 0)");
    }
    int b = burst > 0 ? burst : defaultBurst(requestsPerSecond);
    return new TokenBucket(requestsPerSecond, b, ticker);
  }

  /** {@code max(1, floor(requestsPerSecond))}, capped at {@link Integer#MAX_VALUE}. */
  public static int defaultBurst(double requestsPerSecond) {
    double f = Math.floor(requestsPerSecond);
    return f >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(1, f);
  }

  private long now() {
    return ticker.read() - origin;
  }

  /** Takes one token if there is one. Lock-free; allocates nothing. */
  public boolean tryAcquire() {
    long now = now();
    while (true) {
      long current = tat.get();
      long next = Math.max(current, now) + intervalNanos;
      if (next - now > toleranceNanos) return false;
      if (tat.compareAndSet(current, next)) return true;
    }
  }

  /** Nanoseconds until a token is available; 0 when one is available now. */
  public long nanosUntilNextToken() {
    long now = now();
    long wait = Math.max(tat.get(), now) + intervalNanos - toleranceNanos - now;
    return Math.max(0, wait);
  }

  /**
   * The value of a {@code Retry-After} header for a request this bucket just rejected: {@link
   * #nanosUntilNextToken()} rounded up to whole seconds, at least 1.
   */
  public long retryAfterSeconds() {
    return Math.max(1, toRetryAfterSeconds(nanosUntilNextToken()));
  }

  /** {@code nanos} rounded up to whole seconds (0 stays 0). */
  public static long toRetryAfterSeconds(long nanos) {
    if (nanos <= 0) return 0;
    return (nanos - 1) / NANOS_PER_SECOND + 1;
  }

  /** Tokens available now (a snapshot), 0..burst. */
  public long availableTokens() {
    long now = now();
    long room = now + toleranceNanos - Math.max(tat.get(), now);
    return Math.max(0, Math.min(burst, room / intervalNanos));
  }

  /** The refill rate. */
  public double requestsPerSecond() {
    return requestsPerSecond;
  }

  /** The capacity. */
  public int burst() {
    return burst;
  }

  /** Nanoseconds between two tokens ({@code ceil(10^9 / requests_per_second)}). */
  public long refillIntervalNanos() {
    return intervalNanos;
  }

  @Override
  public String toString() {
    return "TokenBucket{rps=" + requestsPerSecond + ", burst=" + burst + "}";
  }
}
