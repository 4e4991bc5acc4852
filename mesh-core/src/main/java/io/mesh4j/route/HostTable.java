package io.mesh4j.route;

import java.util.Map;

/**
 * An immutable open-addressing map from case-insensitive keys to values, looked up by a region of
 * a string so that a lookup allocates nothing. Built once; safe to read from any thread.
 */
final class HostTable<V> {
  private final String[] keys;
  private final Object[] values;
  private final int mask;
  /** Bit {@code n} set when some key has length {@code n} (n < 256): most misses skip hashing. */
  private final long[] lengths = new long[4];
  private final boolean hasLongKeys;

  /** Keys that are equal ignoring case keep the first entry in iteration order. */
  HostTable(Map<String, V> entries) {
    int cap = Integer.highestOneBit(Math.max(4, entries.size() * 3)) << 1;
    keys = new String[cap];
    values = new Object[cap];
    mask = cap - 1;
    boolean longKeys = false;
    for (Map.Entry<String, V> e : entries.entrySet()) {
      String k = e.getKey();
      int i = Fold.hash(k, 0, k.length()) & mask;
      boolean duplicate = false;
      while (keys[i] != null) {
        if (keys[i].length() == k.length() && Fold.regionEquals(keys[i], 0, k, 0, k.length())) {
          duplicate = true;
          break;
        }
        i = (i + 1) & mask;
      }
      if (!duplicate) {
        keys[i] = k;
        values[i] = e.getValue();
        if (k.length() < 256) {
          lengths[k.length() >> 6] |= 1L << k.length();
        } else {
          longKeys = true;
        }
      }
    }
    hasLongKeys = longKeys;
  }

  /** The value whose key equals {@code s[from, to)} ignoring case, or {@code null}. */
  @SuppressWarnings("unchecked")
  V get(String s, int from, int to) {
    int len = to - from;
    if (len < 256 ? (lengths[len >> 6] & (1L << len)) == 0 : !hasLongKeys) return null;
    int i = Fold.hash(s, from, to) & mask;
    String k;
    while ((k = keys[i]) != null) {
      if (k.length() == len && Fold.regionEquals(k, 0, s, from, len)) return (V) values[i];
      i = (i + 1) & mask;
    }
    return null;
  }
}
