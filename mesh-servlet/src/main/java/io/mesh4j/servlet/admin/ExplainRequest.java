package io.mesh4j.servlet.admin;

import io.mesh4j.config.Cidr;
import io.mesh4j.route.RequestView;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request {@code /mesh/explain} asks about, built from its query parameters: {@code method},
 * {@code url}, repeated {@code header=Name: value}, {@code source} and {@code principal}. Immutable.
 */
final class ExplainRequest implements RequestView {
  private final String method;
  private final String scheme;
  private final String authority;
  private final String path;
  private final String query;
  private final Map<String, String> headers;
  private final String source;
  private final String principal;

  private ExplainRequest(
      String method, String scheme, String authority, String path, String query,
      Map<String, String> headers, String source, String principal) {
    this.method = method;
    this.scheme = scheme;
    this.authority = authority;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.source = source;
    this.principal = principal;
  }

  /**
   * Parses the parameters.
   *
   * @param method {@code null} means {@code GET}
   * @throws IllegalArgumentException with a message naming the bad parameter
   */
  static ExplainRequest parse(
      String method, String url, List<String> headerParams, String source, String principal) {
    String m = method == null || method.isEmpty() ? "GET" : method;
    if (!m.chars().allMatch(c -> c < 127 && Character.isLetter(c)) || m.length() > 32) {
      throw new IllegalArgumentException("method: not an HTTP method");
    }
    if (url == null || url.isEmpty()) {
      throw new IllegalArgumentException("url: missing (expected: an absolute URL such as http://inventory/api/items)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("url: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new IllegalArgumentException("url: must start with http:// or https://");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) throw new IllegalArgumentException("url: has no host");
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) path = "/";
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : headerParams) {
      int colon = h.indexOf(':');
      String name = colon <= 0 ? "" : h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty() || !name.chars().allMatch(ExplainRequest::isTokenChar)) {
        throw new IllegalArgumentException("header: expected 'Name: value'");
      }
      headers.putIfAbsent(name, h.substring(colon + 1).trim());
    }
    if (source != null && !source.isEmpty() && Cidr.parseAddress(source) == null) {
      throw new IllegalArgumentException("source: not an IP address");
    }
    return new ExplainRequest(
        m.toUpperCase(Locale.ROOT), scheme.toLowerCase(Locale.ROOT), authority, path,
        uri.getRawQuery(), headers, source == null || source.isEmpty() ? null : source,
        principal == null || principal.isEmpty() ? null : principal);
  }

  private static boolean isTokenChar(int c) {
    return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String scheme() {
    return scheme;
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public String sourceAddress() {
    return source;
  }

  @Override
  public String principal() {
    return principal;
  }
}
