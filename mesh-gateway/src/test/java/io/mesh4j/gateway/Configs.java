package io.mesh4j.gateway;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;

/** Test configs: a cluster {@code v2} and inbound routes, as YAML. */
final class Configs {
  private Configs() {}

  /** {@code service: front}, cluster v2 at {@code endpoints} (YAML list body), then {@code inbound}. */
  static MeshConfig of(String endpoints, String clusterExtra, String inbound) {
    return ConfigLoader.load("""
        version: 1
        service: front
        clusters:
          - name: v2
            endpoints: [%s]
        %s
        inbound:
        %s
        """.formatted(endpoints, indent(clusterExtra, 4), indent(inbound, 2)));
  }

  static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return text.strip().lines().map(l -> pad + l).reduce((x, y) -> x + "\n" + y).orElse("");
  }
}
