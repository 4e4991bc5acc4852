package io.mesh4j.internal.resilience;

import io.mesh4j.config.RetryConfig;
import io.mesh4j.time.Ticker;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Caps retries at a share of recent traffic, as Finagle's {@code RetryBudget} and Linkerd's retry
 * budget do, so a failing backend sees at most {@code (1 + percent/100)}× its normal load instead
 * of {@code attempts}×. One budget per cluster; every original request deposits, every retry asks.
 *
 * <h2>Exact rule</h2>
 *
 * Time (from the injected {@link Ticker}, counted from this budget's creation) is cut into whole
 * seconds; the window at second {@code s} is seconds {@code s-9 .. s} (10 s). A retry is allowed
 * when either pool has room, the percent pool being asked first:
 *
 * <ol>
 *   <li><b>percent pool</b>: retries charged to it in the window {@code < floor(requests in the
 *       window × percent / 100)} (percent is applied with a resolution of 0.001);
 *   <li><b>reserve</b>: retries charged to the reserve in the current second {@code <
 *       min_per_second}.
 * </ol>
 *
 * A request deposited at second {@code s} stops counting at second {@code s + 10}. Example with
 * the defaults (20%, 10/s): 100 requests at second 0 allow 20 + 10 = 30 retries during second 0,
 * then 10 more in each of seconds 1..9 (the reserve), and from second 10 only the reserve.
 *
 * <p>The reserve is per second rather than Finagle's {@code min_per_second × ttl} tokens pooled
 * over the window: a quiet period then cannot bank a hundred retries into one burst.
 *
 * <h2>Threads</h2>
 *
 * Lock-free: three rings of ten packed (second, count) {@code long}s updated by CAS. {@link
 * #tryWithdraw()} never grants more retries than the rule allows at the instant it reads the
 * ticker: a grant is a CAS on the very counter value the check was made against. Calls made while
 * the clock crosses a second boundary are each judged at their own instant. Allocates nothing.
 */
public final class RetryBudget {
  static final int BUCKETS = 10;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long COUNT_MASK = 0xFFFF_FFFFL;

  private static final RetryBudget UNLIMITED = new RetryBudget(null, Ticker.system(), true);

  private final boolean unlimited;
  private final Ticker ticker;
  private final long origin;
  /** percent × 1000. */
  private final long percentMilli;
  private final long minPerSecond;
  private final RetryConfig.Budget config;
  // Each element: (second << 32) | count. Indexed by second % BUCKETS.
  private final AtomicLongArray deposits = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray percentRetries = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray reserveRetries = new AtomicLongArray(BUCKETS);

  private RetryBudget(RetryConfig.Budget config, Ticker ticker, boolean unlimited) {
    this.unlimited = unlimited;
    this.config = config;
    this.ticker = ticker;
    this.origin = unlimited ? 0 : ticker.read();
    this.percentMilli = unlimited ? 0 : Math.round(config.percent() * 1000);
    this.minPerSecond = unlimited ? 0 : config.minPerSecond();
  }

  /**
   * A budget for {@code config}, or {@link #unlimited()} when {@code config} is null ({@code
   * budget: off}).
   *
   * @throws IllegalArgumentException when percent is outside 0..1000 or not a number, or
   *     min_per_second is negative
   */
  public static RetryBudget create(RetryConfig.Budget config, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    if (config == null) return UNLIMITED;
    double p = config.percent();
    if (!(p >= 0 && p <= 1000)) {
      throw new IllegalArgumentException("percent: " + p + " (expected: 0-1000)");
    }
    if (config.minPerSecond() < 0) {
      throw new IllegalArgumentException(
          "min_per_second: " + config.minPerSecond() + " (expected: >= 0)");
    }
    return new RetryBudget(config, ticker, false);
  }

  /** A budget that allows every retry and ignores deposits (shared, stateless). */
  public static RetryBudget unlimited() {
    return UNLIMITED;
  }

  /** Whether this budget allows every retry. */
  public boolean isUnlimited() {
    return unlimited;
  }

  /** The config, or null for {@link #unlimited()}. */
  public RetryConfig.Budget config() {
    return config;
  }

  /** Records one original request (not a retry). Call once per request, before its first try. */
  public void onRequest() {
    if (unlimited) return;
    long now = second();
    increment(deposits, (int) (now % BUCKETS), now);
  }

  /**
   * Asks for one retry; on true the retry is charged and must be made (or simply not refunded:
   * there is no refund). Call only once every other retry rule allows the retry.
   */
  public boolean tryWithdraw() {
    if (unlimited) return true;
    long now = second();
    int idx = (int) (now % BUCKETS);
    while (true) {
      long allowed = sum(deposits, now) * percentMilli / 100_000L;
      long others = sumExcept(percentRetries, now, idx);
      long v = percentRetries.get(idx);
      long used = others + currentCount(v, now);
      if (used >= allowed) break;
      if (percentRetries.compareAndSet(idx, v, incremented(v, now))) return true;
    }
    while (true) {
      long v = reserveRetries.get(idx);
      if (currentCount(v, now) >= minPerSecond) return false;
      if (reserveRetries.compareAndSet(idx, v, incremented(v, now))) return true;
    }
  }

  /**
   * How many retries {@link #tryWithdraw()} would grant now if nothing else happened: the room
   * left in the percent pool plus the room left in this second's reserve. A snapshot, for gauges
   * and tests; {@code Long.MAX_VALUE} when unlimited.
   */
  public long available() {
    if (unlimited) return Long.MAX_VALUE;
    long now = second();
    int idx = (int) (now % BUCKETS);
    long allowed = sum(deposits, now) * percentMilli / 100_000L;
    long pct = Math.max(0, allowed - sum(percentRetries, now));
    long reserve = Math.max(0, minPerSecond - currentCount(reserveRetries.get(idx), now));
    return pct + reserve;
  }

  /** Original requests counted in the current window (a snapshot). */
  public long requestsInWindow() {
    return unlimited ? 0 : sum(deposits, second());
  }

  /** Retries granted in the current window, both pools (a snapshot). */
  public long retriesInWindow() {
    if (unlimited) return 0;
    long now = second();
    return sum(percentRetries, now) + sum(reserveRetries, now);
  }

  private long second() {
    return Math.max(0, ticker.read() - origin) / NANOS_PER_SECOND;
  }

  private static long pack(long second, long count) {
    return (second << 32) | count;
  }

  private static long secondOf(long v) {
    return v >>> 32;
  }

  /** The count of slot value {@code v} if it belongs to second {@code now} or later, else 0. */
  private static long currentCount(long v, long now) {
    return secondOf(v) >= now ? v & COUNT_MASK : 0;
  }

  /** {@code v} plus one if it is current (saturating), else a fresh count of one at {@code now}. */
  private static long incremented(long v, long now) {
    if (secondOf(v) >= now) return (v & COUNT_MASK) == COUNT_MASK ? v : v + 1;
    return pack(now, 1);
  }

  private static void increment(AtomicLongArray ring, int idx, long now) {
    while (true) {
      long v = ring.get(idx);
      long next = incremented(v, now);
      if (next == v || ring.compareAndSet(idx, v, next)) return;
    }
  }

  private static boolean inWindow(long v, long now) {
    return secondOf(v) > now - BUCKETS;
  }

  private static long sum(AtomicLongArray ring, long now) {
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long v = ring.get(i);
      if (inWindow(v, now)) total += v & COUNT_MASK;
    }
    return total;
  }

  private static long sumExcept(AtomicLongArray ring, long now, int skip) {
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (i == skip) continue;
      long v = ring.get(i);
      if (inWindow(v, now)) total += v & COUNT_MASK;
    }
    return total;
  }

  @Override
  public String toString() {
    return unlimited ? "RetryBudget{unlimited}" : "RetryBudget{" + config + "}";
  }
}
