package io.mesh4j.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A cluster's retry policy. Immutable; defaults applied.
 *
 * @param attempts total tries, the first included (default 2)
 * @param retryOn the conditions that make a failed attempt retriable
 * @param retriableStatusCodes statuses retried under {@code retriable-status-codes}
 * @param perTryTimeout deadline of one attempt, or {@code null} for none (the overall timeout
 *     still applies)
 * @param backoff full-jitter exponential backoff between tries (25ms..250ms)
 * @param budget the retry budget, or {@code null} when disabled ({@code budget: off})
 * @param idempotentOnly when true (default), POST/PATCH and unreplayable bodies are retried only
 *     when the request certainly never reached a server, unless it carries
 *     {@code Idempotency-Key}
 */
public record RetryConfig(
    int attempts,
    Set<RetryOn> retryOn,
    List<Integer> retriableStatusCodes,
    Duration perTryTimeout,
    Backoff backoff,
    Budget budget,
    boolean idempotentOnly) {

  public static final int DEFAULT_ATTEMPTS = 2;
  public static final Set<RetryOn> DEFAULT_RETRY_ON =
      Set.copyOf(
          EnumSet.of(
              RetryOn.CONNECT_FAILURE,
              RetryOn.REFUSED_STREAM,
              RetryOn.RESET,
              RetryOn.GATEWAY_ERROR));

  /** The default policy: safe to apply to every cluster. */
  public static final RetryConfig DEFAULT =
      new RetryConfig(
          DEFAULT_ATTEMPTS, DEFAULT_RETRY_ON, List.of(), null, Backoff.DEFAULT, Budget.DEFAULT, true);

  public RetryConfig {
    retryOn = Set.copyOf(retryOn);
    retriableStatusCodes = List.copyOf(retriableStatusCodes);
    backoff = backoff == null ? Backoff.DEFAULT : backoff;
  }

  /** Full-jitter exponential backoff: try n waits a random time in [0, min(max, base * 2^n)). */
  public record Backoff(Duration base, Duration max) {
    public static final Backoff DEFAULT =
        new Backoff(Duration.ofMillis(25), Duration.ofMillis(250));
  }

  /**
   * Retries allowed: at most {@code percent} of requests (in a sliding 10s window), plus
   * {@code minPerSecond} retries per second regardless.
   */
  public record Budget(double percent, int minPerSecond) {
    public static final Budget DEFAULT = new Budget(20, 10);
  }
}
