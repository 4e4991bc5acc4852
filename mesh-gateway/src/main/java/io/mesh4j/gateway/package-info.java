/**
 * Inbound forwarding: {@link io.mesh4j.gateway.MeshGateway} sends the requests of {@code
 * MeshFilter}'s inbound {@code to} / {@code split} routes on to their clusters through the
 * mesh-okhttp client path, streaming bodies both ways. Adding this module to an application is
 * enough: it registers itself with the filter through {@link java.util.ServiceLoader}. See {@code
 * docs/gateway.md}.
 */
package io.mesh4j.gateway;
