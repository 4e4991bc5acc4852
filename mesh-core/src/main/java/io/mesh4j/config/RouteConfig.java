package io.mesh4j.config;

import java.time.Duration;
import java.util.List;

/**
 * One route: a match, an action and optional modifiers. Immutable.
 *
 * <p>Nullable components mean "absent": {@code rewrite}, {@code headers}, {@code timeout} (the
 * cluster's applies), {@code retry} (the cluster's applies), {@code mirror}, {@code fault},
 * {@code rateLimit}, {@code hedge}, {@code verify}. {@code policies} (never {@code null}) are the route's own request policies, run
 * after the global and the virtual host's ones.
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
    RateLimitConfig rateLimit,
    List<ExtensionRef> policies,
    HedgeConfig hedge,
    TlsConfig.Verify verify) {

  public RouteConfig {
    match = match == null ? MatchConfig.ANY : match;
    policies = policies == null ? List.of() : List.copyOf(policies);
  }

}
