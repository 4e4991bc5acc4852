package io.mesh4j.config;

/**
 * One endpoint of a cluster. Immutable.
 *
 * @param host an IPv4 literal, an IPv6 literal (without brackets) or a DNS name
 * @param port 1..65535
 * @param weight 1..10000 (default 1)
 * @param locality where the endpoint runs ({@link Locality#UNKNOWN} when not said; the {@code
 *     zone} key is shorthand for {@code locality: {zone}})
 * @param priority the endpoint's priority level, 0 (preferred, the default) .. 127; used by a
 *     cluster with {@code locality_lb}
 * @param localityWeight the weight of the endpoint's locality under {@code locality_lb: {mode:
 *     weighted}}, 1..10000 (default 1); every endpoint of one locality and priority carries the same
 */
public record EndpointConfig(
    String host, int port, int weight, Locality locality, int priority, int localityWeight) {

  /** The highest priority number (Envoy allows any; 128 levels is already far past practice). */
  public static final int MAX_PRIORITY = 127;

  public EndpointConfig {
    locality = locality == null ? Locality.UNKNOWN : locality;
  }

  /** An endpoint in {@code zone} (may be {@code null}), priority 0, locality weight 1. */
  public EndpointConfig(String host, int port, int weight, String zone) {
    this(host, port, weight, Locality.ofZone(zone), 0, 1);
  }

  /** The zone of {@link #locality()}, or {@code null}. */
  public String zone() {
    return locality.zone();
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public String toString() {
    return address() + (weight != 1 ? " weight=" + weight : "")
        + (locality.isUnknown() ? ""
            : locality.region() == null && locality.subZone() == null ? " zone=" + zone()
            : " locality=" + locality)
        + (priority != 0 ? " priority=" + priority : "")
        + (localityWeight != 1 ? " locality_weight=" + localityWeight : "");
  }
}
