package io.mesh4j.internal.resilience;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Parses a {@code Retry-After} header value (RFC 9110 §10.2.3): either {@code delay-seconds} (one
 * or more ASCII digits) or an {@code HTTP-date} in any of the three forms a recipient must accept:
 * IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), obsolete RFC 850 ({@code Sunday,
 * 06-Nov-94 08:49:37 GMT}) and ANSI C asctime ({@code Sun Nov  6 08:49:37 1994}).
 *
 * <p>Anything else (empty, negative, fractional, a sign, extra text, an impossible date, a weekday
 * that does not match the date) is invalid and ignored: {@link #parseNanos} returns {@link
 * #ABSENT}. A date in the past means "now" (zero). Leading and trailing spaces/tabs are ignored.
 * Stateless and thread-safe; the seconds form allocates nothing.
 */
public final class RetryAfter {
  /** Returned when the value is absent or invalid. */
  public static final long ABSENT = -1;

  /** Delays beyond this (about 292 years in nanoseconds) are clamped to it. */
  private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L;

  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss uuuu", Locale.US)
          .withResolverStyle(ResolverStyle.STRICT);
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withResolverStyle(ResolverStyle.STRICT);

  private RetryAfter() {}

  /**
   * The delay a {@code Retry-After} value asks for, in nanoseconds, or {@link #ABSENT}.
   *
   * @param value the header value, or null
   * @param nowEpochMillis the current wall-clock time (only HTTP-dates use it)
   */
  public static long parseNanos(String value, long nowEpochMillis) {
    if (value == null) return ABSENT;
    int start = 0;
    int end = value.length();
    while (start < end && isWhitespace(value.charAt(start))) start++;
    while (end > start && isWhitespace(value.charAt(end - 1))) end--;
    if (start == end) return ABSENT;
    char first = value.charAt(start);
    if (first >= '0' && first <= '9') return parseSeconds(value, start, end);
    return parseDate(value.substring(start, end), nowEpochMillis);
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  private static long parseSeconds(String value, int start, int end) {
    long seconds = 0;
    for (int i = start; i < end; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') return ABSENT;
      if (seconds < MAX_SECONDS) seconds = Math.min(MAX_SECONDS, seconds * 10 + (c - '0'));
    }
    return seconds * 1_000_000_000L;
  }

  private static long parseDate(String value, long nowEpochMillis) {
    Instant date = parseHttpDate(value, nowEpochMillis);
    if (date == null) return ABSENT;
    long deltaMillis = date.toEpochMilli() - nowEpochMillis;
    if (deltaMillis <= 0) return 0;
    return deltaMillis > Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : deltaMillis * 1_000_000L;
  }

  /** The instant an HTTP-date names, or null when it is none of the three forms. */
  static Instant parseHttpDate(String value, long nowEpochMillis) {
    try {
      if (value.indexOf('-') > 0) {
        // RFC 850: a two-digit year. RFC 9110: a year that appears more than 50 years in the
        // future is the most recent past year with the same last two digits.
        int nowYear = LocalDateTime.ofEpochSecond(Math.floorDiv(nowEpochMillis, 1000), 0, ZoneOffset.UTC).getYear();
        DateTimeFormatter rfc850 =
            new DateTimeFormatterBuilder()
                .appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, nowYear - 49)
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US)
                .withResolverStyle(ResolverStyle.STRICT);
        return LocalDateTime.parse(value, rfc850).toInstant(ZoneOffset.UTC);
      }
      if (value.indexOf(',') > 0) {
        if (!value.endsWith(" GMT")) return null;
        return Instant.from(IMF_FIXDATE.parse(value));
      }
      return LocalDateTime.parse(value, ASCTIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }
}
