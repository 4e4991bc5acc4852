package io.mesh4j.xds;

import java.time.Duration;

/** The config file's duration syntax ({@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}). */
final class Durations {
  private Durations() {}

  /** @throws IllegalArgumentException naming the value and what was expected */
  static Duration parse(String text) {
    int unitStart = text.length();
    while (unitStart > 0 && Character.isLetter(text.charAt(unitStart - 1))) unitStart--;
    String number = text.substring(0, unitStart);
    long factor = switch (text.substring(unitStart)) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 0;
    };
    if (factor == 0 || number.isEmpty() || number.length() > 9
        || !number.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "\"" + text + "\" (expected: a whole duration with a unit: ms, s, m or h, e.g. 250ms, 2s)");
    }
    return Duration.ofMillis(Long.parseLong(number) * factor);
  }

  /** The largest exact unit: {@code 90s}, {@code 250ms}. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
    if (ms != 0 && ms % 60_000 == 0) return ms / 60_000 + "m";
    if (ms != 0 && ms % 1_000 == 0) return ms / 1_000 + "s";
    return ms + "ms";
  }
}
