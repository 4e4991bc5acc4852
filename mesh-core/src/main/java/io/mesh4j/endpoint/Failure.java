package io.mesh4j.endpoint;

/**
 * Why an attempt produced no HTTP response, as reported with its outcome. {@link #NONE} when a
 * response (of any status) arrived.
 */
public enum Failure {
  /** A response arrived; its status tells the rest. */
  NONE,
  /** The connection could not be established: the request certainly never left. */
  CONNECT_FAILURE,
  /** HTTP/2 REFUSED_STREAM: the server did not process the request. */
  REFUSED_STREAM,
  /** The connection was reset or closed before a complete response. */
  RESET,
  /** The attempt's deadline passed before a response. */
  TIMEOUT,
  /** The caller cancelled the call. */
  CANCELLED,
  /** Anything else (a local error). */
  OTHER;

  /** Whether the request certainly never reached a server (safe to retry even when not idempotent). */
  public boolean neverSent() {
    return this == CONNECT_FAILURE || this == REFUSED_STREAM;
  }
}
