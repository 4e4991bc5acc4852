package io.mesh4j.servlet;

import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.internal.server.InboundPlan;
import io.mesh4j.route.PathRefusal;
import io.mesh4j.route.RequestPath;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The canonical path of a servlet request ({@link RequestPath} of the raw request URI, under the
 * snapshot's {@code path_normalization}), but only
 * when the container dispatches on that same path: the fully decoded canonical path must equal
 * the decoded context path + {@code getServletPath()} + {@code getPathInfo()}. When they differ
 * (the container normalizes something differently, merges or keeps slashes, decodes something
 * the mesh kept), the request is refused rather than decided on one path and served on another.
 * Allocation-free for a canonical path without escapes.
 */
final class DispatchPath {
  private DispatchPath() {}

  /**
   * The canonical path under {@code rules}, context path included, or {@code null}: the path is
   * refused ({@link #refusal}) or to be redirected ({@link RequestPath#redirect} of {@link
   * #raw}).
   */
  static String canonical(HttpServletRequest req, RequestPath rules) {
    String uri = raw(req);
    if (uri == null) return null;
    String path = rules.canonical(uri);
    if (path == null) return null;
    return dispatchedAs(req, path, rules) ? path : null;
  }

  /** Why {@link #canonical} refused {@code req}; for a request it returned {@code null} for. */
  static PathRefusal refusal(HttpServletRequest req, RequestPath rules) {
    String uri = raw(req);
    PathRefusal r = uri == null ? PathRefusal.NOT_ABSOLUTE : rules.refusal(uri);
    return r != null ? r : PathRefusal.DISPATCH_MISMATCH;
  }

  /** The path of the request URI as sent (absolute form reduced to its path), or {@code null}. */
  static String raw(HttpServletRequest req) {
    String uri = req.getRequestURI();
    if (uri == null || uri.isEmpty()) return null;
    return uri.charAt(0) != '/' ? pathOfAbsolute(uri) : uri;
  }

  private static boolean dispatchedAs(HttpServletRequest req, String path, RequestPath rules) {
    String ctx;
    String servletPath;
    String info;
    try {
      ctx = req.getContextPath();
      servletPath = req.getServletPath();
      info = req.getPathInfo();
    } catch (IllegalArgumentException e) {
      return false; // a container that cannot say what it dispatches on (an ambiguous URI)
    }
    // Kept %2F/%5C (keep_unchanged) stay escapes: a container that decodes them into separators
    // dispatches on other segments than the decision saw, and must not match.
    boolean keepSlashes = rules.config().escapedSlashes()
        == PathNormalizationConfig.EscapedSlashes.KEEP_UNCHANGED;
    String decoded = path.indexOf('%') < 0 ? path : decode(path, keepSlashes);
    if (decoded == null) return false;
    int at = 0;
    if (ctx != null && !ctx.isEmpty()) {
      String c = ctx.indexOf('%') < 0 ? ctx : decode(ctx, keepSlashes);
      if (c == null || !decoded.startsWith(c)) return false;
      at = c.length();
    }
    if (servletPath != null) {
      if (!decoded.startsWith(servletPath, at)) return false;
      at += servletPath.length();
    }
    if (info != null) {
      if (!decoded.startsWith(info, at)) return false;
      at += info.length();
    }
    if (at == decoded.length()) return true;
    // Only the root of a context may be dispatched with an empty servlet path and no path info.
    return at == decoded.length() - 1 && decoded.charAt(at) == '/' && isEmpty(servletPath)
        && info == null;
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  /** The path of an absolute-form URI ({@code http://host/a}), {@code "/"} when it has none. */
  private static String pathOfAbsolute(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) return uri;
    int slash = uri.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : uri.substring(slash);
  }

  /**
   * {@code s} with every escape decoded as UTF-8 ({@code %2F} and {@code %5C} left as they are
   * when {@code keepSlashes}); {@code null} for invalid UTF-8.
   */
  static String decode(String s, boolean keepSlashes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) return null;
        int b = hi << 4 | lo;
        if (keepSlashes && (b == '/' || b == '\\')) {
          out.write('%');
          out.write(Character.toUpperCase(s.charAt(i + 1)));
          out.write(Character.toUpperCase(s.charAt(i + 2)));
        } else {
          out.write(b);
        }
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Answers a request whose path {@link DispatchPath#canonical} did not accept: 307 to the
   * unescaped path under {@code unescape_and_redirect}, else 400 counted by reason.
   */
  static void refuse(HttpServletRequest req, HttpServletResponse res, InboundPlan p)
      throws IOException {
    String raw = DispatchPath.raw(req);
    String target = raw == null ? null : p.paths().redirect(raw);
    if (target != null) {
      String query = req.getQueryString();
      res.setStatus(307);
      res.setHeader("Location", query == null ? target : target + "?" + query);
      res.setContentLength(0);
      return;
    }
    p.pathRefused(DispatchPath.refusal(req, p.paths())).increment();
    Exchange.write(res, HttpServletResponse.SC_BAD_REQUEST, "invalid request path\n", Map.of());
  }

  /** {@code uri} without the request's context path. */
  static String withinContext(HttpServletRequest req, String uri) {
    String ctx = req.getContextPath();
    return ctx != null && !ctx.isEmpty() && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
  }
}
