package io.mesh4j.config;

import java.util.Locale;

/**
 * An adaptive concurrency limit ({@code inbound.concurrency_limit}): the number of requests the
 * service handles at once is estimated from their latencies by {@code algorithm} and kept within
 * {@code min..max}; requests above it are shed. Immutable.
 *
 * @param algorithm how the limit moves ({@link Algorithm#VEGAS} by default: under sustained overload
 *     it keeps the admitted requests' latency near twice the unloaded one, where {@code gradient2}'s
 *     long-term average follows the queue it admits; see docs/benchmarks.md)
 * @param min the lowest the limit goes ({@value #DEFAULT_MIN}, Envoy's {@code min_concurrency})
 * @param max the highest the limit goes ({@value #DEFAULT_MAX}, Envoy's {@code
 *     max_concurrency_limit})
 */
public record ConcurrencyLimitConfig(Algorithm algorithm, int min, int max) {
  public static final int DEFAULT_MIN = 3;
  public static final int DEFAULT_MAX = 1000;

  /**
   * {@code gradient2} between the default bounds: what a client's {@code max_concurrent_requests:
   * adaptive} runs. Not {@code vegas}: its probe pins the limit at {@code min} for a few round trips,
   * which a server bridges by shedding to callers that retry elsewhere, but which on a client would
   * fail the application's calls.
   */
  public static final ConcurrencyLimitConfig DEFAULT =
      new ConcurrencyLimitConfig(Algorithm.GRADIENT2, DEFAULT_MIN, DEFAULT_MAX);

  public ConcurrencyLimitConfig {
    algorithm = algorithm == null ? Algorithm.VEGAS : algorithm;
  }

  /** The limit algorithms, after Netflix's concurrency-limits. */
  public enum Algorithm {
    /** Follows the ratio of the long-term latency average to the latest latency. */
    GRADIENT2,
    /** TCP Vegas: keeps the estimated queue (latency above the lowest seen) small. */
    VEGAS;

    /** The config spelling: {@code gradient2}, {@code vegas}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The algorithm spelled {@code name} in a config, or {@code null}. */
    public static Algorithm fromConfigName(String name) {
      for (Algorithm a : values()) if (a.configName().equals(name)) return a;
      return null;
    }
  }
}
