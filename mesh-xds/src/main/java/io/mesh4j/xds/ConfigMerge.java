package io.mesh4j.xds;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The file + xDS rule: the file (the mesh's own config) is the base and wins. Its service,
 * propagate, admin, global policies and inbound settings (authz, trusted proxies, health path,
 * {@code inbound.tls} when it sets one) are kept as they are, and so is its path_normalization
 * unless it is the default (then the one the control plane's connection managers set applies).
 * Its identity sources, clusters and virtual hosts come first, and an xDS cluster or virtual host
 * with the same name as one in the file is dropped (an override, reported in {@link
 * Result#overridden()}); an xDS identity source of a name the file declares is the file's. The
 * rest of xDS is added after the file's entries, in xDS order. Stateless.
 */
final class ConfigMerge {
  private ConfigMerge() {}

  /** The merged config and the xDS entries the file overrode ({@code cluster inventory}, ...). */
  record Result(MeshConfig config, List<String> overridden) {}

  static Result merge(MeshConfig file, MeshConfig xds) {
    List<String> overridden = new ArrayList<>();
    List<ClusterConfig> clusters = new ArrayList<>(file.clusters());
    Set<String> names = new HashSet<>();
    for (ClusterConfig c : file.clusters()) names.add(c.name());
    for (ClusterConfig c : xds.clusters()) {
      if (names.contains(c.name())) {
        overridden.add("cluster " + c.name());
      } else {
        clusters.add(c);
      }
    }
    List<VirtualHostConfig> outbound = hosts(file.outbound().virtualHosts(),
        xds.outbound().virtualHosts(), "outbound", overridden);
    List<VirtualHostConfig> inboundHosts = hosts(file.inbound().virtualHosts(),
        xds.inbound().virtualHosts(), "inbound", overridden);
    InboundConfig fi = file.inbound();
    InboundConfig inbound =
        new InboundConfig(inboundHosts, fi.authz(), fi.trustedProxies(), fi.healthPath(),
            fi.headersWithUnderscoresAction(), fi.tls() != null ? fi.tls() : xds.inbound().tls(),
            fi.concurrencyLimit());
    List<IdentitySourceConfig> sources = new ArrayList<>(file.identitySources());
    for (IdentitySourceConfig s : xds.identitySources()) {
      if (file.identitySource(s.name()) == null) sources.add(s);
    }
    MeshConfig merged = new MeshConfig(file.version(), file.service(), clusters,
        new OutboundConfig(outbound), inbound, file.propagate(), file.admin(), file.policies(),
        file.pathNormalization().equals(PathNormalizationConfig.DEFAULT)
            ? xds.pathNormalization() : file.pathNormalization(),
        file.locality(), sources);
    return new Result(merged, List.copyOf(overridden));
  }

  private static List<VirtualHostConfig> hosts(List<VirtualHostConfig> file,
      List<VirtualHostConfig> xds, String side, List<String> overridden) {
    List<VirtualHostConfig> out = new ArrayList<>(file);
    Set<String> names = new HashSet<>();
    for (VirtualHostConfig v : file) names.add(v.name());
    for (VirtualHostConfig v : xds) {
      if (names.contains(v.name())) {
        overridden.add(side + " virtual host " + v.name());
      } else {
        out.add(v);
      }
    }
    return out;
  }
}
