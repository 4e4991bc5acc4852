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
 */
public record InboundConfig(
    List<VirtualHostConfig> virtualHosts,
    AuthzConfig authz,
    List<Cidr> trustedProxies,
    String healthPath) {

  /** The default health endpoint path. */
  public static final String DEFAULT_HEALTH_PATH = "/mesh/health";

  /** No inbound rules: every request passes to the application. */
  public static final InboundConfig EMPTY =
      new InboundConfig(List.of(), AuthzConfig.ALLOW_ALL, List.of(), DEFAULT_HEALTH_PATH);

  public InboundConfig {
    virtualHosts = List.copyOf(virtualHosts);
    authz = authz == null ? AuthzConfig.ALLOW_ALL : authz;
    trustedProxies = List.copyOf(trustedProxies);
    healthPath = healthPath == null ? DEFAULT_HEALTH_PATH : healthPath;
  }
}
