package io.mesh4j.lb;

import java.util.random.RandomGenerator;

/**
 * A thread-safe, lock-free, seeded random source for the two-choice pickers: SplitMix64 over a
 * shared {@link PaddedSequence}, so each {@link #nextLong()} is one {@code getAndAdd} and a few
 * multiplications (as a weighted round robin pick is one {@code getAndAdd}). Seeded from the
 * mesh's random source, it makes {@code least_request} and {@code peak_ewma} reproducible for a
 * seed (in {@code mesh4j simulate} and tests) while each picker of a fleet still draws its own
 * sequence. Not for cryptography.
 */
final class SeededRandom implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private final PaddedSequence sequence;
  private final long seed;

  SeededRandom(long seed) {
    this.seed = seed;
    this.sequence = new PaddedSequence(0);
  }

  @Override
  public long nextLong() {
    long z = seed + sequence.getAndIncrement() * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
