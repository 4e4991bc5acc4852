package io.mesh4j.servlet.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The dashboard page ({@code dashboard.html} next to this class): its bytes and a
 * Content-Security-Policy that allows exactly its one inline script and one inline style (by
 * SHA-256 hash), fetches to its own origin, and nothing else. Immutable; loaded once.
 */
final class Dashboard {
  static final byte[] HTML;
  static final String CSP;

  static {
    try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
      if (in == null) throw new IllegalStateException("dashboard.html is missing from the jar");
      HTML = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String page = new String(HTML, StandardCharsets.UTF_8);
    CSP = "default-src 'none'; "
        + "script-src '" + hashOf(page, "<script>", "</script>") + "'; "
        + "style-src '" + hashOf(page, "<style>", "</style>") + "'; "
        + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
        + "frame-ancestors 'none'";
  }

  private Dashboard() {}

  /** {@code sha256-<base64>} of the text between the only {@code open} and its {@code close}. */
  static String hashOf(String page, String open, String close) {
    int start = page.indexOf(open);
    int end = page.indexOf(close, start + 1);
    if (start < 0 || end < 0 || page.indexOf(open, start + 1) >= 0) {
      throw new IllegalStateException("dashboard.html must hold exactly one " + open + " element");
    }
    String body = page.substring(start + open.length(), end);
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
