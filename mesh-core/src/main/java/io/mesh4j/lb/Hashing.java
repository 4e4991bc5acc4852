package io.mesh4j.lb;

/**
 * The 64-bit hash {@code ring_hash} places keys and ring points with: xxHash64-style mixing over
 * the UTF-16 code units of a string, four per round, finished with MurmurHash3's {@code fmix64}.
 * Fast, non-cryptographic, allocation-free. Its values are part of mesh4j's behaviour: every
 * instance of the same mesh4j version maps a key to the same ring point, so a fleet of clients
 * agrees on the owner of a key. (Not compatible with Envoy's ring: Envoy hashes bytes.)
 */
final class Hashing {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private Hashing() {}

  /** The hash of all of {@code s}. */
  static long hash(String s) {
    return hash(s, 0, s.length());
  }

  /** The hash of {@code s.substring(from, to)}, computed without copying. */
  static long hash(String s, int from, int to) {
    long h = P5 + (long) (to - from) * P3;
    int i = from;
    for (; i + 4 <= to; i += 4) {
      long k = s.charAt(i)
          | (long) s.charAt(i + 1) << 16
          | (long) s.charAt(i + 2) << 32
          | (long) s.charAt(i + 3) << 48;
      k *= P2;
      k = Long.rotateLeft(k, 31);
      k *= P1;
      h ^= k;
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    for (; i < to; i++) {
      h ^= s.charAt(i) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    return fmix64(h);
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
