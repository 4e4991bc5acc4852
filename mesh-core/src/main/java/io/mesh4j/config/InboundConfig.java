package io.mesh4j.config;

import java.util.List;

/**
 * The rules the servlet filter applies to requests this service receives ({@code inbound:}).
 * Immutable.
 *
 * @param virtualHosts inbound virtual hosts, tried as outbound ones are
 * @param authz the authorization rules; {@link AuthzConfig#ALLOW_ALL} when absent
 * @param trustedProxies CIDRs of proxies whose {@code X-Forwarded-For} is believed; empty means
 *     the socket peer is always the source
 * @param healthPath the path of the health endpoint that peers probe ({@code /mesh/health})
 * @param headersWithUnderscoresAction what the gateway does with a request header whose name
 *     contains {@code _} ({@code inbound.headers_with_underscores_action}); {@link
 *     UnderscoreAction#DROP_HEADER} when absent, Envoy's recommendation at the edge
 * @param tls how callers are authenticated ({@code inbound.tls}), or {@code null} when absent
 *     (the container's own TLS settings, if any, apply; nothing is enforced)
 * @param concurrencyLimit the adaptive limit on requests handled at once ({@code
 *     inbound.concurrency_limit}); {@code null} when absent: no limit, nothing is shed
 */
public record InboundConfig(
    List<VirtualHostConfig> virtualHosts,
    AuthzConfig authz,
    List<Cidr> trustedProxies,
    String healthPath,
    UnderscoreAction headersWithUnderscoresAction,
    InboundTlsConfig tls,
    ConcurrencyLimitConfig concurrencyLimit) {

  /**
   * What the gateway does with a request header whose name contains an underscore, as Envoy's
   * {@code headers_with_underscores_action}: such names can be mistaken for another header by
   * upstreams that map {@code -} and {@code _} to the same name (CGI, some frameworks).
   */
  public enum UnderscoreAction {
    /** Forward the header. */
    ALLOW,
    /** Forward the request without the header (counted as removed). */
    DROP_HEADER,
    /** Answer 400 without forwarding (counted as rejected). */
    REJECT_REQUEST;

    /** The config spelling: {@code allow}, {@code drop_header}, {@code reject_request}. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The default health endpoint path. */
  public static final String DEFAULT_HEALTH_PATH = "/mesh/health";

  /** No inbound rules: every request passes to the application. */
  public static final InboundConfig EMPTY =
      new InboundConfig(List.of(), AuthzConfig.ALLOW_ALL, List.of(), DEFAULT_HEALTH_PATH);

  /** The rules with the default {@link UnderscoreAction#DROP_HEADER}. */
  public InboundConfig(List<VirtualHostConfig> virtualHosts, AuthzConfig authz,
      List<Cidr> trustedProxies, String healthPath) {
    this(virtualHosts, authz, trustedProxies, healthPath, null, null, null);
  }

  /** These rules with {@code limit} as {@code concurrency_limit} ({@code null}: none). */
  public InboundConfig withConcurrencyLimit(ConcurrencyLimitConfig limit) {
    return new InboundConfig(virtualHosts, authz, trustedProxies, healthPath,
        headersWithUnderscoresAction, tls, limit);
  }

  public InboundConfig {
    virtualHosts = List.copyOf(virtualHosts);
    authz = authz == null ? AuthzConfig.ALLOW_ALL : authz;
    trustedProxies = List.copyOf(trustedProxies);
    healthPath = healthPath == null ? DEFAULT_HEALTH_PATH : healthPath;
    headersWithUnderscoresAction = headersWithUnderscoresAction == null
        ? UnderscoreAction.DROP_HEADER : headersWithUnderscoresAction;
  }
}
