package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Failure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;

/**
 * Classifies the exception of a failed attempt into a {@link Failure}. The caller handles the
 * cases it knows better first (the caller cancelled; the per-try timer fired; the overall deadline
 * passed, see {@link #isCallTimeout}); what remains is decided here:
 *
 * <ul>
 *   <li>{@link Failure#REFUSED_STREAM}: HTTP/2 {@code RST_STREAM(REFUSED_STREAM)} (also what OkHttp
 *       reports for streams above a {@code GOAWAY}'s last stream id), or a connection already shut
 *       down when the stream was to be opened. RFC 9113 §8.7: the server did not process it.
 *   <li>{@link Failure#CONNECT_FAILURE}: the failure happened before the first byte of the request
 *       was written ({@code requestHeadersStart} never fired for the attempt): DNS, TCP connect,
 *       connect timeout, TLS handshake. The request certainly never left.
 *   <li>{@link Failure#TIMEOUT}: a socket read or write timed out after the request started.
 *   <li>{@link Failure#RESET}: anything else once the request started (connection reset or closed,
 *       unexpected end of stream, other stream resets, protocol errors). The server may have seen
 *       the request: it is not safe to replay a non-idempotent one.
 * </ul>
 *
 * <p>OkHttp's HTTP/2 exception types are not part of its API ({@code okhttp3.internal}), so they are
 * recognised by what they show: the reset's message names its error code, and the shutdown
 * exception by its class name. {@code FailuresTest} pins both to the OkHttp version in use.
 */
final class Failures {
  /** The message of OkHttp's {@code StreamResetException} for {@code RST_STREAM(REFUSED_STREAM)}. */
  static final String REFUSED_STREAM = "stream was reset: REFUSED_STREAM";
  /** The simple name of OkHttp's exception for a stream opened on a connection shutting down. */
  static final String CONNECTION_SHUTDOWN = "ConnectionShutdownException";

  private Failures() {}

  static Failure classify(IOException e, boolean requestStarted) {
    if (REFUSED_STREAM.equals(e.getMessage())
        || CONNECTION_SHUTDOWN.equals(e.getClass().getSimpleName())) {
      return Failure.REFUSED_STREAM;
    }
    if (!requestStarted) return Failure.CONNECT_FAILURE;
    if (e instanceof SocketTimeoutException) return Failure.TIMEOUT;
    return Failure.RESET;
  }

  /**
   * Whether {@code e} is OkHttp's call timeout ({@code Call.timeout()}, which the client sets to
   * the time left before the overall deadline): the {@code InterruptedIOException("timeout")}
   * OkHttp throws when that timeout cancels the call (not a socket timeout, not an interrupt).
   */
  static boolean isCallTimeout(IOException e) {
    return e instanceof InterruptedIOException
        && !(e instanceof SocketTimeoutException)
        && "timeout".equals(e.getMessage());
  }
}
