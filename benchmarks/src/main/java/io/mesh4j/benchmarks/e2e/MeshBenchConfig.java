package io.mesh4j.benchmarks.e2e;

/**
 * Scenario B's mesh config: one cluster {@code backend} over the three ports with the full default
 * policy turned on (weighted round robin, HTTP health checks on {@code /health}, outlier
 * detection, the default retry policy with its budget, a circuit breaker), reached through an
 * outbound virtual host {@code backend} whose one route forwards every path.
 */
final class MeshBenchConfig {
  /** The authority B's requests use; it names the virtual host and the cluster. */
  static final String AUTHORITY = "backend";

  private MeshBenchConfig() {}

  /** The config as YAML, in the format of CONFIG.md; every policy left at its default. */
  static String yaml(int[] ports) {
    StringBuilder b = new StringBuilder();
    b.append("version: 1\n");
    b.append("service: e2e-client\n");
    b.append("clusters:\n");
    b.append("  - name: ").append(AUTHORITY).append('\n');
    b.append("    lb: weighted_round_robin\n");
    b.append("    endpoints:\n");
    for (int port : ports) b.append("      - address: 127.0.0.1:").append(port).append('\n');
    b.append("    health_check: { path: /health }\n");
    b.append("    outlier_detection: {}\n");
    b.append("    circuit_breaker: {}\n");
    b.append("outbound:\n");
    b.append("  virtual_hosts:\n");
    b.append("    - name: ").append(AUTHORITY).append('\n');
    b.append("      routes:\n");
    b.append("        - name: all\n");
    b.append("          match: { prefix: / }\n");
    b.append("          to: ").append(AUTHORITY).append('\n');
    return b.toString();
  }

  /**
   * Scenario G's gateway config: the same cluster and policy as {@link #yaml}, reached through an
   * inbound virtual host for every authority whose one route forwards every path {@code to:
   * backend} (MeshFilter with mesh-gateway).
   */
  static String gatewayYaml(int[] ports) {
    StringBuilder b = new StringBuilder();
    b.append("version: 1\n");
    b.append("service: e2e-gateway\n");
    b.append("clusters:\n");
    b.append("  - name: ").append(AUTHORITY).append('\n');
    b.append("    lb: weighted_round_robin\n");
    b.append("    endpoints:\n");
    for (int port : ports) b.append("      - address: 127.0.0.1:").append(port).append('\n');
    b.append("    health_check: { path: /health }\n");
    b.append("    outlier_detection: {}\n");
    b.append("    circuit_breaker: {}\n");
    b.append("inbound:\n");
    b.append("  virtual_hosts:\n");
    b.append("    - name: gateway\n");
    b.append("      domains: [\"*\"]\n");
    b.append("      routes:\n");
    b.append("        - name: all\n");
    b.append("          match: { prefix: / }\n");
    b.append("          to: ").append(AUTHORITY).append('\n');
    return b.toString();
  }
}
