package io.mesh4j.config;

/**
 * Shadow traffic: a fire-and-forget copy of the request to {@code cluster} for {@code percent} of
 * requests (0..100, default 100). Never delays or changes the real response. Immutable.
 */
public record MirrorConfig(String cluster, double percent) {}
