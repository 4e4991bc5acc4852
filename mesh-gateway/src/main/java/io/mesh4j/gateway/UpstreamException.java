package io.mesh4j.gateway;

import io.mesh4j.endpoint.Failure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

/**
 * A Jetty client failure as the {@link IOException} the engine's transport SPI carries (Jetty
 * reports {@link Throwable}s: a {@link TimeoutException} for its timeouts, runtime exceptions for
 * some connect failures), and the rules that classify it:
 *
 * <ul>
 *   <li>{@link Failure#REFUSED_STREAM}: an HTTP/2 {@code RST_STREAM(REFUSED_STREAM)} (Jetty's
 *       failure names the error code {@code refused_stream_error}): the server did not process it
 *       (RFC 9113 §8.7);
 *   <li>{@link Failure#CONNECT_FAILURE}: the request never began ({@code onBegin} did not fire:
 *       no connection was obtained), or a connect-time exception (refused, no route, unresolved);
 *   <li>{@link Failure#TIMEOUT}: Jetty's idle timeout after the request began;
 *   <li>{@link Failure#RESET}: anything else once the request began (reset, closed, bad response):
 *       the server may have seen it.
 * </ul>
 *
 * The overall deadline is the request's total timeout ({@code Request.timeout}), whose {@link
 * TimeoutException} says {@code "Total timeout ..."}.
 */
final class UpstreamException extends IOException {
  private static final long serialVersionUID = 1L;

  private UpstreamException(Throwable cause) {
    super(cause.toString(), cause);
  }

  /** {@code t} as an IOException: itself when it is one, else wrapped. */
  static IOException of(Throwable t) {
    return t instanceof IOException io ? io : new UpstreamException(t);
  }

  private static Throwable root(IOException e) {
    return e instanceof UpstreamException && e.getCause() != null ? e.getCause() : e;
  }

  static Failure classify(IOException e, boolean requestLeft) {
    Throwable t = root(e);
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("refused_stream")) return Failure.REFUSED_STREAM;
      if (c.getCause() == c) break;
    }
    if (!requestLeft) return Failure.CONNECT_FAILURE;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof NoRouteToHostException
          || c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
        return Failure.CONNECT_FAILURE;
      }
      if (c.getCause() == c) break;
    }
    if (t instanceof TimeoutException) return Failure.TIMEOUT;
    return Failure.RESET;
  }

  /** Whether {@code e} is the attempt's total timeout: the time left before the deadline. */
  static boolean isDeadline(IOException e) {
    Throwable t = root(e);
    return t instanceof TimeoutException && t.getMessage() != null
        && t.getMessage().startsWith("Total timeout");
  }
}
