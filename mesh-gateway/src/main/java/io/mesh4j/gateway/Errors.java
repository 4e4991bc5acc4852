package io.mesh4j.gateway;

import io.mesh4j.context.MeshContext;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers when no upstream response can be passed on: a short {@code
 * text/plain} body, {@code x-mesh-error: <reason>} and the request id. Stateless.
 */
final class Errors {
  static final String ERROR_HEADER = "x-mesh-error";

  private Errors() {}

  /** Writes (blocking) and flushes an answer of {@code status}. */
  static void write(HttpServletResponse res, Forwarding forwarding, int status, String reason,
      String text) throws IOException {
    byte[] bytes = (text + " (" + reason + ")\n").getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setHeader(ERROR_HEADER, reason);
    String id = forwarding.requestId();
    if (id != null) res.setHeader(MeshContext.REQUEST_ID, id);
    res.setContentType("text/plain;charset=utf-8");
    res.setContentLength(bytes.length);
    res.getOutputStream().write(bytes);
    res.flushBuffer();
  }

  /** The body text of a 502, 503 or 504. */
  static String message(int status) {
    return switch (status) {
      case 503 -> "upstream unavailable";
      case 504 -> "upstream timed out";
      default -> "bad gateway";
    };
  }
}
