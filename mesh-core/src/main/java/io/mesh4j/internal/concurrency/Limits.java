package io.mesh4j.internal.concurrency;

/** Argument checks shared by the algorithms. */
final class Limits {
  private Limits() {}

  static void check(int min, int max) {
    if (min < 1) throw new IllegalArgumentException("min: " + min + " (expected: >= 1)");
    if (max < min) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= min " + min + ")");
    }
  }
}
