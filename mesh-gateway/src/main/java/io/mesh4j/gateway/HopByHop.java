package io.mesh4j.gateway;

import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The hop-by-hop header rule of RFC 9110 §7.6.1: {@code Connection}, every header it names, and
 * {@code Keep-Alive}, {@code Proxy-*}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade} apply to one connection only and are never forwarded. Stateless.
 */
final class HopByHop {
  private HopByHop() {}

  /** Whether {@code name} is hop-by-hop by itself (not counting the names {@code Connection} lists). */
  static boolean isHopByHop(String name) {
    return name.equalsIgnoreCase("Connection")
        || name.equalsIgnoreCase("Keep-Alive")
        || name.regionMatches(true, 0, "Proxy-", 0, 6)
        || name.equalsIgnoreCase("TE")
        || name.equalsIgnoreCase("Trailer")
        || name.equalsIgnoreCase("Transfer-Encoding")
        || name.equalsIgnoreCase("Upgrade");
  }

  /** The header names listed by {@code Connection} values, lower-cased; empty when none. */
  static List<String> connectionOptions(Enumeration<String> connection) {
    if (connection == null || !connection.hasMoreElements()) return List.of();
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    while (connection.hasMoreElements()) add(out, connection.nextElement());
    return out;
  }

  /** As {@link #connectionOptions(Enumeration)} for a list of values. */
  static List<String> connectionOptions(List<String> connection) {
    if (connection.isEmpty()) return List.of();
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (String v : connection) add(out, v);
    return out;
  }

  private static void add(List<String> out, String value) {
    if (value == null) return;
    for (String token : value.split(",")) {
      String t = token.trim();
      if (!t.isEmpty()) out.add(t.toLowerCase(Locale.ROOT));
    }
  }

  /** Whether {@code name} must not be forwarded, given the {@code Connection} options. */
  static boolean drop(String name, List<String> connectionOptions) {
    return isHopByHop(name)
        || (!connectionOptions.isEmpty()
            && connectionOptions.contains(name.toLowerCase(Locale.ROOT)));
  }
}
