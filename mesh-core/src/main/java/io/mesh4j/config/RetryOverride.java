package io.mesh4j.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A route's retry settings: each non-null component replaces the same field of the target
 * cluster's {@link RetryConfig}. Immutable.
 */
public record RetryOverride(
    Integer attempts,
    Set<RetryOn> retryOn,
    List<Integer> retriableStatusCodes,
    Duration perTryTimeout,
    RetryConfig.Backoff backoff,
    RetryConfig.Budget budget,
    Boolean idempotentOnly) {

  public RetryOverride {
    retryOn = retryOn == null ? null : Set.copyOf(retryOn);
    retriableStatusCodes = retriableStatusCodes == null ? null : List.copyOf(retriableStatusCodes);
  }

  /** The cluster's policy with this override's non-null fields applied. */
  public RetryConfig applyTo(RetryConfig base) {
    return new RetryConfig(
        attempts != null ? attempts : base.attempts(),
        retryOn != null ? retryOn : base.retryOn(),
        retriableStatusCodes != null ? retriableStatusCodes : base.retriableStatusCodes(),
        perTryTimeout != null ? perTryTimeout : base.perTryTimeout(),
        backoff != null ? backoff : base.backoff(),
        budget != null ? budget : base.budget(),
        idempotentOnly != null ? idempotentOnly : base.idempotentOnly());
  }
}
