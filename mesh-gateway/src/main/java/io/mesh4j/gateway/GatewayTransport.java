package io.mesh4j.gateway;

/**
 * The HTTP client a {@link MeshGateway} forwards requests with, chosen with {@link
 * MeshGateway.Builder#transport}. Both run the same engine (mesh-core's attempt loop: picker,
 * retries and their idempotency rules, retry budget, circuit breaker, outlier reporting, the same
 * {@code mesh.client.*} metrics) and forward the same request and response; they differ in how
 * bytes move and which threads move them. {@code Upgrade} (WebSocket) requests always go through
 * OkHttp, whose {@code 101} hands back the upstream socket, and so do the requests of a route
 * with a {@code mirror} (mesh-okhttp sends the shadow copy).
 */
public enum GatewayTransport {
  /**
   * Jetty 12's non-blocking {@code HttpClient} (the default): in async mode no thread is held or
   * handed off per request; the request body is pulled from the servlet input by a read listener
   * as the upstream connection can take it, and the response body pushed to the servlet output by
   * a write listener as the client can take it. One connection pool per endpoint per cluster, sized
   * from {@code circuit_breaker.max_concurrent_requests}; HTTP/1.1 or h2c ({@link
   * UpstreamProtocol}). Request trailers and GET/HEAD bodies are forwarded.
   */
  JETTY,
  /**
   * OkHttp through mesh-okhttp's client path: a forwarded call holds one OkHttp dispatcher thread
   * while in flight (blocking streams); the client is the caller's ({@link
   * MeshGateway.Builder#client}) or one the gateway makes. GET/HEAD bodies and request trailers are
   * not forwarded (OkHttp cannot send them).
   */
  OKHTTP
}
