package io.mesh4j.config;

/**
 * One endpoint of a cluster. Immutable.
 *
 * @param host an IPv4 literal, an IPv6 literal (without brackets) or a DNS name
 * @param port 1..65535
 * @param weight 1..10000 (default 1)
 * @param zone locality metadata, or {@code null}
 */
public record EndpointConfig(String host, int port, int weight, String zone) {

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public String toString() {
    return address() + (weight != 1 ? " weight=" + weight : "") + (zone != null ? " zone=" + zone : "");
  }
}
