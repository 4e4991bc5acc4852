/**
 * Adaptive concurrency limits: the {@code gradient2} and {@code vegas} algorithms and the limiter
 * that admits requests against them ({@code inbound.concurrency_limit} on the server, {@code
 * max_concurrent_requests: adaptive} on the client). Engine internals, not API.
 */
package io.mesh4j.internal.concurrency;
