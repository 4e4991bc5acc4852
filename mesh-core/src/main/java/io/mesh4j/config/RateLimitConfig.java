package io.mesh4j.config;

/**
 * A token bucket per route: refills at {@code requestsPerSecond}, holds at most {@code burst}
 * tokens (default: max(1, requestsPerSecond)). Immutable.
 */
public record RateLimitConfig(double requestsPerSecond, int burst) {}
