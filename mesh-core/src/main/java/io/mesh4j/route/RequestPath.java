package io.mesh4j.route;

import io.mesh4j.config.PathNormalizationConfig;
import java.util.Objects;

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
 * <p>These are the defaults ({@link PathNormalizationConfig#DEFAULT}). The config's {@code
 * path_normalization} changes three of them, as Envoy's options of the same names do, but never
 * below a floor: {@code normalize_path: false} keeps the path as sent and <em>refuses</em> a path
 * with a dot segment or an escaped unreserved character instead of passing it (a container or
 * upstream would resolve it after the decision); {@code merge_slashes: false} keeps empty
 * segments; {@code path_with_escaped_slashes_action} keeps {@code %2F}/{@code %5C} as escapes,
 * refuses them (default), or unescapes them to {@code /} and then either answers a redirect
 * ({@link #redirect}) or goes on. Control characters, backslashes, malformed escapes and a climb
 * above the root are refused under every option. Case is never folded.
 *
 * <p>Cost: an already-canonical path is scanned once and returned as the same instance (no
 * allocation); only a path that needs changing is copied.
 */
public final class RequestPath {
  /** The defaults: {@link PathNormalizationConfig#DEFAULT}. */
  public static final RequestPath DEFAULT = new RequestPath(PathNormalizationConfig.DEFAULT);

  private final PathNormalizationConfig config;
  private final boolean normalize;
  private final boolean merge;
  private final PathNormalizationConfig.EscapedSlashes escapedSlashes;

  private RequestPath(PathNormalizationConfig config) {
    this.config = config;
    this.normalize = config.normalizePath();
    this.merge = config.mergeSlashes();
    this.escapedSlashes = config.escapedSlashes();
  }

  /** The rules {@code config} describes ({@link #DEFAULT} for the defaults). */
  public static RequestPath of(PathNormalizationConfig config) {
    Objects.requireNonNull(config, "config");
    return config.equals(PathNormalizationConfig.DEFAULT) ? DEFAULT : new RequestPath(config);
  }

  /** The options these rules apply. */
  public PathNormalizationConfig config() {
    return config;
  }

  /**
   * The canonical form of {@code raw} (a path as sent on the wire, without the query), the same
   * instance when it already is canonical, or {@code null} when the path is not accepted: it is
   * refused ({@link #refusal} says why) or, under {@code unescape_and_redirect}, to be redirected
   * ({@link #redirect}). Never throws.
   */
  public String canonical(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') return null;
    int n = raw.length();
    char prev = 0;
    for (int i = 0; i < n; i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == ';' || c == '\\' || c < 0x20 || c == 0x7f) return accepted(raw, false);
      if (c == '/' && prev == '/') return accepted(raw, false);
      if (c == '.' && prev == '/' && isDotSegment(raw, i)) return accepted(raw, false);
      prev = c;
    }
    return raw;
  }

  /**
   * The path to send upstream for {@code raw}: {@link #canonical} but with the path parameters of
   * the segments that remain ({@code /a;v=1/b} stays {@code /a;v=1/b}; {@code /a;x/../b} is
   * {@code /b}), so a parameter-aware upstream (a {@code jsessionid}, matrix parameters) keeps
   * working while its path without parameters is exactly the path the decision was made on.
   * Parameters of empty and dot segments are dropped with the segment. {@code null} exactly when
   * {@link #canonical} is; the same instance when nothing changes.
   */
  public String forwarded(String raw) {
    String c = canonical(raw);
    if (c == null || raw.indexOf(';') < 0) return c;
    return accepted(raw, true);
  }

  /**
   * Why {@code raw} is refused, or {@code null} when it is accepted or to be redirected. Meant for
   * the rare path {@link #canonical} returned {@code null} for: it normalizes again.
   */
  public PathRefusal refusal(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') return PathRefusal.NOT_ABSOLUTE;
    Object r = normalize(raw, false);
    return r instanceof PathRefusal p ? p : null;
  }

  /**
   * Under {@code path_with_escaped_slashes_action: unescape_and_redirect}, the path (path
   * parameters kept, without the query) to answer a 307 redirect to when {@code raw} holds
   * {@code %2F} or {@code %5C}; {@code null} otherwise. Never starts with {@code //} (that is
   * {@link PathRefusal#UNSAFE_REDIRECT}).
   */
  public String redirect(String raw) {
    if (escapedSlashes != PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_REDIRECT
        || raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return null;
    }
    Object r = normalize(raw, true);
    return r instanceof Redirect d ? d.path : null;
  }

  /**
   * {@code request} as the adapters route it: the same request with {@link #canonical} as its
   * path ({@code request} itself when its path already is canonical), or {@code null} when the
   * path is not accepted. For tools that describe requests (explain, simulate); the adapters
   * compute the canonical path in their own views.
   */
  public RequestView canonicalView(RequestView request) {
    String raw = request.path();
    String c = canonical(raw);
    if (c == null) return null;
    return c.equals(raw) ? request : new CanonicalView(request, c);
  }

  /** {@code request} with its path replaced by the canonical one. */
  private record CanonicalView(RequestView request, String path) implements RequestView {
    @Override
    public String method() {
      return request.method();
    }

    @Override
    public String scheme() {
      return request.scheme();
    }

    @Override
    public String authority() {
      return request.authority();
    }

    @Override
    public String query() {
      return request.query();
    }

    @Override
    public String header(String name) {
      return request.header(name);
    }

    @Override
    public String sourceAddress() {
      return request.sourceAddress();
    }

    @Override
    public String principal() {
      return request.principal();
    }
  }

  /** Whether the segment starting at {@code i} is {@code .} or {@code ..}. */
  private static boolean isDotSegment(String s, int i) {
    int end = s.indexOf('/', i);
    if (end < 0) end = s.length();
    int len = end - i;
    return len == 1 || (len == 2 && s.charAt(i + 1) == '.');
  }

  private String accepted(String raw, boolean keepParameters) {
    Object r = normalize(raw, keepParameters);
    return r instanceof String s ? s : null;
  }

  /** A redirect target ({@code unescape_and_redirect}). */
  private record Redirect(String path) {}

  /** The normalized path (a String), a {@link PathRefusal}, or a {@link Redirect}. */
  private Object normalize(String raw, boolean keepParameters) {
    boolean unescaped = false;
    // 1. Decode unreserved escapes, refuse the dangerous ones, upper-case the others.
    StringBuilder decoded = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\\') return PathRefusal.BACKSLASH;
      if (c < 0x20 || c == 0x7f) return PathRefusal.CONTROL_CHARACTER;
      if (c != '%') {
        decoded.append(c);
        continue;
      }
      if (i + 2 >= raw.length()) return PathRefusal.MALFORMED_ESCAPE;
      int hi = Character.digit(raw.charAt(i + 1), 16);
      int lo = Character.digit(raw.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) return PathRefusal.MALFORMED_ESCAPE;
      int b = hi << 4 | lo;
      if (b < 0x20 || b == 0x7f) return PathRefusal.CONTROL_CHARACTER;
      if (b == '/' || b == '\\') {
        switch (escapedSlashes) {
          case REJECT_REQUEST -> {
            return PathRefusal.ESCAPED_SLASH;
          }
          case KEEP_UNCHANGED -> decoded.append(b == '/' ? "%2F" : "%5C");
          default -> {
            decoded.append('/');
            unescaped = true;
          }
        }
      } else if (isUnreserved(b)) {
        if (!normalize) return PathRefusal.ESCAPED_UNRESERVED;
        decoded.append((char) b);
      } else {
        decoded.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
            .append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    // 2. Walk the segments: drop parameters, empty segments and dot segments.
    boolean redirect = unescaped
        && escapedSlashes == PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_REDIRECT;
    boolean keep = keepParameters || redirect;
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
        if (last) {
          trailingSlash = true;
        } else if (!merge) {
          // An empty segment kept; a parameter on it ("/;x/") goes with it when forwarding.
          out.append('/').append(decoded, i, keep ? end : segEnd);
        }
      } else if (len == 1 && decoded.charAt(i) == '.') {
        if (!normalize) return PathRefusal.DOT_SEGMENT;
        trailingSlash = last;
      } else if (len == 2 && decoded.charAt(i) == '.' && decoded.charAt(i + 1) == '.') {
        if (!normalize) return PathRefusal.DOT_SEGMENT;
        int cut = out.lastIndexOf("/");
        if (cut < 0) return PathRefusal.ABOVE_ROOT;
        out.setLength(cut);
        trailingSlash = last;
      } else {
        out.append('/').append(decoded, i, keep ? end : segEnd);
        trailingSlash = false;
      }
      i = end + 1;
    }
    if (out.length() == 0 || trailingSlash) out.append('/');
    String result = out.toString();
    if (redirect) {
      return result.startsWith("//") ? PathRefusal.UNSAFE_REDIRECT : new Redirect(result);
    }
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
