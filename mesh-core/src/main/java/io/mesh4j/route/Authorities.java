package io.mesh4j.route;

/** Parsing helpers for the request authority ({@code host[:port]}); none of them allocates. */
final class Authorities {
  private Authorities() {}

  /**
   * The end (exclusive) of the host part of {@code authority}: the port is left out. An IPv6
   * literal keeps its brackets ({@code [::1]:8080} gives {@code [::1]}); an unbracketed value with
   * more than one colon is taken as a bare IPv6 literal with no port. One trailing dot of a host
   * name is left out too ({@code blocked.example.:8080} gives {@code blocked.example}): the
   * fully-qualified spelling names the same host, and a container treats it so, so a virtual
   * host's rules must not be skipped by it. Case is folded by the lookups themselves.
   */
  static int hostEnd(String authority) {
    int n = authority.length();
    if (n > 0 && authority.charAt(0) == '[') {
      int close = authority.indexOf(']');
      return close < 0 ? n : close + 1;
    }
    int colon = authority.indexOf(':');
    int end;
    if (colon < 0) {
      end = n;
    } else if (authority.indexOf(':', colon + 1) >= 0) {
      return n;
    } else {
      end = colon;
    }
    return end > 1 && authority.charAt(end - 1) == '.' && authority.charAt(end - 2) != '.'
        ? end - 1 : end;
  }

  /**
   * Whether {@code authority} holds only characters of a host name, an IP literal and a port, so
   * it can be echoed into a Location header without changing which host the URL names (no
   * {@code @}, {@code /}, {@code \}, {@code ?}, {@code #}, spaces or controls).
   */
  static boolean isSafe(String authority) {
    if (authority.isEmpty()) return false;
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_' || c == '~' || c == ':' || c == '[' || c == ']'
          || c == '%';
      if (!ok) return false;
    }
    return true;
  }
}
