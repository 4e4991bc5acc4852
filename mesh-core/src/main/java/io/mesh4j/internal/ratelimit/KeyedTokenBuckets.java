package io.mesh4j.internal.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mesh4j.config.RateLimitConfig;
import io.mesh4j.route.RequestView;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A per-client rate limit ({@code rate_limit} with a {@code key}): one {@link TokenBucket} per
 * client, the client being the value of a request header, the source address or the peer
 * principal. A request that lacks the value is limited under one shared <em>absent</em> key (a
 * distinct key object, so no header value can collide with it).
 *
 * <h2>Design</h2>
 *
 * The buckets live in a Caffeine cache bounded to {@code max_keys} entries (least recently used
 * dropped first, by Caffeine's W-TinyLFU policy) whose entries expire once idle for the time a
 * drained bucket takes to refill ({@code burst / requests_per_second}): such a bucket is full
 * again, so forgetting it and later starting a fresh, full one changes nothing a client can see.
 * An evicted client that comes back early starts with a full bucket: the bound is what keeps a
 * flood of made-up keys from growing memory without limit, and {@code max_keys} should exceed the
 * number of clients active within one refill time.
 *
 * <p>{@link #bucket} loads a missing key atomically ({@code Cache.get} computes once per key), so
 * every thread racing on one key gets the same bucket, and the bucket's own CAS makes admission
 * exact under contention: with time frozen, {@code n} threads on one key get exactly {@code burst}
 * tokens. Cache time is the injected {@link Ticker}; maintenance runs on the calling thread (no
 * background executor), so tests drive expiry by moving the ticker. Thread-safe.
 */
public final class KeyedTokenBuckets {
  /** The key of requests that lack the configured header, source address or principal. */
  static final Object ABSENT = new Object() {
    @Override
    public String toString() {
      return "absent";
    }
  };

  private final RateLimitConfig config;
  private final RateLimitConfig.Key key;
  private final Cache<Object, TokenBucket> buckets;
  private final Function<Object, TokenBucket> create;
  private final Duration idle;

  private KeyedTokenBuckets(RateLimitConfig config, Ticker ticker) {
    this.config = config;
    this.key = config.key();
    TokenBucket probe = TokenBucket.create(config, ticker);
    long refill = probe.refillIntervalNanos();
    int burst = probe.burst();
    long idleNanos = refill > Long.MAX_VALUE / burst ? Long.MAX_VALUE : refill * burst;
    this.idle = Duration.ofNanos(Math.max(1, idleNanos));
    this.buckets = Caffeine.newBuilder()
        .maximumSize(config.maxKeys())
        .expireAfterAccess(idle)
        .ticker(ticker::read)
        .executor(Runnable::run)
        .build();
    this.create = k -> TokenBucket.create(config, ticker);
  }

  /**
   * Buckets for {@code config}, which must have a {@code key}.
   *
   * @throws IllegalArgumentException when {@code config} has no key, or its rate or {@code
   *     max_keys} is out of range
   */
  public static KeyedTokenBuckets create(RateLimitConfig config, Ticker ticker) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(ticker, "ticker");
    if (config.key() == null) throw new IllegalArgumentException("rate_limit.key: missing");
    if (config.maxKeys() < 1) {
      throw new IllegalArgumentException(
          "rate_limit.max_keys: " + config.maxKeys() + " (expected: >= 1)");
    }
    return new KeyedTokenBuckets(config, ticker);
  }

  /** The bucket of the client that sent {@code request}, made full on first sight. */
  public TokenBucket bucket(RequestView request) {
    return buckets.get(keyOf(request), create);
  }

  /** The bucket of client {@code value} ({@code null}: the absent key). */
  TokenBucket bucket(String value) {
    return buckets.get(value == null ? ABSENT : value, create);
  }

  private Object keyOf(RequestView request) {
    String v = switch (key.kind()) {
      case HEADER -> request.header(key.header());
      case SOURCE -> request.sourceAddress();
      case PRINCIPAL -> request.principal();
    };
    return v == null ? ABSENT : v;
  }

  /** Clients whose buckets are held now (an estimate; expired entries may linger until cleaned). */
  public long size() {
    return buckets.estimatedSize();
  }

  /** Runs pending evictions and expirations now (tests and admin pages). */
  public void cleanUp() {
    buckets.cleanUp();
  }

  /** How long a bucket may sit idle before it is dropped: the time it takes to refill. */
  public Duration idleExpiry() {
    return idle;
  }

  /** The config these buckets follow. */
  public RateLimitConfig config() {
    return config;
  }

  @Override
  public String toString() {
    return "KeyedTokenBuckets{" + key.kind() + ", rps=" + config.requestsPerSecond() + ", burst="
        + config.burst() + ", maxKeys=" + config.maxKeys() + "}";
  }
}
