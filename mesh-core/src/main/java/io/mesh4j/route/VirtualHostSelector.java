package io.mesh4j.route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chooses the virtual host for a request authority, as Envoy does: an exact domain first, then the
 * longest {@code *suffix} wildcard, then the longest {@code prefix*} wildcard, then {@code *}. A
 * wildcard must stand for at least one character. Comparison ignores case; the port is not part
 * of the host. Immutable; {@link #select} allocates nothing.
 */
final class VirtualHostSelector {

  /** How a domain entry matched. */
  enum Kind { EXACT, SUFFIX, PREFIX, ANY }

  /** One configured domain and its virtual host. */
  static final class Domain {
    final String domain;
    final Kind kind;
    final VirtualHost host;

    Domain(String domain, Kind kind, VirtualHost host) {
      this.domain = domain;
      this.kind = kind;
      this.host = host;
    }
  }

  private final HostTable<Domain> exact;
  private final int[] suffixLengths;
  private final HostTable<Domain>[] suffixTables;
  private final int[] prefixLengths;
  private final HostTable<Domain>[] prefixTables;
  private final Domain any;

  /** A domain listed twice keeps its first virtual host (the validator rejects duplicates). */
  VirtualHostSelector(List<VirtualHost> hosts) {
    Map<String, Domain> exactMap = new LinkedHashMap<>();
    TreeMap<Integer, Map<String, Domain>> suffixes = new TreeMap<>();
    TreeMap<Integer, Map<String, Domain>> prefixes = new TreeMap<>();
    Domain anyDomain = null;
    for (VirtualHost host : hosts) {
      for (String d : host.domains) {
        if (d.equals("*")) {
          if (anyDomain == null) anyDomain = new Domain(d, Kind.ANY, host);
        } else if (d.startsWith("*")) {
          String key = d.substring(1);
          suffixes.computeIfAbsent(key.length(), k -> new LinkedHashMap<>())
              .putIfAbsent(key, new Domain(d, Kind.SUFFIX, host));
        } else if (d.endsWith("*")) {
          String key = d.substring(0, d.length() - 1);
          prefixes.computeIfAbsent(key.length(), k -> new LinkedHashMap<>())
              .putIfAbsent(key, new Domain(d, Kind.PREFIX, host));
        } else {
          exactMap.putIfAbsent(d, new Domain(d, Kind.EXACT, host));
        }
      }
    }
    exact = new HostTable<>(exactMap);
    suffixLengths = lengthsDescending(suffixes);
    suffixTables = tablesDescending(suffixes);
    prefixLengths = lengthsDescending(prefixes);
    prefixTables = tablesDescending(prefixes);
    any = anyDomain;
  }

  private static int[] lengthsDescending(TreeMap<Integer, Map<String, Domain>> byLength) {
    return byLength.descendingKeySet().stream().mapToInt(Integer::intValue).toArray();
  }

  @SuppressWarnings("unchecked")
  private static HostTable<Domain>[] tablesDescending(
      TreeMap<Integer, Map<String, Domain>> byLength) {
    List<HostTable<Domain>> out = new ArrayList<>();
    for (Map<String, Domain> m : byLength.descendingMap().values()) out.add(new HostTable<>(m));
    return out.toArray(new HostTable[0]);
  }

  /** The matching domain for the host {@code authority[0, hostEnd)}, or {@code null}. */
  Domain select(String authority, int hostEnd) {
    Domain d = exact.get(authority, 0, hostEnd);
    if (d != null) return d;
    for (int i = 0; i < suffixLengths.length; i++) {
      int len = suffixLengths[i];
      if (hostEnd > len) {
        d = suffixTables[i].get(authority, hostEnd - len, hostEnd);
        if (d != null) return d;
      }
    }
    for (int i = 0; i < prefixLengths.length; i++) {
      int len = prefixLengths[i];
      if (hostEnd > len) {
        d = prefixTables[i].get(authority, 0, len);
        if (d != null) return d;
      }
    }
    return any;
  }
}
