package io.mesh4j.internal.resilience;

import io.mesh4j.time.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} reading an injected {@link Ticker}, for libraries that take a {@code Clock}
 * (Resilience4j). Its instants are only meaningful relative to each other: the epoch is the
 * ticker's arbitrary origin.
 */
final class TickerClock extends Clock {
  private final Ticker ticker;

  TickerClock(Ticker ticker) {
    this.ticker = ticker;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    if (ZoneOffset.UTC.equals(zone)) return this;
    throw new UnsupportedOperationException("a ticker clock has no zone: " + zone);
  }

  @Override
  public long millis() {
    return Math.floorDiv(ticker.read(), 1_000_000L);
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, ticker.read());
  }
}
