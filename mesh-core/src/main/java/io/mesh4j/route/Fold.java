package io.mesh4j.route;

/**
 * Case-insensitive comparison of UTF-16 chars, one char at a time, identical on every JDK.
 *
 * <p>{@code fold(c) = toLowerCase(toUpperCase(c))}: two chars are equal ignoring case exactly when
 * their folds are equal (the same rule {@link String#regionMatches(boolean, int, String, int,
 * int)} applies per char). Supplementary characters are compared exactly. Routing uses these
 * helpers instead of {@code regionMatches} so that hashing (host tables), the path index and the
 * conditions themselves can never disagree.
 */
final class Fold {
  private Fold() {}

  static char fold(char c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  /** Whether {@code a[aFrom, aFrom+len)} equals {@code b[bFrom, bFrom+len)} ignoring case. */
  static boolean regionEquals(String a, int aFrom, String b, int bFrom, int len) {
    for (int i = 0; i < len; i++) {
      char x = a.charAt(aFrom + i);
      char y = b.charAt(bFrom + i);
      if (x != y && fold(x) != fold(y)) return false;
    }
    return true;
  }

  /** Whether {@code s} starts with {@code prefix}, optionally ignoring case. */
  static boolean startsWith(String s, String prefix, boolean caseSensitive) {
    if (caseSensitive) return s.startsWith(prefix);
    int n = prefix.length();
    return s.length() >= n && regionEquals(s, 0, prefix, 0, n);
  }

  /** Whether {@code a} equals {@code b}, optionally ignoring case. */
  static boolean equals(String a, String b, boolean caseSensitive) {
    if (caseSensitive) return a.equals(b);
    return a.length() == b.length() && regionEquals(a, 0, b, 0, a.length());
  }

  /** The folded form of {@code s} (build time only). */
  static String foldAll(String s) {
    char[] out = new char[s.length()];
    for (int i = 0; i < out.length; i++) out[i] = fold(s.charAt(i));
    return new String(out);
  }

  /**
   * A hash of {@code s[from, to)} that is equal for strings equal ignoring case. Every char counts;
   * four independent lanes let the CPU overlap the multiplications (a host name hashes in a few
   * nanoseconds).
   */
  static int hash(String s, int from, int to) {
    int h0 = to - from;
    int h1 = 0;
    int h2 = 0;
    int h3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      h0 = 31 * h0 + fold(s.charAt(i));
      h1 = 31 * h1 + fold(s.charAt(i + 1));
      h2 = 31 * h2 + fold(s.charAt(i + 2));
      h3 = 31 * h3 + fold(s.charAt(i + 3));
    }
    for (; i < to; i++) h0 = 31 * h0 + fold(s.charAt(i));
    int h = ((h0 * 31 + h1) * 31 + h2) * 31 + h3;
    return h ^ (h >>> 16);
  }
}
