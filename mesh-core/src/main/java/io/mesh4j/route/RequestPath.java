package io.mesh4j.route;

/**
 * The canonical form of a request path: the one spelling every decision (route match, authz, rate
 * limit, explain, metrics) is made on and the one that is forwarded, on both sides.
 *
 * <p>Design note. A filter that decides on one spelling of a path while the container (or an
 * upstream, or the HTTP client building the upstream URL) acts on another can be bypassed by
 * spelling alone: {@code /public/../internal/x}, {@code /internal;x=1/y}, {@code /%69nternal/x}
 * (the class of Envoy CVE-2019-9901 and CVE-2021-29492). So the path is canonicalised once, and
 * anything whose meaning differs between common servers is refused instead of guessed:
 *
 * <ol>
 *   <li>Percent-escapes of unreserved characters ({@code A-Z a-z 0-9 - . _ ~}, RFC 3986 §2.3) are
 *       decoded; every other escape is kept with upper-case hex ({@code %2f} is {@code %2F}).
 *   <li>An escaped slash or backslash ({@code %2F}, {@code %5C}), an escaped or raw control
 *       character ({@code %00}-{@code %1F}, {@code %7F}), a raw backslash, a malformed escape and a
 *       path not starting with {@code /} are rejected (Envoy's {@code
 *       path_with_escaped_slashes_action: REJECT_REQUEST}; Tomcat and Jetty disagree on them).
 *   <li>Path parameters ({@code ;} to the end of a segment, as in {@code ;jsessionid=1}) are
 *       removed for every decision (Tomcat and Jetty dispatch on the path without them, and
 *       {@code /internal;x/y} must be {@code /internal/y}); a segment is a dot segment by its
 *       name alone ({@code ..;x} is {@code ..}, as Tomcat resolves it). What is forwarded is
 *       {@link #forwarded}: the same segments with the parameters of the surviving ones kept, so
 *       the upstream's path-without-parameters is exactly the decided path. An escaped {@code %3B}
 *       is data and stays.
 *   <li>Empty segments are merged ({@code //a} is {@code /a}, Envoy's {@code merge_slashes}).
 *   <li>Dot segments are removed (RFC 3986 §5.2.4, Envoy's {@code normalize_path}); a {@code ..}
 *       that would climb above the root is rejected rather than clamped.
 * </ol>
 *
 * <p>These are all on and cannot be turned off: they are the floor (Istio's {@code BASE}
 * normalization plus merged slashes and refused escaped slashes, which Istio calls {@code
 * MERGE_SLASHES} / {@code DECODE_AND_MERGE_SLASHES}). Case is never folded.
 *
 * <p>Cost: an already-canonical path is scanned once and returned as the same instance (no
 * allocation); only a path that needs changing is copied.
 */
public final class RequestPath {
  private RequestPath() {}

  /**
   * The canonical form of {@code raw} (a path as sent on the wire, without the query), the same
   * instance when it already is canonical, or {@code null} when the path must be rejected (answer
   * 400).
   */
  public static String canonical(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') return null;
    int n = raw.length();
    char prev = 0;
    for (int i = 0; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == ';' || c == '\\' || c < 0x20 || c == 0x7f) return slow(raw);
      if (c == '/' && prev == '/') return slow(raw);
      if (c == '.' && prev == '/' && isDotSegment(raw, i)) return slow(raw);
      prev = c;
    }
    return raw;
  }

  /** Whether the segment starting at {@code i} is {@code .} or {@code ..}. */
  private static boolean isDotSegment(String s, int i) {
    int end = s.indexOf('/', i);
    if (end < 0) end = s.length();
    int len = end - i;
    return len == 1 || (len == 2 && s.charAt(i + 1) == '.');
  }

  /**
   * The path to send upstream for {@code raw}: {@link #canonical} but with the path parameters of
   * the segments that remain ({@code /a;v=1/b} stays {@code /a;v=1/b}; {@code /a;x/../b} is
   * {@code /b}), so a parameter-aware upstream (a {@code jsessionid}, matrix parameters) keeps
   * working while its path without parameters is exactly the path the decision was made on.
   * Parameters of empty and dot segments are dropped with the segment. {@code null} exactly when
   * {@link #canonical} is; the same instance when nothing changes.
   */
  public static String forwarded(String raw) {
    String c = canonical(raw);
    if (c == null || raw.indexOf(';') < 0) return c;
    return slow(raw, true);
  }

  private static String slow(String raw) {
    return slow(raw, false);
  }

  private static String slow(String raw, boolean keepParameters) {
    // 1. Decode unreserved escapes, refuse the dangerous ones, upper-case the others.
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\' || c < 0x20 || c == 0x7f) return null;
      if (c != '%') {
        decoded.append(c);
        continue;
      }
      if (i + 2 >= raw.length()) return null;
      int hi = Character.digit(raw.charAt(i + 1), 16);
      int lo = Character.digit(raw.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) return null;
      int b = hi << 4 | lo;
      if (b == '/' || b == '\\' || b < 0x20 || b == 0x7f) return null;
      if (isUnreserved(b)) {
        decoded.append((char) b);
      } else {
        decoded.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
            .append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    // 2. Walk the segments: drop parameters, empty segments and dot segments.
    StringBuilder out = new StringBuilder(decoded.length());
    int n = decoded.length();
    int i = 1; // decoded.charAt(0) == '/'
    boolean trailingSlash = false;
    while (i <= n) {
      int end = i;
      while (end < n && decoded.charAt(end) != '/') end++;
      int segEnd = end;
      for (int k = i; k < end; k++) {
        if (decoded.charAt(k) == ';') {
          segEnd = k;
          break;
        }
      }
      int len = segEnd - i;
      boolean last = end >= n;
      if (len == 0) {
        if (last) trailingSlash = true;
        // (a parameter on an empty segment, "/;x/", goes with the segment)
      } else if (len == 1 && decoded.charAt(i) == '.') {
        trailingSlash = last;
      } else if (len == 2 && decoded.charAt(i) == '.' && decoded.charAt(i + 1) == '.') {
        int cut = out.lastIndexOf("/");
        if (cut < 0) return null; // climbs above the root
        out.setLength(cut);
        trailingSlash = last;
      } else {
        out.append('/').append(decoded, i, keepParameters ? end : segEnd);
        trailingSlash = false;
      }
      i = end + 1;
    }
    if (out.length() == 0 || trailingSlash) out.append('/');
    String result = out.toString();
    return result.equals(raw) ? raw : result;
  }

  private static boolean isUnreserved(int b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
        || b == '-' || b == '.' || b == '_' || b == '~';
  }

  /**
   * Whether {@code path} is {@code prefix} or lies under it as whole segments: {@code /a} and
   * {@code /a/} both contain {@code /a}, {@code /a/b}, not {@code /ab}. Used to check that a
   * rewritten path stays inside the rewrite's target.
   */
  public static boolean isWithin(String path, String prefix) {
    int end = prefix.length();
    while (end > 0 && prefix.charAt(end - 1) == '/') end--;
    if (end == 0) return path.startsWith("/");
    if (!path.regionMatches(0, prefix, 0, end)) return false;
    return path.length() == end || path.charAt(end) == '/';
  }
}
