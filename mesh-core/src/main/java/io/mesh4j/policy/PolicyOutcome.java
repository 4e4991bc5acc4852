package io.mesh4j.policy;

/**
 * How a request ended, as {@link RequestPolicy#onComplete} sees it. Immutable.
 *
 * @param status the response status; 0 when there was none (the call failed)
 * @param failure why there was no response (an {@code IOException} on the client side, the
 *     application's exception on the server side); {@code null} when there was one
 * @param durationNanos from when the adapter began handling the request until the outcome, on the
 *     mesh's ticker
 * @param respondedBy the policy that answered the request itself ({@link PolicyDecision#respond},
 *     or a fail-closed failure), or {@code null}
 */
public record PolicyOutcome(int status, Throwable failure, long durationNanos, String respondedBy) {}
