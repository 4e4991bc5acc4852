/**
 * One request's run through a route's request policies: {@link
 * io.mesh4j.internal.policy.PolicyRun}, started through {@link
 * io.mesh4j.internal.policy.PolicyInternals#start} by the inbound pipeline and the client adapter.
 *
 * <p>Engine internals: public only so the adapters in other modules can reach them. Not an API; it
 * changes without notice.
 */
package io.mesh4j.internal.policy;
