package io.mesh4j.internal.resilience;

import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.endpoint.Failure;
import java.util.Objects;
import java.util.Set;

/**
 * Decides, for a finished attempt, whether another try is allowed. Compiled once from a {@link
 * RetryConfig} (after a route's {@code RetryOverride} is applied); immutable and thread-safe;
 * {@link #decide} allocates nothing and never throws for a valid call.
 *
 * <h2>Which outcomes are retriable ({@code retry_on}, Envoy's {@code x-envoy-retry-on})</h2>
 *
 * <table>
 *   <caption>outcome → conditions that retry it</caption>
 *   <tr><th>outcome</th><th>retried under</th></tr>
 *   <tr><td>{@link Failure#CONNECT_FAILURE}</td>
 *       <td>connect-failure, reset, gateway-error, 5xx</td></tr>
 *   <tr><td>{@link Failure#REFUSED_STREAM}</td>
 *       <td>refused-stream, reset, gateway-error, 5xx</td></tr>
 *   <tr><td>{@link Failure#RESET}</td><td>reset, gateway-error, 5xx</td></tr>
 *   <tr><td>{@link Failure#TIMEOUT} (the per-try timeout)</td><td>reset, gateway-error, 5xx</td></tr>
 *   <tr><td>{@link Failure#CANCELLED}</td><td>never</td></tr>
 *   <tr><td>{@link Failure#OTHER} (a local error)</td><td>never</td></tr>
 *   <tr><td>status 502, 503, 504</td><td>gateway-error, 5xx</td></tr>
 *   <tr><td>any other 5xx</td><td>5xx</td></tr>
 *   <tr><td>a status in {@code retriable_status_codes}</td><td>retriable-status-codes</td></tr>
 *   <tr><td>{@code grpc-status} 1, 4, 8, 13, 14</td>
 *       <td>cancelled, deadline-exceeded, resource-exhausted, internal, unavailable</td></tr>
 * </table>
 *
 * <p>The failure rows follow Envoy's router ({@code RetryStateImpl::wouldRetryFromReset}): every
 * upstream reset, including a connect failure, a refused stream and a per-try timeout (which Envoy
 * turns into a local reset), is retried under {@code 5xx}, {@code gateway-error} and {@code reset}.
 *
 * <h2>Then, in this order</h2>
 *
 * <ol>
 *   <li>{@code attempt >= attempts}: stop ({@link RetryDecision#NO_RETRY_ATTEMPTS_EXHAUSTED}).
 *   <li>The body cannot be replayed and the request may have left ({@link Failure#neverSent()} is
 *       false): stop ({@link RetryDecision#NO_RETRY_BODY_NOT_REPLAYABLE}); no header changes that,
 *       a one-shot body that was read cannot be sent again.
 *   <li>{@code idempotent_only} is on, the method is not idempotent ({@link #isIdempotent}), the
 *       request carries no {@code Idempotency-Key} and may have left: stop ({@link
 *       RetryDecision#NO_RETRY_NOT_IDEMPOTENT}). gRPC calls are POSTs: under {@code idempotent_only}
 *       they are retried on a gRPC status only when they carry {@code Idempotency-Key}.
 *   <li>With a budget ({@link #decide(int, String, boolean, boolean, int, Failure, int,
 *       RetryBudget)}), a retry that passed every rule withdraws from it, or stops ({@link
 *       RetryDecision#NO_RETRY_BUDGET_EXHAUSTED}).
 * </ol>
 *
 * <p>The overall request {@code timeout} is not this class's business: when it has passed, the
 * caller stops without asking (Envoy never retries past the route timeout).
 */
public final class RetryPolicy {

  /** {@code grpc-status} absent or unparsable. */
  public static final int NO_GRPC_STATUS = -1;

  private static final int MAX_STATUS = 999;

  private final RetryConfig config;
  private final int attempts;
  private final boolean idempotentOnly;
  /** Indexed by {@link Failure#ordinal()}: the retry decision when the failure matches, or null. */
  private final RetryDecision[] failureDecisions;
  /** Indexed by HTTP status. */
  private final boolean[] retriableStatus;
  /** Bit {@code 1 << code} set for every retriable gRPC status code. */
  private final int grpcMask;

