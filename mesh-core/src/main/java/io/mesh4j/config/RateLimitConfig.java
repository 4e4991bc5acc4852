package io.mesh4j.config;

/**
 * A token bucket per route: refills at {@code requestsPerSecond}, holds at most {@code burst}
 * tokens (the loader and builder default it to the rate rounded up, at least 1). Immutable.
 */
public record RateLimitConfig(double requestsPerSecond, int burst) {}
