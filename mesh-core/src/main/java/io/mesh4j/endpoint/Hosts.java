package io.mesh4j.endpoint;

/** Host string helpers. */
final class Hosts {
  private Hosts() {}

  /** Whether {@code host} is an IPv4 or IPv6 literal (so resolving it needs no DNS). */
  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) return true;
    int parts = 0;
    int value = -1;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (value < 0) return false;
        parts++;
        value = -1;
      } else if (c >= '0' && c <= '9') {
        value = value < 0 ? c - '0' : value * 10 + (c - '0');
        if (value > 255) return false;
      } else {
        return false;
      }
    }
    return value >= 0 && parts == 3;
  }
}
