package io.mesh4j.route;

import io.mesh4j.config.Cidr;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request described in words rather than received: a method, an absolute URL, {@code Name:
 * value} header lines, a source address and a principal. What {@code mesh4j explain}/{@code
 * simulate} and the admin's {@code /mesh/explain} route. Immutable and thread-safe.
 *
 * <p>Parsing rejects bad input with an {@link IllegalArgumentException} whose message starts with
 * the part at fault ({@code method:}, {@code url:}, {@code header:}, {@code source:}) and quotes
 * the rejected value, so each caller can name its own parameter.
 */
public final class DescribedRequest implements RequestView {
  private final String method;
  private final String scheme;
  private final String authority;
  private final String path;
  private final String query;
  private final Map<String, String> headers;
  private final String source;
  private final String principal;

  private DescribedRequest(
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
   * Parses a described request.
   *
   * @param method {@code null} or empty means {@code GET}
   * @param headerLines {@code Name: value} lines; a repeated name's values are joined with {@code
   *     ","} ({@link RequestView#header})
   * @param source an IP literal, or {@code null}/empty for unknown
   * @param principal the peer identity, or {@code null}/empty for none
   * @throws IllegalArgumentException with a message naming the bad part and value
   */
  public static DescribedRequest parse(
      String method, String url, List<String> headerLines, String source, String principal) {
    String m = method == null || method.isEmpty() ? "GET" : method;
    if (!m.chars().allMatch(c -> c < 127 && Character.isLetter(c)) || m.length() > 32) {
      throw new IllegalArgumentException("method: '" + m + "' is not an HTTP method");
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
      throw new IllegalArgumentException("url: '" + url + "' must start with http:// or https://");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) throw new IllegalArgumentException("url: '" + url + "' has no host");
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) path = "/";
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : headerLines) {
      int colon = h.indexOf(':');
      String name = colon <= 0 ? "" : h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      if (colon <= 0) {
        throw new IllegalArgumentException("header: '" + h + "' must look like 'Name: value'");
      }
      if (name.isEmpty() || !name.chars().allMatch(DescribedRequest::isTokenChar)) {
        throw new IllegalArgumentException("header: '" + h + "' has an invalid header name");
      }
      headers.merge(name, h.substring(colon + 1).trim(), RequestView::join);
    }
    if (source != null && !source.isEmpty() && Cidr.parseAddress(source) == null) {
      throw new IllegalArgumentException("source: '" + source + "' is not an IP address");
    }
    return new DescribedRequest(
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