  private RetryPolicy(RetryConfig config) {
    this.config = config;
    if (config.attempts() < 1) {
      throw new IllegalArgumentException("attempts: " + config.attempts() + " (expected: >= 1)");
    }
    this.attempts = config.attempts();
    this.idempotentOnly = config.idempotentOnly();
    Set<RetryOn> on = config.retryOn();
    boolean anyReset =
        on.contains(RetryOn.RESET) || on.contains(RetryOn.FIVE_XX) || on.contains(RetryOn.GATEWAY_ERROR);

    failureDecisions = new RetryDecision[Failure.values().length];
    if (anyReset || on.contains(RetryOn.CONNECT_FAILURE)) {
      failureDecisions[Failure.CONNECT_FAILURE.ordinal()] = RetryDecision.RETRY_CONNECT_FAILURE;
    }
    if (anyReset || on.contains(RetryOn.REFUSED_STREAM)) {
      failureDecisions[Failure.REFUSED_STREAM.ordinal()] = RetryDecision.RETRY_REFUSED_STREAM;
    }
    if (anyReset) {
      failureDecisions[Failure.RESET.ordinal()] = RetryDecision.RETRY_RESET;
      failureDecisions[Failure.TIMEOUT.ordinal()] = RetryDecision.RETRY_PER_TRY_TIMEOUT;
    }

    retriableStatus = new boolean[MAX_STATUS + 1];
    if (on.contains(RetryOn.FIVE_XX)) {
      for (int s = 500; s <= 599; s++) retriableStatus[s] = true;
    }
    if (on.contains(RetryOn.GATEWAY_ERROR)) {
      retriableStatus[502] = true;
      retriableStatus[503] = true;
      retriableStatus[504] = true;
    }
    if (on.contains(RetryOn.RETRIABLE_STATUS_CODES)) {
      for (int s : config.retriableStatusCodes()) {
        if (s >= 0 && s <= MAX_STATUS) retriableStatus[s] = true;
      }
    }

    int mask = 0;
    if (on.contains(RetryOn.GRPC_CANCELLED)) mask |= 1 << 1;
    if (on.contains(RetryOn.GRPC_DEADLINE_EXCEEDED)) mask |= 1 << 4;
    if (on.contains(RetryOn.GRPC_RESOURCE_EXHAUSTED)) mask |= 1 << 8;
    if (on.contains(RetryOn.GRPC_INTERNAL)) mask |= 1 << 13;
    if (on.contains(RetryOn.GRPC_UNAVAILABLE)) mask |= 1 << 14;
    this.grpcMask = mask;
  }

  /**
   * Compiles {@code config}.
   *
   * @throws IllegalArgumentException when {@code attempts < 1}
   * @throws NullPointerException when {@code config} is null
   */
  public static RetryPolicy of(RetryConfig config) {
    return new RetryPolicy(Objects.requireNonNull(config, "config"));
  }

  /** The config this policy was compiled from. */
  public RetryConfig config() {
    return config;
  }

  /** Total tries allowed, the first included. */
  public int maxAttempts() {
    return attempts;
  }

  /**
   * Decides whether the attempt that just finished may be followed by another.
   *
   * @param attempt the number of the attempt that finished, 1 for the first try
   * @param method the request method, upper-case
   * @param hasIdempotencyKey whether the request carries an {@code Idempotency-Key} header
   * @param bodyReplayable whether the request body can be sent again (true when there is no body)
   * @param status the HTTP status when {@code failure} is {@link Failure#NONE}; ignored otherwise
   * @param failure why no response arrived, or {@link Failure#NONE}
   * @param grpcStatus the {@code grpc-status} of a trailers-only response, or {@link
   *     #NO_GRPC_STATUS}; see {@link #parseGrpcStatus}
   * @throws NullPointerException when {@code method} or {@code failure} is null
   * @throws IllegalArgumentException when {@code attempt < 1}
   */
  public RetryDecision decide(
      int attempt,
      String method,
      boolean hasIdempotencyKey,
      boolean bodyReplayable,
      int status,
      Failure failure,
      int grpcStatus) {
    if (attempt < 1) throw new IllegalArgumentException("attempt: " + attempt + " (expected: >= 1)");
    Objects.requireNonNull(method, "method");
    RetryDecision matched;
    if (failure == Failure.NONE) {
      if (status >= 0 && status <= MAX_STATUS && retriableStatus[status]) {
        matched = RetryDecision.RETRY_STATUS;
      } else if (grpcStatus >= 0 && grpcStatus < 31 && (grpcMask & (1 << grpcStatus)) != 0) {
        matched = RetryDecision.RETRY_GRPC_STATUS;
      } else {
        return RetryDecision.NO_RETRY_NOT_RETRIABLE;
      }
    } else if (failure == Failure.CANCELLED) {
      return RetryDecision.NO_RETRY_CANCELLED;
    } else {
      matched = failureDecisions[failure.ordinal()];
      if (matched == null) return RetryDecision.NO_RETRY_NOT_RETRIABLE;
    }
    if (attempt >= attempts) return RetryDecision.NO_RETRY_ATTEMPTS_EXHAUSTED;
    boolean neverSent = failure.neverSent();
    if (!bodyReplayable && !neverSent) return RetryDecision.NO_RETRY_BODY_NOT_REPLAYABLE;
    if (idempotentOnly && !neverSent && !hasIdempotencyKey && !isIdempotent(method)) {
      return RetryDecision.NO_RETRY_NOT_IDEMPOTENT;
    }
    return matched;
  }

