package io.mesh4j.benchmarks.e2e;

import java.io.IOException;

/**
 * One way of sending the benchmark's {@code GET /} to the three backends (one of the compared
 * set-ups A, B, C, D).
 *
 * <p>Implementations are thread-safe: every load thread takes its own {@link #newExchange()}.
 */
interface Scenario extends AutoCloseable {

  /** The letter in the report: {@code A}, {@code B}, {@code C} or {@code D}. */
  String key();

  /** What it is, for the report ("plain OkHttp through the HAProxy sidecar"). */
  String label();

  /** A fresh per-thread exchange; may hold buffers, must not be shared between threads. */
  Exchange newExchange();

  /**
   * CPU time used so far by this scenario's sidecar process tree, in nanoseconds, or -1 when the
   * scenario has no sidecar.
   */
  default long sidecarCpuNanos() {
    return -1;
  }

  /** Releases clients, meshes and processes; never throws. */
  @Override
  void close();

  /** One request and its complete response. */
  @FunctionalInterface
  interface Exchange {
    /**
     * Sends one request and reads the whole response body.
     *
     * @return true when the status was 200 and the body was read to its end
     * @throws IOException when the exchange failed
     */
    boolean run() throws IOException;
  }
}
