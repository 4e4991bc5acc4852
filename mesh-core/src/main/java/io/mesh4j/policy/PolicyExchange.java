package io.mesh4j.policy;

import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;

/**
 * One request as a {@link RequestPolicy} sees it: the {@link RequestView} (whose {@link
 * #header} already reflects the header edits of earlier policies), where it was routed, and the
 * header edits it may make. The edits reach the request that goes on: the one sent to the endpoint
 * on the client side, the one the application sees on the server side. They do not re-route it.
 *
 * <p>Confined to the thread handling the request, except that {@link RequestPolicy#onComplete}
 * may run on another thread (an async servlet response completing); the calls never overlap.
 */
public interface PolicyExchange extends RequestView {

  /** {@code OUTBOUND} in the OkHttp client, {@code INBOUND} in the servlet filter. */
  RouteTable.Direction side();

  /** The matched virtual host's name; {@code null} for an implicit route or no route. */
  String virtualHost();

  /** The matched route's name; {@code null} for an implicit route or no route. */
  String route();

  /** The request id ({@code x-request-id}), or {@code null} when there is none. */
  String requestId();

  /** The mesh ticker's reading when the adapter began handling the request. */
  long startNanos();

  /**
   * Sets request header {@code name} to {@code value}, replacing every value it had.
   *
   * @throws IllegalArgumentException if the name or value is empty (name) or holds CR, LF or NUL
   * @throws IllegalStateException once the request went on (from {@code onComplete})
   */
  void setHeader(String name, String value);

  /**
   * Removes request header {@code name}.
   *
   * @throws IllegalArgumentException if the name is empty or holds CR, LF or NUL
   * @throws IllegalStateException once the request went on
   */
  void removeHeader(String name);
}