  /**
   * Decides whether an attempt the upstream shed unprocessed (a 503 with {@code
   * x-mesh-overloaded: true}, from a mesh4j server above its {@code inbound.concurrency_limit})
   * may be followed by another. The server guarantees the application never saw the request, so
   * it is retried as a refused stream is ({@code refused-stream}, {@code reset}, {@code
   * gateway-error} or {@code 5xx} in {@code retry_on}) whatever the method and {@code
   * idempotent_only}; still bounded by {@code attempts}, and only when the body can be sent again
   * (unlike a refused stream, its bytes were on the wire).
   *
   * @throws IllegalArgumentException when {@code attempt < 1}
   */
  public RetryDecision decideOverloaded(int attempt, boolean bodyReplayable) {
    if (attempt < 1) throw new IllegalArgumentException("attempt: " + attempt + " (expected: >= 1)");
    if (failureDecisions[Failure.REFUSED_STREAM.ordinal()] == null) {
      return RetryDecision.NO_RETRY_NOT_RETRIABLE;
    }
    if (attempt >= attempts) return RetryDecision.NO_RETRY_ATTEMPTS_EXHAUSTED;
    if (!bodyReplayable) return RetryDecision.NO_RETRY_BODY_NOT_REPLAYABLE;
    return RetryDecision.RETRY_OVERLOADED;
  }

  /**
   * As {@link #decide(int, String, boolean, boolean, int, Failure, int)}, then, when that allows a
   * retry, withdraws one from {@code budget}: {@link RetryDecision#NO_RETRY_BUDGET_EXHAUSTED} when
   * it has none left. The budget is touched only for a retry every other rule allows.
   *
   * @throws NullPointerException when {@code budget} is null (pass {@link RetryBudget#unlimited()})
   */
  public RetryDecision decide(
      int attempt,
      String method,
      boolean hasIdempotencyKey,
      boolean bodyReplayable,
      int status,
      Failure failure,
      int grpcStatus,
      RetryBudget budget) {
    Objects.requireNonNull(budget, "budget");
    RetryDecision d =
        decide(attempt, method, hasIdempotencyKey, bodyReplayable, status, failure, grpcStatus);
    if (d.retry() && !budget.tryWithdraw()) return RetryDecision.NO_RETRY_BUDGET_EXHAUSTED;
    return d;
  }

  /**
   * Whether {@code method} is idempotent by RFC 9110: GET, HEAD, OPTIONS, PUT, DELETE and TRACE
   * (upper-case, as {@code RequestView.method()} gives it). Every other method, including POST,
   * PATCH, CONNECT and extension methods, is not.
   */
  public static boolean isIdempotent(String method) {
    switch (method) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "PUT":
      case "DELETE":
      case "TRACE":
        return true;
      default:
        return false;
    }
  }

  /**
   * The value of a {@code grpc-status} header (a decimal 0..16 in practice; 0..30 accepted), or
   * {@link #NO_GRPC_STATUS} when {@code value} is null, empty, not all digits, or out of range.
   * Allocates nothing.
   */
  public static int parseGrpcStatus(String value) {
    if (value == null) return NO_GRPC_STATUS;
    int n = value.length();
    if (n == 0 || n > 2) return NO_GRPC_STATUS;
    int code = 0;
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') return NO_GRPC_STATUS;
      code = code * 10 + (c - '0');
    }
    return code <= 30 ? code : NO_GRPC_STATUS;
  }

  @Override
  public String toString() {
    return "RetryPolicy{" + config + "}";
  }
}
