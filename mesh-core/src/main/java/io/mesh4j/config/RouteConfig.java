package io.mesh4j.config;

import java.time.Duration;

/**
 * One route: a match, an action and optional modifiers. Immutable.
 *
 * <p>Nullable components mean "absent": {@code rewrite}, {@code headers}, {@code timeout} (the
 * cluster's applies), {@code retry} (the cluster's applies), {@code mirror}, {@code fault},
 * {@code rateLimit}.
 */
public record RouteConfig(
    String name,
    MatchConfig match,
    ActionConfig action,
    RewriteConfig rewrite,
    HeadersConfig headers,
    Duration timeout,
    RetryOverride retry,
    MirrorConfig mirror,
    FaultConfig fault,
    RateLimitConfig rateLimit) {

  public RouteConfig {
    match = match == null ? MatchConfig.ANY : match;
  }
}
