package io.mesh4j.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code /mesh/*} admin endpoints: off unless enabled, reachable only from
 * {@code allowFrom}; mutations and the config/explain reads also need a {@code Host} that is a
 * loopback literal, {@code localhost} or one of {@code allowedHosts} (host names, lower case,
 * without port or trailing dot), which defeats DNS rebinding. Immutable.
 */
public record AdminConfig(boolean enabled, List<Cidr> allowFrom, List<String> allowedHosts) {
  /** Disabled; loopback only if ever enabled. */
  public static final AdminConfig DISABLED =
      new AdminConfig(
          false, List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")), List.of());

  /**
   * @throws IllegalArgumentException naming {@code admin.allowed_hosts[i]} when an entry is empty
   *     or holds a port, a path or a wildcard
   */
  public AdminConfig {
    allowFrom = List.copyOf(allowFrom);
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < allowedHosts.size(); i++) {
      String h = allowedHosts.get(i);
      String n = h == null ? "" : normalizeHost(h);
      if (!isHostName(n)) {
        throw new IllegalArgumentException("admin.allowed_hosts[" + i + "]: \"" + h
            + "\" (expected: a host name or IP literal, without port)");
      }
      hosts.add(n);
    }
    allowedHosts = List.copyOf(hosts);
  }

  /** Whether {@code normalized} is a host name or bracketed IPv6 literal, without port. */
  static boolean isHostName(String normalized) {
    return normalized.matches("[a-z0-9][a-z0-9._-]*|\\[[0-9a-f:.]+\\]");
  }

  /** {@code host} lower case, without one trailing dot. */
  static String normalizeHost(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    return h.endsWith(".") && !h.endsWith("..") ? h.substring(0, h.length() - 1) : h;
  }
}
