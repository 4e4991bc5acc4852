package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.context.MeshContext;
import io.mesh4j.servlet.Forwarding;
import io.micrometer.core.instrument.Counter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.List;

/**
 * The request header lines a forwarded request sends upstream, the same for every transport:
 * the client's lines except the hop-by-hop ones, {@code Content-Length} (the transport sets it),
 * the client's {@code X-Forwarded-*} / {@code x-request-id} (replaced) and what edge hardening
 * drops (names with {@code _}, an untrusted peer's {@code Forwarded} / {@code X-Real-IP}, each
 * counted); then {@code X-Forwarded-For/-Proto/-Host} per the trusted-chain rule, the client's
 * {@code Host} and the request id. Stateless.
 */
final class ForwardHeaders {
  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_HOST = "X-Forwarded-Host";
  static final String FORWARDED = "Forwarded";
  static final String X_REAL_IP = "X-Real-IP";

  /** Where the header lines go, in order (each call one line; a name may repeat). */
  interface Sink {
    void add(String name, String value);
  }

  private ForwardHeaders() {}

  /** Writes the upstream header lines of {@code forwarding} to {@code sink}. */
  static void write(Forwarding forwarding, UnderscoreAction underscores, GatewayMeters meters,
      Sink sink) {
    HttpServletRequest req = forwarding.request();
    List<String> options = HopByHop.connectionOptions(req.getHeaders("Connection"));
    Enumeration<String> names = req.getHeaderNames();
    while (names.hasMoreElements()) {
      String name = names.nextElement();
      if (HopByHop.drop(name, options) || skipFromClient(name)) continue;
      Counter removed = removedBy(forwarding, underscores, meters, name);
      Enumeration<String> values = req.getHeaders(name);
      while (values.hasMoreElements()) {
        String value = values.nextElement();
        if (removed != null) {
          removed.increment();
        } else {
          sink.add(name, value);
        }
      }
    }
    forwardedHeaders(forwarding, sink);
    // The client's Host goes upstream (Envoy's default); the route's rewrite.host replaces it.
    String host = req.getHeader("Host");
    if (host != null) sink.add("Host", host);
    String id = forwarding.requestId();
    if (id != null) sink.add(MeshContext.REQUEST_ID, id);
  }

  /** The first request header name containing {@code _}, or {@code null}. */
  static String underscoreHeader(HttpServletRequest req) {
    Enumeration<String> names = req.getHeaderNames();
    while (names.hasMoreElements()) {
      String name = names.nextElement();
      if (name.indexOf('_') >= 0) return name;
    }
    return null;
  }

  /**
   * The counter a header line of {@code name} is dropped under, or {@code null} to forward it: a
   * name with {@code _} unless {@code allow}; {@code Forwarded} / {@code X-Real-IP} from a peer
   * that is not a trusted proxy (which could otherwise forge the client address they carry).
   */
  private static Counter removedBy(Forwarding forwarding, UnderscoreAction underscores,
      GatewayMeters meters, String name) {
    if (underscores != UnderscoreAction.ALLOW && name.indexOf('_') >= 0) {
      return meters.removedUnderscore;
    }
    if (!forwarding.peerTrusted()
        && (name.equalsIgnoreCase(FORWARDED) || name.equalsIgnoreCase(X_REAL_IP))) {
      return meters.removedUntrustedForwarded;
    }
    return null;
  }

  private static boolean skipFromClient(String name) {
    return name.equalsIgnoreCase("Host")
        || name.equalsIgnoreCase("Content-Length")
        || name.equalsIgnoreCase(X_FORWARDED_FOR)
        || name.equalsIgnoreCase(X_FORWARDED_PROTO)
        || name.equalsIgnoreCase(X_FORWARDED_HOST)
        || name.equalsIgnoreCase(MeshContext.REQUEST_ID);
  }

  /**
   * {@code X-Forwarded-For} / {@code -Proto} / {@code -Host}: from a trusted proxy the client's
   * chain is kept and the proxy's address appended; from anyone else the client's values are
   * dropped and replaced by what this hop saw.
   */
  private static void forwardedHeaders(Forwarding forwarding, Sink sink) {
    HttpServletRequest req = forwarding.request();
    String peer = forwarding.peerAddress();
    String chain = null;
    String proto = null;
    String host = null;
    if (forwarding.peerTrusted()) {
      chain = joined(req.getHeaders(X_FORWARDED_FOR));
      proto = req.getHeader(X_FORWARDED_PROTO);
      host = req.getHeader(X_FORWARDED_HOST);
    }
    String self = peer.indexOf(':') >= 0 ? "[" + peer + "]" : peer;
    sink.add(X_FORWARDED_FOR, chain == null || chain.isBlank() ? self : chain + ", " + self);
    sink.add(X_FORWARDED_PROTO, proto != null ? proto : req.getScheme());
    String clientHost = host != null ? host : req.getHeader("Host");
    if (clientHost != null) sink.add(X_FORWARDED_HOST, clientHost);
  }

  /** The lines of a header joined with {@code ", "}, or {@code null} when there is none. */
  static String joined(Enumeration<String> values) {
    if (values == null || !values.hasMoreElements()) return null;
    String first = values.nextElement();
    if (!values.hasMoreElements()) return first;
    StringBuilder s = new StringBuilder(first);
    while (values.hasMoreElements()) s.append(", ").append(values.nextElement());
    return s.toString();
  }
}
