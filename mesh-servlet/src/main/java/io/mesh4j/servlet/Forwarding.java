package io.mesh4j.servlet;

import io.mesh4j.config.Cidr;
import io.mesh4j.internal.server.Outcome;
import io.mesh4j.context.MeshContext;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.Route;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * One inbound request that {@link MeshFilter} hands to an {@link InboundForwarder}: the servlet
 * request and response, the matched inbound route, the cluster its action chose, and what the
 * filter resolved about the client (source address, whether the socket peer is a trusted proxy,
 * the request id).
 *
 * <p>Created by the filter only. Thread-safe: the forwarder may finish the request on any thread;
 * {@link #done(int)} records the outcome at most once.
 */
public final class Forwarding {
  static final String ABORT_ATTRIBUTE = Forwarding.class.getName() + ".abort";

  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final Route route;
  private final String cluster;
  private final String sourceAddress;
  private final String peer;
  private final boolean peerTrusted;
  private final Exchange exchange;
  private final RequestPath paths;

  Forwarding(
      HttpServletRequest request, HttpServletResponse response, Route route, String cluster,
      String sourceAddress, String peer, Cidr[] trustedProxies, Exchange exchange,
      RequestPath paths) {
    this.paths = paths;
    this.request = request;
    this.response = response;
    this.route = route;
    this.cluster = cluster;
    this.sourceAddress = sourceAddress;
    this.peer = peer;
    this.peerTrusted = SourceAddresses.isTrusted(peer, trustedProxies);
    this.exchange = exchange;
  }

  /** The container's request (not wrapped: the route's {@code headers} are the forwarder's job). */
  public HttpServletRequest request() {
    return request;
  }

  /**
   * The path a forwarder must send upstream, byte for byte: {@link RequestPath#forwarded} (under
   * the snapshot's {@code path_normalization}) of the request URI (context path included), whose form without path parameters is exactly the
   * canonical path the route was chosen on.
   */
  public String path() {
    String raw = DispatchPath.raw(request);
    String p = raw == null ? null : paths.forwarded(raw);
    if (p != null) return p;
    Object decided = request.getAttribute(MeshFilter.PATH_ATTRIBUTE);
    return decided instanceof String s ? s : "/";
  }

  /** The container's response. */
  public HttpServletResponse response() {
    return response;
  }

  /** The matched inbound route; its action is a {@code to} or {@code split}. */
  public Route route() {
    return route;
  }

  /** The cluster to send the request to (a split's pick for this request); never {@code null}. */
  public String cluster() {
    return cluster;
  }

  /**
   * The client's address as the filter resolved it (the socket peer, or the client named by a
   * trusted proxy's {@code X-Forwarded-For}); an IP literal without brackets.
   */
  public String sourceAddress() {
    return sourceAddress;
  }

  /** The socket peer's address (without IPv6 brackets). */
  public String peerAddress() {
    return peer;
  }

  /**
   * Whether the socket peer is in {@code inbound.trusted_proxies}: only then may the request's own
   * {@code X-Forwarded-*} headers be kept and appended to; otherwise they are the client's claims.
   */
  public boolean peerTrusted() {
    return peerTrusted;
  }

  /** The request's {@code x-request-id} (the client's when valid, else the one the filter made), or {@code null}. */
  public String requestId() {
    return exchange.context().requestId();
  }

  /** The request's mesh context (propagated headers, request id). */
  public MeshContext context() {
    return exchange.context();
  }

  /**
   * Puts the request in async mode ({@link HttpServletRequest#startAsync()}) with no container
   * timeout (the route's {@code timeout} bounds the forwarding), so the container thread can
   * return; the forwarder then calls {@link AsyncContext#complete()} when done. Only when {@link
   * HttpServletRequest#isAsyncSupported()}.
   *
   * @throws IllegalStateException when the request does not support async
   */
  public AsyncContext startAsync() {
    AsyncContext async = request.startAsync(request, response);
    async.setTimeout(0);
    return async;
  }

  /**
   * Ends an async forwarding whose response broke after it was committed (the upstream body was
   * cut): the client must see a broken response, not a short one that looks complete, and the
   * Servlet API has no portable abort. So this redispatches the request ({@link
   * AsyncContext#dispatch()}) and the filter fails that dispatch with {@code cause}, which makes
   * the container close the connection. Requires the filter mapped for the {@code ASYNC}
   * dispatcher type (as documented); call instead of {@link AsyncContext#complete()}.
   */
  public void abort(AsyncContext async, IOException cause) {
    request.setAttribute(ABORT_ATTRIBUTE, cause);
    async.dispatch();
  }

  /**
   * Records the outcome ({@code mesh.server.requests}, outcome {@code forward}) with the status
   * sent to the client; only the first call counts. Returns whether this call recorded it.
   */
  public boolean done(int status) {
    return exchange.record(Outcome.FORWARD, status);
  }

  /**
   * Records the outcome as an error (the client went away, or writing the response failed after
   * it was committed); only the first of {@link #done} / {@code failed} counts.
   */
  public boolean failed(int status) {
    return exchange.record(Outcome.ERROR, status);
  }
}
