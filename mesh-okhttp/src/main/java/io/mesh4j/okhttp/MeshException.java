package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Failure;
import java.io.IOException;
import java.util.Objects;

/**
 * Why a mesh call failed without a response: the {@link Reason}, the cluster and route involved,
 * the transport failure of the last attempt, and whether the request may have reached a server.
 *
 * <p>An {@link IOException}, so {@code Call.execute()} throws it and {@code Call.enqueue()}
 * callers receive it in {@code Callback.onFailure}. The cause, when present, is the last
 * attempt's own exception (a {@code ConnectException}, a {@code StreamResetException}, ...).
 *
 * <pre>{@code
 * try {
 *   client.newCall(request).execute();
 * } catch (MeshException e) {
 *   if (!e.requestSent()) retryLater(request);   // safe even for a POST: no server saw it
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class MeshException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What stopped the call. */
  public enum Reason {
    /** A virtual host matched the request's authority but none of its routes matched. */
    NO_ROUTE("no-route"),
    /**
     * The request path has no safe canonical form ({@link io.mesh4j.route.RequestPath}: an escaped
     * slash, a control character, a {@code ..} above the root), or a rewrite produced a path
     * outside its target; nothing was sent.
     */
    INVALID_PATH("invalid-path"),
    /** The cluster has no endpoint that can take the request (all unhealthy, ejected or none). */
    NO_HEALTHY_ENDPOINT("no-healthy-endpoint"),
    /** The cluster's circuit breaker is open (or half-open with every probe taken). */
    CIRCUIT_OPEN("circuit-open"),
    /** {@code max_concurrent_requests} attempts to the cluster are already in flight. */
    CONCURRENCY_LIMIT("concurrency-limit"),
    /** The last attempt failed and the cluster's retry budget allowed no retry. */
    BUDGET_EXHAUSTED("budget-exhausted"),
    /** The overall {@code timeout} passed (covering every try and every wait between them). */
    TIMEOUT("timeout"),
    /**
     * The deadline of the inbound request being served when the call was made ({@code
     * propagate.deadline_headers}, the inbound route's {@code timeout}) passed, or left no time for
     * another try. When it had passed before the call, nothing was sent ({@link
     * MeshException#requestSent()} is false, {@link MeshException#attempts()} 0). Never retried.
     */
    DEADLINE_EXCEEDED("deadline-exceeded"),
    /** The caller cancelled the call. */
    CANCELLED("cancelled"),
    /**
     * The last attempt failed at the transport level ({@link MeshException#failure()}) and the
     * retry policy allowed no further try (not retriable, attempts used up, not idempotent).
     */
    UPSTREAM_FAILURE("upstream-failure"),
    /**
     * The cluster speaks TLS ({@code tls}) and the server's certificate was refused in the
     * handshake: its identity is not one {@code tls.verify} allows (a man-in-the-middle with a
     * certificate of the same CA, a misrouted endpoint), or the matched route's {@code verify}
     * refused the server of the connection the attempt was to use (checked before the request is
     * written; the message ends with {@code by route <virtual host>/<route>}). No request byte was
     * written. The refused endpoint is never tried again by the call; the cause is the handshake
     * exception (or, for a route's {@code verify}, an {@code SSLPeerUnverifiedException}), whose
     * cause chain holds an {@link io.mesh4j.identity.PeerIdentityException}.
     */
    PEER_IDENTITY_REFUSED("peer-identity-refused");

    private final String tag;

    Reason(String tag) {
      this.tag = tag;
    }

    /** A short, stable, lower-case name, fit for a metric tag. */
    public String tag() {
      return tag;
    }
  }

  private final Reason reason;
  private final String cluster;
  private final String route;
  private final boolean requestSent;
  private final Failure failure;
  private final int attempts;

  /**
   * @param reason why the call failed
   * @param cluster the cluster, or {@code null} when none was chosen
   * @param route the route ({@code virtual-host/name}), or {@code null}
   * @param requestSent whether any attempt may have reached a server
   * @param failure the last attempt's transport failure, {@link Failure#NONE} when there was none
   * @param attempts how many attempts were sent
   * @param detail extra words for the message, or {@code null}
   * @param cause the last attempt's exception, or {@code null}
   */
  public MeshException(
      Reason reason,
      String cluster,
      String route,
      boolean requestSent,
      Failure failure,
      int attempts,
      String detail,
      Throwable cause) {
    super(message(reason, cluster, route, requestSent, failure, attempts, detail), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.cluster = cluster;
    this.route = route;
    this.requestSent = requestSent;
    this.failure = Objects.requireNonNull(failure, "failure");
    this.attempts = attempts;
  }

  private static String message(
      Reason reason, String cluster, String route, boolean sent, Failure failure, int attempts,
      String detail) {
    StringBuilder b = new StringBuilder(128).append("mesh4j: ").append(reason.tag());
    if (detail != null) b.append(" (").append(detail).append(')');
    if (cluster != null) b.append(", cluster ").append(cluster);
    if (route != null) b.append(", route ").append(route);
    b.append(", ").append(attempts).append(attempts == 1 ? " attempt" : " attempts");
    if (failure != Failure.NONE) {
      b.append(", last failure ").append(failure.name().toLowerCase(java.util.Locale.ROOT));
    }
    b.append(sent ? ", the request may have reached a server" : ", the request was not sent");
    return b.toString();
  }

  /** Why the call failed. */
  public Reason reason() {
    return reason;
  }

  /** The cluster the call was routed to, or {@code null} (no route). */
  public String cluster() {
    return cluster;
  }

  /** The matched route as {@code virtual-host/name} ({@code implicit} for a cluster's implicit route), or {@code null}. */
  public String route() {
    return route;
  }

  /**
   * Whether the request may have reached a server. {@code false} is a certainty: no attempt wrote a
   * byte of the request (it failed to connect, was refused before sending, or none was made), so
   * the call is safe to repeat whatever its method.
   */
  public boolean requestSent() {
    return requestSent;
  }

  /** The last attempt's transport failure, {@link Failure#NONE} when no attempt failed that way. */
  public Failure failure() {
    return failure;
  }

  /** How many attempts were sent to endpoints (0 when none was). */
  public int attempts() {
    return attempts;
  }
}
