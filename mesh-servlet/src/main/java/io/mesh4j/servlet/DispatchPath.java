package io.mesh4j.servlet;

import io.mesh4j.route.RequestPath;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The canonical path of a servlet request ({@link RequestPath} of the raw request URI), but only
 * when the container dispatches on that same path: the fully decoded canonical path must equal
 * the decoded context path + {@code getServletPath()} + {@code getPathInfo()}. When they differ
 * (the container normalizes something differently, merges or keeps slashes, decodes something
 * the mesh kept), the request is refused rather than decided on one path and served on another.
 * Allocation-free for a canonical path without escapes.
 */
final class DispatchPath {
  private DispatchPath() {}

  /** The canonical path, context path included, or {@code null}: answer 400. */
  static String canonical(HttpServletRequest req) {
    String uri = req.getRequestURI();
    if (uri == null || uri.isEmpty()) return null;
    if (uri.charAt(0) != '/') uri = pathOfAbsolute(uri);
    String path = RequestPath.canonical(uri);
    if (path == null) return null;
    String ctx = req.getContextPath();
    String servletPath = req.getServletPath();
    String info = req.getPathInfo();
    String decoded = path.indexOf('%') < 0 ? path : decode(path);
    if (decoded == null) return null;
    int at = 0;
    if (ctx != null && !ctx.isEmpty()) {
      String c = ctx.indexOf('%') < 0 ? ctx : decode(ctx);
      if (c == null || !decoded.startsWith(c)) return null;
      at = c.length();
    }
    if (servletPath != null) {
      if (!decoded.startsWith(servletPath, at)) return null;
      at += servletPath.length();
    }
    if (info != null) {
      if (!decoded.startsWith(info, at)) return null;
      at += info.length();
    }
    if (at == decoded.length()) return path;
    // Only the root of a context may be dispatched with an empty servlet path and no path info.
    return at == decoded.length() - 1 && decoded.charAt(at) == '/' && isEmpty(servletPath)
        && info == null ? path : null;
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

  /** {@code s} with every escape decoded as UTF-8; {@code null} for invalid UTF-8. */
  static String decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) return null;
        out.write(hi << 4 | lo);
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
}
