package io.mesh4j.route;

import java.nio.charset.StandardCharsets;

/**
 * Reads parameters out of a raw query string without allocating.
 *
 * <p>Parameters are separated by {@code &} only; a parameter without {@code =} has the empty
 * value. Names and values are percent-decoded to bytes and compared as UTF-8; {@code +} is a
 * literal plus, not a space (as in Envoy and RFC 3986; only HTML forms use {@code +} for space).
 * A {@code %} not followed by two hex digits is taken literally, so malformed encoding never
 * throws. Characters that are not ASCII (never sent raw by a conforming client) are compared by
 * their UTF-8 bytes.
 */
final class QueryStrings {
  /** {@link #find} result for an absent parameter. */
  static final long ABSENT = -1L;

  private QueryStrings() {}

  /**
   * Finds the first parameter of {@code query} whose decoded name is {@code name} (UTF-8 bytes).
   * Returns {@code (valueStart << 32) | valueEnd}, or {@link #ABSENT}.
   */
  static long find(String query, byte[] name) {
    if (query == null) return ABSENT;
    int n = query.length();
    int start = 0;
    while (start <= n) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? n : amp;
      int eq = indexOf(query, '=', start, end);
      int nameEnd = eq < 0 ? end : eq;
      if (end > start && decodedEquals(query, start, nameEnd, name)) {
        int valueStart = eq < 0 ? end : eq + 1;
        return ((long) valueStart << 32) | end;
      }
      if (amp < 0) break;
      start = amp + 1;
    }
    return ABSENT;
  }

  static int valueStart(long found) {
    return (int) (found >>> 32);
  }

  static int valueEnd(long found) {
    return (int) found;
  }

  private static int indexOf(String s, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == c) return i;
    }
    return -1;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /** Whether the percent-decoded bytes of {@code s[from, to)} equal {@code expected}. */
  static boolean decodedEquals(String s, int from, int to, byte[] expected) {
    int j = 0;
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < to) {
        int hi = hex(s.charAt(i + 1));
        int lo = hex(s.charAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          if (j >= expected.length || expected[j++] != (byte) ((hi << 4) | lo)) return false;
          i += 3;
          continue;
        }
      }
      if (c < 0x80) {
        if (j >= expected.length || expected[j++] != (byte) c) return false;
        i++;
        continue;
      }
      int cp;
      if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
        cp = Character.toCodePoint(c, s.charAt(i + 1));
        i += 2;
      } else {
        cp = Character.isSurrogate(c) ? '?' : c;
        i++;
      }
      if (cp < 0x80) {
        if (j >= expected.length || expected[j++] != (byte) cp) return false;
      } else if (cp < 0x800) {
        if (j + 2 > expected.length) return false;
        if (expected[j++] != (byte) (0xc0 | (cp >> 6))) return false;
        if (expected[j++] != (byte) (0x80 | (cp & 0x3f))) return false;
      } else if (cp < 0x10000) {
        if (j + 3 > expected.length) return false;
        if (expected[j++] != (byte) (0xe0 | (cp >> 12))) return false;
        if (expected[j++] != (byte) (0x80 | ((cp >> 6) & 0x3f))) return false;
        if (expected[j++] != (byte) (0x80 | (cp & 0x3f))) return false;
      } else {
        if (j + 4 > expected.length) return false;
        if (expected[j++] != (byte) (0xf0 | (cp >> 18))) return false;
        if (expected[j++] != (byte) (0x80 | ((cp >> 12) & 0x3f))) return false;
        if (expected[j++] != (byte) (0x80 | ((cp >> 6) & 0x3f))) return false;
        if (expected[j++] != (byte) (0x80 | (cp & 0x3f))) return false;
      }
    }
    return j == expected.length;
  }

  /**
   * The percent-decoded text of {@code s[from, to)}: the same bytes {@link #decodedEquals}
   * compares, read as UTF-8 (malformed sequences become U+FFFD). Allocates; used for regex
   * matching and explanations.
   */
  static String decode(String s, int from, int to) {
    if (indexOf(s, '%', from, to) < 0) return s.substring(from, to);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(to - from);
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < to) {
        int hi = hex(s.charAt(i + 1));
        int lo = hex(s.charAt(i + 2));
        if (hi >= 0 && lo >= 0) {
          out.write((hi << 4) | lo);
          i += 3;
          continue;
        }
      }
      if (c < 0x80) {
        out.write(c);
        i++;
        continue;
      }
      int cpEnd = Character.isHighSurrogate(c) && i + 1 < to
          && Character.isLowSurrogate(s.charAt(i + 1)) ? i + 2 : i + 1;
      byte[] utf8 = s.substring(i, cpEnd).getBytes(StandardCharsets.UTF_8);
      out.write(utf8, 0, utf8.length);
      i = cpEnd;
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
