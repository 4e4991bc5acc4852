/**
 * The inbound (server-side) request pipeline, shared by every server adapter: the per-snapshot
 * {@link io.mesh4j.internal.server.InboundPlan} with its per-route state, the {@link
 * io.mesh4j.internal.server.InboundPipeline} that decides a request in one declared order of
 * steps, and the {@link io.mesh4j.internal.server.InboundExchange} that records its outcome once.
 *
 * <p>Engine internals: public only so the adapters in other modules ({@code mesh-servlet}) can
 * reach them. Not an API; it changes without notice.
 */
package io.mesh4j.internal.server;
