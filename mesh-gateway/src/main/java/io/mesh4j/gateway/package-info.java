/**
 * Inbound forwarding: {@link io.mesh4j.gateway.MeshGateway} sends the requests of {@code
 * MeshFilter}'s inbound {@code to} / {@code split} routes on to their clusters through the
 * engine's attempt loop over Jetty 12's non-blocking HttpClient (or mesh-okhttp's client path,
 * {@link io.mesh4j.gateway.GatewayTransport}), streaming bodies both ways. Adding this module to an application is
 * enough: it registers itself with the filter through {@link java.util.ServiceLoader}. See {@code
 * docs/gateway.md}.
 */
package io.mesh4j.gateway;
