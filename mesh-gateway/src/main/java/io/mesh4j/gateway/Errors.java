package io.mesh4j.gateway;

import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers when no upstream response can be passed on: which status ({@link
 * #status}), a short {@code text/plain} body, {@code x-mesh-error: <reason>} and the request id.
 * The same for both transports. Stateless.
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

  /**
   * The status answering a forward that ended without a response: 504 for a timeout (the route's,
   * or the deadline the request arrived with); 503 when no endpoint could take the request (none
   * healthy, circuit open, concurrency limit, or the last try could not connect); 502 otherwise
   * (reset, bad response).
   */
  static int status(MeshException e) {
    switch (e.reason()) {
      case TIMEOUT:
      case DEADLINE_EXCEEDED:
        return 504;
      case NO_HEALTHY_ENDPOINT:
      case CIRCUIT_OPEN:
      case CONCURRENCY_LIMIT:
        return 503;
      default:
        Failure f = e.failure();
        if (f == Failure.TIMEOUT) return 504;
        if (f == Failure.CONNECT_FAILURE || f == Failure.REFUSED_STREAM) return 503;
        return 502;
    }
  }
}
