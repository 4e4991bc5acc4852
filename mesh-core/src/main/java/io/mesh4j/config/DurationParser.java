package io.mesh4j.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Parses and formats config durations: a non-negative decimal number followed by a unit,
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 250ms}, {@code 2s}, {@code 1.5s},
 * {@code 1m}). The unit is required, even for zero ({@code 0s}). Durations have millisecond
 * resolution: a value that is not a whole number of milliseconds ({@code 0.5ms}, {@code 1.0001s})
 * is rejected rather than rounded, so nothing silently becomes zero. At most {@link #MAX}.
 *
 * <p>Stateless and thread-safe.
 */
final class DurationParser {
  /** The largest duration accepted anywhere in the config: 8760h (365 days). */
  static final Duration MAX = Duration.ofHours(8760);

  /** What a duration must look like, for error messages. */
  static final String EXPECTED = "a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m";

  private static final BigDecimal MAX_MILLIS = BigDecimal.valueOf(MAX.toMillis());

  private DurationParser() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException with a message of the form {@code "2x" (expected: ...)}
   */
  static Duration parse(String text) {
    String quoted = Checks.quote(text);
    int unitStart = text.length();
    while (unitStart > 0 && Character.isLetter(text.charAt(unitStart - 1))) unitStart--;
    String number = text.substring(0, unitStart);
    String unit = text.substring(unitStart);
    long factor;
    switch (unit) {
      case "ms" -> factor = 1;
      case "s" -> factor = 1_000;
      case "m" -> factor = 60_000;
      case "h" -> factor = 3_600_000;
      default -> throw new IllegalArgumentException(quoted + " (expected: " + EXPECTED + ")");
    }
    if (number.startsWith("-") && isDecimal(number.substring(1))) {
      throw new IllegalArgumentException(quoted + " (expected: a duration >= 0)");
    }
    if (!isDecimal(number)) {
      throw new IllegalArgumentException(quoted + " (expected: " + EXPECTED + ")");
    }
    BigDecimal millis = new BigDecimal(number).multiply(BigDecimal.valueOf(factor));
    if (millis.compareTo(MAX_MILLIS) > 0) {
      throw new IllegalArgumentException(quoted + " (expected: at most " + format(MAX) + ")");
    }
    if (millis.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException(
          quoted + " (expected: a whole number of milliseconds)");
    }
    return Duration.ofMillis(millis.longValueExact());
  }

  /** {@code digits} or {@code digits.digits}, at most 30 characters. */
  private static boolean isDecimal(String s) {
    if (s.isEmpty() || s.length() > 30) return false;
    int dot = s.indexOf('.');
    String whole = dot < 0 ? s : s.substring(0, dot);
    String fraction = dot < 0 ? "0" : s.substring(dot + 1);
    return !whole.isEmpty() && !fraction.isEmpty() && allDigits(whole) && allDigits(fraction);
  }

  private static boolean allDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return false;
    }
    return true;
  }

  /**
   * Formats {@code d} in the config syntax, with the largest unit that represents it exactly
   * ({@code 5m}, {@code 90s}, {@code 250ms}); sub-millisecond values as {@code ns}.
   */
  static String format(Duration d) {
    if (d.isNegative()) return "-" + format(d.negated());
    if (d.getSeconds() >= 1_000_000_000_000L) return d.toString();
    if (d.getNano() % 1_000_000 != 0) {
      return d.getSeconds() < 1_000_000_000L ? d.toNanos() + "ns" : d.toString();
    }
    long ms = d.toMillis();
    if (ms == 0) return "0s";
    if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0) return ms / 60_000 + "m";
    if (ms % 1_000 == 0) return ms / 1_000 + "s";
    return ms + "ms";
  }
}
