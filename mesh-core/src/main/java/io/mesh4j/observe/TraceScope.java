package io.mesh4j.observe;

/**
 * A span made current on the calling thread in the tracing library's own context (so the
 * application's spans, and the library's instrumentation, nest under it) until closed. Close it on
 * the thread that opened it, once, with try-with-resources.
 */
public interface TraceScope extends AutoCloseable {
  /** A scope that does nothing (tracing off, or nothing to make current). */
  TraceScope NOOP = () -> {};

  /** Restores the context that was current before; never throws. */
  @Override
  void close();
}
