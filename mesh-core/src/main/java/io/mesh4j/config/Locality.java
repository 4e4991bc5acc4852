package io.mesh4j.config;

import java.util.Objects;

/**
 * Where something runs: {@code region}, {@code zone}, {@code sub_zone}, as in Envoy's {@code
 * core.v3.Locality} and Kubernetes' {@code topology.kubernetes.io/region|zone} labels. Any part
 * may be {@code null} (unknown); an empty string reads as {@code null}. Two localities are the
 * same locality when all three parts are equal. Immutable.
 *
 * @param region the region, or {@code null}
 * @param zone the zone, or {@code null}
 * @param subZone the sub-zone, or {@code null}
 */
public record Locality(String region, String zone, String subZone) {

  /** The locality with every part unknown. */
  public static final Locality UNKNOWN = new Locality(null, null, null);

  /** The environment variable {@link #parse} reads the service's own locality from. */
  public static final String ENV = "MESH4J_LOCALITY";

  public Locality {
    region = blankToNull(region);
    zone = blankToNull(zone);
    subZone = blankToNull(subZone);
  }

  /** A locality that only names a zone. */
  public static Locality ofZone(String zone) {
    return zone == null || zone.isEmpty() ? UNKNOWN : new Locality(null, zone, null);
  }

  /**
   * Parses {@code region/zone/sub_zone}; trailing parts may be left out ({@code eu-west-1} or
   * {@code eu-west-1/eu-west-1a}) and any part may be empty ({@code /zone-a}).
   *
   * @throws IllegalArgumentException with a message naming the value when it has more than three
   *     parts or a part holds a space or control character
   */
  public static Locality parse(String text) {
    Objects.requireNonNull(text, "text");
    String[] parts = text.split("/", -1);
    if (parts.length > 3) {
      throw new IllegalArgumentException(
          "'" + text + "' (expected: region/zone/sub_zone, at most three parts)");
    }
    for (String part : parts) {
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        if (c <= ' ' || c == 0x7f) {
          throw new IllegalArgumentException(
              "'" + text + "' (expected: region/zone/sub_zone without spaces or control characters)");
        }
      }
    }
    return new Locality(parts[0], parts.length > 1 ? parts[1] : null, parts.length > 2 ? parts[2] : null);
  }

  /** Whether every part is unknown. */
  public boolean isUnknown() {
    return region == null && zone == null && subZone == null;
  }

  /**
   * How far {@code other} is from this locality, as Istio's locality failover ranks it: 0 the same
   * region, zone and sub-zone; 1 the same region and zone; 2 the same region; 3 anything else.
   * An unknown part only equals an unknown part.
   */
  public int distanceTo(Locality other) {
    if (!Objects.equals(region, other.region)) return 3;
    if (!Objects.equals(zone, other.zone)) return 2;
    if (!Objects.equals(subZone, other.subZone)) return 1;
    return 0;
  }

  /** {@code region/zone/sub_zone}, unknown parts empty and trailing empty parts left out. */
  @Override
  public String toString() {
    String s = nz(region) + "/" + nz(zone) + "/" + nz(subZone);
    while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
    return s.isEmpty() ? "unknown" : s;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
