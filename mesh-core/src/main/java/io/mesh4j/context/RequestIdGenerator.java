package io.mesh4j.context;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes request ids ({@code x-request-id}) for requests that arrive without a valid one.
 * Implementations must be thread-safe and fast.
 */
@FunctionalInterface
public interface RequestIdGenerator {

  /** A new request id: a non-empty header-safe string. */
  String next();

  /**
   * A generator of 32 lower-case hex digits (128 bits, the size of a UUID, without dashes), unique
   * by construction: a counter run through two bijective 64-bit mixers keyed by salts drawn from
   * {@link SecureRandom} once, when the generator is created. Within one generator no id repeats
   * for 2^64 ids; two generators collide with probability about 2^-64 per id. Ids look random
   * but are not secrets: never use one as a token. One {@code AtomicLong} increment and one
   * 32-char string per id; thread-safe. Each call returns a new, independent generator.
   */
  static RequestIdGenerator create() {
    SecureRandom seed = new SecureRandom();
    return new SaltedCounterIds(seed.nextLong(), seed.nextLong(), seed.nextLong());
  }

  /** See {@link RequestIdGenerator#create()}. */
  final class SaltedCounterIds implements RequestIdGenerator {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final long highSalt;
    private final long lowSalt;
    private final AtomicLong counter;

    SaltedCounterIds(long highSalt, long lowSalt, long start) {
      this.highSalt = highSalt;
      this.lowSalt = lowSalt;
      this.counter = new AtomicLong(start);
    }

    @Override
    public String next() {
      long n = counter.getAndIncrement();
      char[] out = new char[32];
      hex(mix(n + highSalt), out, 0);
      hex(mix(n ^ lowSalt), out, 16);
      return new String(out);
    }

    /** MurmurHash3's fmix64: a bijection on 64-bit values with good avalanche. */
    static long mix(long z) {
      z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
      z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
      return z ^ (z >>> 33);
    }

    private static void hex(long v, char[] out, int at) {
      for (int i = 15; i >= 0; i--) {
        out[at + i] = HEX[(int) (v & 0xF)];
        v >>>= 4;
      }
    }
  }
}
