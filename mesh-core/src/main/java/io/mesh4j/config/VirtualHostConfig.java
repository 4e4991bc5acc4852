package io.mesh4j.config;

import java.util.List;

/**
 * A virtual host: a set of domains and the ordered routes that apply to requests whose authority
 * matches one of them. Immutable.
 *
 * @param name unique within its direction (outbound or inbound)
 * @param domains exact names, {@code *.suffix}, {@code prefix.*} or {@code *}; lower-cased;
 *     defaults to {@code [name]}
 * @param routes tried in order; the first whose every condition holds wins
 * @param policies request policies for every route of this virtual host, run after the global
 *     ones and before the route's own; never {@code null}
 */
public record VirtualHostConfig(
    String name, List<String> domains, List<RouteConfig> routes, List<ExtensionRef> policies) {
  public VirtualHostConfig {
    domains = List.copyOf(domains);
    routes = List.copyOf(routes);
    policies = policies == null ? List.of() : List.copyOf(policies);
  }
}
