package io.mesh4j.config;

import java.util.List;

/**
 * The whole mesh4j configuration (format version 1), as loaded from YAML/JSON by
 * {@link ConfigLoader} or built in code with {@link MeshConfig#builder()}.
 *
 * <p>Immutable and fully validated: every instance a caller can obtain from the loader or the
 * builder has passed {@link ConfigValidator}. Defaults (see {@code docs/config.md}) are already
 * applied; {@code null} appears only where a section is optional and absent, as documented on
 * each accessor. Safe to share between threads.
 *
 * <p>{@code locality} is the service's own {@code locality: {region, zone, sub_zone}} as
 * configured, or {@code null} when the config does not say (then the {@code Mesh} takes it from
 * its builder's locality provider or the {@value Locality#ENV} environment variable).
 *
 * <p>{@code identitySources} are the named sources of the workload's certificate, key and trust
 * bundle that {@code tls.source} refers to; empty when none are configured.
 */
public record MeshConfig(
    int version,
    String service,
    List<ClusterConfig> clusters,
    OutboundConfig outbound,
    InboundConfig inbound,
    PropagateConfig propagate,
    AdminConfig admin,
    List<ExtensionRef> policies,
    PathNormalizationConfig pathNormalization,
    Locality locality,
    List<IdentitySourceConfig> identitySources) {

  /** The only config format version this release understands. */
  public static final int CURRENT_VERSION = 1;

  /** A config without {@code identity_sources}. */
  public MeshConfig(int version, String service, List<ClusterConfig> clusters,
      OutboundConfig outbound, InboundConfig inbound, PropagateConfig propagate, AdminConfig admin,
      List<ExtensionRef> policies, PathNormalizationConfig pathNormalization, Locality locality) {
    this(version, service, clusters, outbound, inbound, propagate, admin, policies,
        pathNormalization, locality, null);
  }

  public MeshConfig {
    identitySources = identitySources == null ? List.of() : List.copyOf(identitySources);
    clusters = List.copyOf(clusters);
    outbound = outbound == null ? OutboundConfig.EMPTY : outbound;
    inbound = inbound == null ? InboundConfig.EMPTY : inbound;
    propagate = propagate == null ? PropagateConfig.NONE : propagate;
    admin = admin == null ? AdminConfig.DISABLED : admin;
    policies = policies == null ? List.of() : List.copyOf(policies);
    pathNormalization =
        pathNormalization == null ? PathNormalizationConfig.DEFAULT : pathNormalization;
  }

  /**
   * Returns a builder for a config written in code, with the same defaults and validation as a
   * config file; see {@link MeshConfigBuilder}.
   */
  public static MeshConfigBuilder builder() {
    return new MeshConfigBuilder();
  }

  /** The cluster of that name, or {@code null}. */
  public ClusterConfig cluster(String name) {
    for (ClusterConfig c : clusters) {
      if (c.name().equals(name)) return c;
    }
    return null;
  }

  /** The identity source of that name, or {@code null}. */
  public IdentitySourceConfig identitySource(String name) {
    for (IdentitySourceConfig s : identitySources) {
      if (s.name() != null && s.name().equals(name)) return s;
    }
    return null;
  }

  @Override
  public String toString() {
    return "MeshConfig{service=" + service + ", clusters=" + clusters.size()
        + ", outboundVirtualHosts=" + outbound.virtualHosts().size()
        + ", inboundVirtualHosts=" + inbound.virtualHosts().size() + "}";
  }
}
