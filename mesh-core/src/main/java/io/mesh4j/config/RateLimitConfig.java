package io.mesh4j.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A route's {@code rate_limit}: token buckets that refill at {@code requestsPerSecond} and hold at
 * most {@code burst} tokens (the loader and builder default it to the rate rounded up, at least 1).
 * Without a {@code key}, one bucket serves the whole route; with one, each client (the value of a
 * header, the source address or the peer principal) gets its own bucket, held in a bounded cache
 * of at most {@code maxKeys} clients. Immutable.
 *
 * @param requestsPerSecond the refill rate, {@code > 0}
 * @param burst the bucket's capacity, {@code >= 1}
 * @param key what tells clients apart; {@code null}: one bucket for the route
 * @param maxKeys how many clients' buckets are kept at once ({@value #DEFAULT_MAX_KEYS}); the
 *     least recently used beyond it are dropped (their clients start again with a full bucket).
 *     Meaningful only with a {@code key}
 */
public record RateLimitConfig(double requestsPerSecond, int burst, Key key, int maxKeys) {
  /** The default {@code max_keys}. */
  public static final int DEFAULT_MAX_KEYS = 10_000;

  /** Whether each client gets its own bucket. */
  public boolean perClient() {
    return key != null;
  }

  /**
   * What tells the clients of a per-client rate limit apart ({@code rate_limit.key}). A request
   * without the value (no such header, no source address, no peer certificate) is limited under
   * one shared "absent" key: together with every other request that lacks it.
   *
   * @param kind which part of the request is the key
   * @param header the header name, lower-cased, for {@link Kind#HEADER}; {@code null} otherwise
   */
  public record Key(Kind kind, String header) {
    /** The source address ({@code source: true}): the trusted peer, as {@code match.source} sees it. */
    public static final Key SOURCE = new Key(Kind.SOURCE, null);
    /** The peer's verified identity ({@code principal: true}), as {@code match.principals} sees it. */
    public static final Key PRINCIPAL = new Key(Kind.PRINCIPAL, null);

    public Key {
      Objects.requireNonNull(kind, "kind");
      if (kind == Kind.HEADER) {
        Objects.requireNonNull(header, "header");
        header = header.toLowerCase(Locale.ROOT);
      } else {
        header = null;
      }
    }

    /** The value of request header {@code name} ({@code header: name}). */
    public static Key header(String name) {
      return new Key(Kind.HEADER, name);
    }

    /** The kinds of key. */
    public enum Kind {
      /** A request header's value. */
      HEADER,
      /** The source address. */
      SOURCE,
      /** The peer principal. */
      PRINCIPAL
    }
  }
}
