package io.mesh4j.time;

/**
 * A source of monotonic nanoseconds, injected wherever mesh4j measures time so tests can drive
 * it. Thread-safe.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
