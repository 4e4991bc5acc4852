package io.mesh4j.config;

/**
 * An endpoint address split into host and port. The host keeps its spelling; an IPv6 literal
 * loses its brackets. The port is only known to be 1 to 5 digits: its range and the host's syntax
 * are {@link ConfigValidator}'s to check.
 */
record HostPort(String host, int port) {

  /**
   * Splits {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException with a message of the form {@code "x" (expected: host:port)}
   */
  static HostPort parse(String address) {
    String host;
    String port;
    if (address.startsWith("[")) {
      int close = address.indexOf(']');
      if (close < 0 || close + 1 >= address.length() || address.charAt(close + 1) != ':') {
        throw bad(address, "[IPv6]:port");
      }
      host = address.substring(1, close);
      port = address.substring(close + 2);
    } else {
      int colon = address.lastIndexOf(':');
      if (colon < 0) throw bad(address, "host:port");
      host = address.substring(0, colon);
      port = address.substring(colon + 1);
      if (host.indexOf(':') >= 0) throw bad(address, "host:port, with an IPv6 host in [brackets]");
    }
    if (host.isEmpty()) throw bad(address, "host:port");
    int p = Checks.parsePort(port);
    if (p < 0) throw bad(address, "host:port with a port 1-65535");
    return new HostPort(host, p);
  }

  private static IllegalArgumentException bad(String address, String expected) {
    return new IllegalArgumentException(Checks.quote(address) + " (expected: " + expected + ")");
  }
}
