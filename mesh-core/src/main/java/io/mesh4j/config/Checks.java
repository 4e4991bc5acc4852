package io.mesh4j.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The single-value rules of the config format, shared by {@link ConfigValidator}, the loader and
 * {@link MeshConfigBuilder} so that each range and syntax is defined once. Each check returns
 * {@code null} when the value is acceptable, or a message naming the value and what was expected,
 * e.g. {@code 0 (expected: 1-10000)}. Stateless and thread-safe.
 */
final class Checks {
  static final int MAX_WEIGHT = 10_000;
  static final int MAX_ATTEMPTS = 10;
  static final int MAX_SLIDING_WINDOW = 100_000;
  static final String NAME_CHARS = "letters, digits and . _ - | :";
  static final String TOKEN_CHARS = "letters, digits and !#$%&'*+-.^_`|~";

  private Checks() {}

  // ---------------------------------------------------------------- describing values

  /** {@code s} as a double-quoted string with control characters escaped, shortened if long. */
  static String quote(String s) {
    if (s == null) return "null";
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 80) + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      if (sb.length() > 80) {
        sb.append("...");
        break;
      }
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.append('"').toString();
  }

  /**
   * {@code s} with control characters escaped ({@code \n}, {@code \u0000}), for messages that
   * embed text from elsewhere (a parser, {@link Cidr}) and must stay on one line.
   */
  static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != 0x7f) {
        if (sb != null) sb.append(c);
        continue;
      }
      if (sb == null) sb = new StringBuilder(s.length() + 8).append(s, 0, i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb == null ? s : sb.toString();
  }

  /** A number as written in config: {@code 0.1}, {@code 100}, {@code NaN}. */
  static String number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  // ---------------------------------------------------------------- numbers

  static String range(long v, long min, long max) {
    return v >= min && v <= max ? null : v + " (expected: " + min + "-" + max + ")";
  }

  static String atLeast(long v, long min) {
    return v >= min ? null : v + " (expected: >= " + min + ")";
  }

  static String percent(double v) {
    return v >= 0 && v <= 100 ? null : number(v) + " (expected: 0-100)";
  }

  static String port(int p) {
    return range(p, 1, 65535);
  }

  // ---------------------------------------------------------------- durations

  /** Non-negative, whole milliseconds, at most {@link DurationParser#MAX}. */
  static String nonNegative(Duration d) {
    if (d.isNegative()) return DurationParser.format(d) + " (expected: a duration >= 0)";
    if (d.compareTo(DurationParser.MAX) > 0) {
      return DurationParser.format(d)
          + " (expected: at most "
          + DurationParser.format(DurationParser.MAX)
          + ")";
    }
    if (d.getNano() % 1_000_000 != 0) {
      return DurationParser.format(d) + " (expected: a whole number of milliseconds)";
    }
    return null;
  }

  /** Like {@link #nonNegative} and not zero. */
  static String positive(Duration d) {
    String e = nonNegative(d);
    if (e != null) return e;
    return d.isZero() ? "0s (expected: a duration > 0)" : null;
  }

  // ---------------------------------------------------------------- names and syntax

  /** Cluster, virtual host and service names: {@code [A-Za-z0-9._\-|:]+}. */
  static String name(String s) {
    if (!s.isEmpty()) {
      boolean ok = true;
      for (int i = 0; i < s.length() && ok; i++) {
        char c = s.charAt(i);
        ok = isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '|' || c == ':';
      }
      if (ok) return null;
    }
    return quote(s) + " (expected: " + NAME_CHARS + ")";
  }

  /** An RFC 9110 token: header names and methods. */
  static boolean isToken(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isAlnum(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) return false;
    }
    return true;
  }

  /** A header name (a token), as used in {@code headers.add}, {@code remove}, propagate. */
  static String headerName(String s) {
    return isToken(s) ? null : quote(s) + " (expected: a header name: " + TOKEN_CHARS + ")";
  }

  /** A header name a route may match on: a token or one of the four pseudo-headers. */
  static String matchHeaderName(String s) {
    if (s.equals(":method") || s.equals(":path") || s.equals(":authority")
        || s.equals(":scheme")) {
      return null;
    }
    return isToken(s)
        ? null
        : quote(s)
            + " (expected: a header name: "
            + TOKEN_CHARS
            + ", or :method, :path, :authority, :scheme)";
  }

  /** Any string that ends up in an HTTP header: no CR, LF or NUL (header injection). */
  static String headerValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n' || c == '\0') return quote(s) + " (expected: no CR, LF or NUL)";
    }
    return null;
  }

  /** An HTTP method: an upper-case token. */
  static String method(String s) {
    if (!isToken(s)) return quote(s) + " (expected: an HTTP method such as GET)";
    for (int i = 0; i < s.length(); i++) {
      if (Character.isLowerCase(s.charAt(i))) return quote(s) + " (expected: upper case)";
    }
    return null;
  }

  /** A path or path prefix: starts with {@code /}; no query, fragment, CR, LF or NUL. */
  static String path(String s) {
    if (!s.startsWith("/")) return quote(s) + " (expected: a path starting with /)";
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '?' || c == '#') return quote(s) + " (expected: a path without ? or #)";
      if (c < 0x20 || c == 0x7f) return quote(s) + " (expected: no control characters)";
    }
    return null;
  }

  /**
   * A Unix socket address: {@code unix:///absolute/path} or {@code unix:/absolute/path}, nothing
   * else (no host, query or fragment); the rule of mesh-spiffe's {@code
   * WorkloadApiIdentitySource.Builder.socket}.
   */
  static String unixSocket(String s) {
    String expected = quote(s) + " (expected: unix:///absolute/path/to/socket)";
    java.net.URI uri;
    try {
      uri = new java.net.URI(s);
    } catch (java.net.URISyntaxException e) {
      return expected;
    }
    String path = uri.getPath();
    if (!"unix".equals(uri.getScheme()) || path == null || !path.startsWith("/")
        || path.length() < 2 || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())
        || uri.getQuery() != null || uri.getFragment() != null) {
      return expected;
    }
    return null;
  }

  /** One exact SPIFFE ID: {@code spiffe://trust-domain/path} (no wildcard, no spaces). */
  static String spiffeId(String s) {
    String rest = s.startsWith("spiffe://") ? s.substring(9) : null;
    if (rest == null || rest.isEmpty() || rest.startsWith("/") || rest.indexOf('*') >= 0
        || rest.indexOf(' ') >= 0 || headerValue(s) != null) {
      return quote(s) + " (expected: spiffe://trust-domain/path)";
    }
    return null;
  }

  /** Compiles {@code regex}; returns the compiled pattern's group count, or -1 when invalid. */
  static int groupCount(String regex) {
    try {
      return Pattern.compile(regex).matcher("").groupCount();
    } catch (PatternSyntaxException | StackOverflowError e) {
      return -1;
    }
  }

  /** A java.util.regex pattern that compiles. */
  static String regex(String regex) {
    try {
      Pattern.compile(regex);
      return null;
    } catch (StackOverflowError e) {
      // java.util.regex compiles recursively: absurd nesting must not take the caller down.
      return quote(regex) + " (expected: a valid regex; nested too deeply)";
    } catch (PatternSyntaxException e) {
      String where = e.getIndex() >= 0 ? " at index " + e.getIndex() : "";
      return quote(regex) + " (expected: a valid regex; " + e.getDescription() + where + ")";
    }
  }

  /**
   * A host name: a DNS name (labels of letters, digits, {@code _} and {@code -}, not starting or
   * ending with {@code -}, at most 63 characters each and 253 in all) or a dotted IPv4 literal.
   * A name made only of digits and dots must be a valid IPv4 literal.
   */
  static boolean isHostName(String s) {
    if (s.isEmpty() || s.length() > 253) return false;
    boolean digitsAndDots = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) digitsAndDots = false;
    }
    if (digitsAndDots) return Cidr.parseAddress(s) != null;
    int labelStart = 0;
    for (int i = 0; i <= s.length(); i++) {
      char c = i == s.length() ? '.' : s.charAt(i);
      if (c == '.') {
        int len = i - labelStart;
        if (len == 0 || len > 63) return false;
        if (s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') return false;
        labelStart = i + 1;
      } else if (!(isAlnum(c) || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  /** An IPv6 literal without brackets. */
  static boolean isIpv6(String s) {
    return s.indexOf(':') >= 0 && s.indexOf('[') < 0 && Cidr.parseAddress(s) != null;
  }

  /** An endpoint host: a host name, an IPv4 literal or an IPv6 literal without brackets. */
  static boolean isEndpointHost(String s) {
    return isIpv6(s) || isHostName(s);
  }

  /** A host in a URL or authority: a host name, an IPv4 literal or a bracketed IPv6 literal. */
  static boolean isUrlHost(String s) {
    if (s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
      return isIpv6(s.substring(1, s.length() - 1));
    }
    return isHostName(s);
  }

  /** {@code host} or {@code host:port}, with a bracketed IPv6 literal. */
  static String authority(String s) {
    String host = s;
    int colon = s.lastIndexOf(':');
    if (colon >= 0 && colon > s.lastIndexOf(']')) {
      host = s.substring(0, colon);
      String port = s.substring(colon + 1);
      int p = parsePort(port);
      if (p < 1 || p > 65535) return quote(s) + " (expected: host or host:port, port 1-65535)";
    }
    return isUrlHost(host)
        ? null
        : quote(s) + " (expected: host or host:port, with an IPv4, [IPv6] or DNS host)";
  }

  /** Parses 1 to 5 decimal digits; -1 if {@code s} is not that. */
  static int parsePort(String s) {
    if (s.isEmpty() || s.length() > 5) return -1;
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /**
   * A virtual host domain (already lower-cased): an exact host, {@code *.suffix},
   * {@code prefix.*} or {@code *}.
   */
  static String domain(String s) {
    boolean ok;
    if (s.equals("*")) {
      ok = true;
    } else if (s.startsWith("*.")) {
      ok = isHostName(s.substring(2));
    } else if (s.endsWith(".*")) {
      ok = isHostName(s.substring(0, s.length() - 2));
    } else {
      ok = isUrlHost(s);
    }
    return ok
        ? null
        : quote(s) + " (expected: a host name, *.suffix, prefix.* or *; no port)";
  }

  /** A peer principal pattern: exact, or ending with a single {@code *}. */
  static String principal(String s) {
    int star = s.indexOf('*');
    if (s.isEmpty() || (star >= 0 && star != s.length() - 1)) {
      return quote(s) + " (expected: an exact principal, or a prefix ending with *)";
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) return quote(s) + " (expected: no control characters)";
    }
    return null;
  }

  private static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
