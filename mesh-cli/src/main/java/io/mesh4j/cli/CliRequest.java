package io.mesh4j.cli;

import io.mesh4j.route.RequestView;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request described on the command line: method, URL, {@code -H} headers, {@code --source}. */
final class CliRequest implements RequestView {
  private final String method;
  private final String scheme;
  private final String authority;
  private final String path;
  private final String query;
  private final Map<String, String> headers;
  private final String source;

  private CliRequest(
      String method, String scheme, String authority, String path, String query,
      Map<String, String> headers, String source) {
    this.method = method;
    this.scheme = scheme;
    this.authority = authority;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.source = source;
  }

  /**
   * Parses the request.
   *
   * @throws UsageException naming the bad argument
   */
  static CliRequest parse(String method, String url, List<String> headerArgs, String source) {
    if (!method.chars().allMatch(c -> c > 32 && c < 127 && Character.isLetter(c))) {
      throw new UsageException("METHOD: '" + method + "' is not an HTTP method");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new UsageException("URL: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw new UsageException("URL: '" + url + "' must start with http:// or https://");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw new UsageException("URL: '" + url + "' has no host");
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty()) path = "/";
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : headerArgs) {
      int colon = h.indexOf(':');
      if (colon <= 0) throw new UsageException("-H: '" + h + "' must look like 'Name: value'");
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      if (name.isEmpty() || !name.chars().allMatch(CliRequest::isTokenChar)) {
        throw new UsageException("-H: '" + h + "' has an invalid header name");
      }
      headers.putIfAbsent(name, value);
    }
    if (source != null && io.mesh4j.config.Cidr.parseAddress(source) == null) {
      throw new UsageException("--source: '" + source + "' is not an IP address");
    }
    return new CliRequest(
        method.toUpperCase(Locale.ROOT), scheme.toLowerCase(Locale.ROOT), authority, path,
        uri.getRawQuery(), headers, source);
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
}
