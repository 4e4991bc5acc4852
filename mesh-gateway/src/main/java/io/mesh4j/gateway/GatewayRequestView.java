package io.mesh4j.gateway;

import io.mesh4j.route.RequestView;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/**
 * The {@link RequestView} the attempt loop's pickers see for a forwarded request (a {@code hash_on}
 * header or cookie, the source address): the servlet request, on the canonical path the route was
 * decided on. Reads the request lazily; not thread-safe (read by the loop's steps, one at a time).
 */
final class GatewayRequestView implements RequestView {
  private final Forwarding forwarding;
  private final HttpServletRequest req;
  private final String path;

  GatewayRequestView(Forwarding forwarding, String canonicalPath) {
    this.forwarding = forwarding;
    this.req = forwarding.request();
    this.path = canonicalPath;
  }

  @Override
  public String method() {
    return req.getMethod();
  }

  @Override
  public String scheme() {
    return req.getScheme();
  }

  @Override
  public String authority() {
    String host = req.getHeader("Host");
    return host != null ? host : forwarding.cluster();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return req.getQueryString();
  }

  @Override
  public String header(String name) {
    Enumeration<String> values = req.getHeaders(name);
    if (values == null || !values.hasMoreElements()) return null;
    String joined = values.nextElement();
    while (values.hasMoreElements()) joined = RequestView.join(joined, values.nextElement());
    return joined;
  }

  @Override
  public String sourceAddress() {
    return forwarding.sourceAddress();
  }
}
