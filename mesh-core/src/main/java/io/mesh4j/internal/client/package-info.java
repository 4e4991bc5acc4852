/**
 * The client-side attempt loop, shared by every client adapter: {@link
 * io.mesh4j.internal.client.AttemptLoop} runs budget → breaker → pick → attempt → one outcome
 * report → retry decision → backoff over the small {@link io.mesh4j.internal.client.Transport} SPI
 * the adapter implements (send one attempt to one endpoint, cancel it, say whether the request
 * left), for the resilience state an {@link io.mesh4j.internal.client.AttemptTarget} names.
 *
 * <p>Engine internals: public only so the adapters in other modules ({@code mesh-okhttp}) can reach
 * them. Not an API; it changes without notice.
 */
package io.mesh4j.internal.client;
