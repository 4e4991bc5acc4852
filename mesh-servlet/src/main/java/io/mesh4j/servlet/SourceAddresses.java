package io.mesh4j.servlet;

import io.mesh4j.config.Cidr;
import io.mesh4j.internal.server.InboundPlan;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/**
 * Resolves a request's source address from the socket peer and {@code X-Forwarded-For}.
 *
 * <p>The rule: when the peer is not in {@code trusted_proxies} (or none are configured), the
 * source is the peer and {@code X-Forwarded-For} is ignored. When it is, the header's entries
 * (every {@code X-Forwarded-For} line, in order, comma-separated) are walked from the right: each
 * entry that is itself a trusted proxy is skipped, and the first one that is not is the source.
 * When every entry is a trusted proxy, the left-most one is the source; when the header is absent
 * or empty, the peer is. An entry that is not an IP literal ({@code unknown}, a host name,
 * garbage) stops the walk: the source is then the last trusted address seen (the proxy that
 * reported the garbage), never the garbage. Entries may carry a port ({@code 1.2.3.4:5678},
 * {@code [::1]:80}), which is dropped; the result never has brackets.
 *
 * <p>Stateless and thread-safe; allocates only when the peer is a trusted proxy.
 */
final class SourceAddresses {
  static final String X_FORWARDED_FOR = "X-Forwarded-For";

  private SourceAddresses() {}

  /** The source for a request from {@code peer} carrying these {@code X-Forwarded-For} lines. */
  static String resolve(String peer, Enumeration<String> forwardedFor, Cidr[] trustedProxies) {
    if (trustedProxies.length == 0 || forwardedFor == null) return peer;
    byte[] peerBytes = Cidr.parseAddress(peer);
    if (!trusted(peerBytes, trustedProxies)) return peer;
    if (!forwardedFor.hasMoreElements()) return peer;
    String first = forwardedFor.nextElement();
    String all;
    if (!forwardedFor.hasMoreElements()) {
      all = first;
    } else {
      StringBuilder b = new StringBuilder(first);
      while (forwardedFor.hasMoreElements()) b.append(',').append(forwardedFor.nextElement());
      all = b.toString();
    }
    return walk(strip(peer), all, trustedProxies);
  }

  /** The walk over one comma-joined header value; {@code nearest} is the trusted peer. */
  static String walk(String nearest, String header, Cidr[] trustedProxies) {
    if (header == null) return nearest;
    int end = header.length();
    while (end > 0) {
      int comma = header.lastIndexOf(',', end - 1);
      String entry = header.substring(comma + 1, end).trim();
      end = comma < 0 ? 0 : comma;
      if (entry.isEmpty()) continue;
      String address = withoutPort(entry);
      byte[] bytes = address == null ? null : Cidr.parseAddress(address);
      if (bytes == null) return nearest;
      if (!trusted(bytes, trustedProxies)) return address;
      nearest = address;
    }
    return nearest;
  }

  /** Whether {@code address} (an IP literal, brackets allowed) is in {@code trustedProxies}. */
  static boolean isTrusted(String address, Cidr[] trustedProxies) {
    if (trustedProxies.length == 0 || address == null) return false;
    return trusted(Cidr.parseAddress(strip(address)), trustedProxies);
  }

  private static boolean trusted(byte[] address, Cidr[] trustedProxies) {
    if (address == null) return false;
    for (Cidr c : trustedProxies) {
      if (c.contains(address)) return true;
    }
    return false;
  }

  /**
   * The address of an entry: {@code [v6]} or {@code [v6]:port} unbracketed, {@code v4:port}
   * without the port, anything else as is; null when a bracket is not closed.
   */
  static String withoutPort(String entry) {
    if (entry.charAt(0) == '[') {
      int close = entry.indexOf(']');
      if (close < 0) return null;
      return entry.substring(1, close);
    }
    int colon = entry.indexOf(':');
    if (colon >= 0 && entry.indexOf(':', colon + 1) < 0) return entry.substring(0, colon);
    return entry;
  }

  /** A peer address without IPv6 brackets. */
  static String strip(String address) {
    if (address != null && address.length() > 1 && address.charAt(0) == '['
        && address.charAt(address.length() - 1) == ']') {
      return address.substring(1, address.length() - 1);
    }
    return address;
  }

  /**
   * The request's source address: the socket peer ({@code getRemoteAddr()}), unless the peer is
   * in {@code inbound.trusted_proxies}; then the right-most {@code X-Forwarded-For} entry that is
   * not itself a trusted proxy (every line of the header counts, in order; when all entries are
   * trusted proxies, the left-most; an entry that is not an IP literal stops the walk at the last
   * trusted address). A forged header from any other peer changes nothing.
   */
  static String of(HttpServletRequest req, InboundPlan p) {
    String peer = strip(req.getRemoteAddr());
    if (p.trustedProxies().length == 0) return peer;
    return resolve(peer, req.getHeaders(X_FORWARDED_FOR), p.trustedProxies());
  }
}
