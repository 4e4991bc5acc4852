package io.mesh4j.gateway;

/**
 * The protocol the {@link GatewayTransport#JETTY Jetty transport} speaks to upstream endpoints,
 * chosen with {@link MeshGateway.Builder#upstreamProtocol}. Plain text either way (like the
 * client's cluster calls); whatever protocol the client used towards the gateway.
 */
public enum UpstreamProtocol {
  /**
   * HTTP/1.1 (the default): one request per connection at a time, so each endpoint's pool holds up
   * to the cluster's {@code circuit_breaker.max_concurrent_requests} connections.
   */
  HTTP_1_1,
  /**
   * HTTP/2 over cleartext with prior knowledge (h2c, RFC 9113 §3.3): requests are multiplexed as
   * streams, a new connection is opened only when the open ones are at the upstream's {@code
   * SETTINGS_MAX_CONCURRENT_STREAMS}. Every endpoint of every cluster must speak h2c. Needs {@code
   * org.eclipse.jetty.http2:jetty-http2-client-transport} on the class path (an optional
   * dependency of mesh-gateway).
   */
  H2C
}
