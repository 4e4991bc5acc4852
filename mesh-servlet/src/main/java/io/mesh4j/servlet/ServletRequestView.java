package io.mesh4j.servlet;

import io.mesh4j.route.RequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/**
 * A {@link RequestView} over an {@link HttpServletRequest}, without copying: the path is the
 * canonical request path ({@link io.mesh4j.route.RequestPath}, context path included, computed
 * once by {@link DispatchPath}), the authority the {@code Host}
 * header (else server name and port), the source the address {@link SourceAddresses} resolved,
 * and the principal the client certificate's identity ({@link PeerIdentities}), computed on
 * first use. Used on the request's thread only.
 */
final class ServletRequestView implements RequestView {
  private final HttpServletRequest request;
  private final String path;
  private final String source;
  private final PeerIdentities identities;
  private String principal;
  private boolean principalResolved;

  ServletRequestView(
      HttpServletRequest request, String path, String source, PeerIdentities identities) {
    this.request = request;
    this.path = path;
    this.source = source;
    this.identities = identities;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String scheme() {
    return request.getScheme();
  }

  @Override
  public String authority() {
    String host = request.getHeader("host");
    if (host != null && !host.isEmpty()) return host;
    String name = request.getServerName();
    if (name == null) return null;
    int port = request.getServerPort();
    boolean defaultPort = port <= 0
        || (port == 80 && "http".equalsIgnoreCase(request.getScheme()))
        || (port == 443 && "https".equalsIgnoreCase(request.getScheme()));
    if (defaultPort) return name;
    boolean v6 = name.indexOf(':') >= 0 && name.charAt(0) != '[';
    return (v6 ? "[" + name + "]" : name) + ":" + port;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return request.getQueryString();
  }

  @Override
  public String header(String name) {
    // Envoy's rule for a repeated header (RequestView#header): all lines joined with ",".
    // getHeader first: an absent header (most conditions' common case) then costs no
    // Enumeration. The servlet API has no "more than one line?" test, so a present header is
    // enumerated to find a second line (see docs/servlet.md).
    String first = request.getHeader(name);
    if (first == null) return null;
    Enumeration<String> lines = request.getHeaders(name);
    if (lines == null || !lines.hasMoreElements()) return first;
    String value = lines.nextElement();
    while (lines.hasMoreElements()) value = RequestView.join(value, lines.nextElement());
    return value;
  }

  @Override
  public String sourceAddress() {
    return source;
  }

  @Override
  public String principal() {
    if (!principalResolved) {
      principal = identities.principal(request.getAttribute(PeerIdentities.CERTIFICATES_ATTRIBUTE));
      principalResolved = true;
    }
    return principal;
  }
}
