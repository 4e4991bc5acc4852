package io.mesh4j.route;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A {@link RequestView} for tests, built from a URL; headers compared case-insensitively. */
final class TestRequest implements RequestView {
  private String method = "GET";
  private String scheme;
  private String authority;
  private String path;
  private String query;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private String source;
  private String principal;

  private TestRequest() {}

  /** {@code scheme://authority/path?query}; an absent {@code ?} gives a null query. */
  static TestRequest get(String url) {
    TestRequest r = new TestRequest();
    int sep = url.indexOf("://");
    r.scheme = url.substring(0, sep);
    String rest = url.substring(sep + 3);
    int slash = rest.indexOf('/');
    if (slash < 0) slash = rest.length();
    r.authority = rest.substring(0, slash);
    String pathAndQuery = slash == rest.length() ? "/" : rest.substring(slash);
    int q = pathAndQuery.indexOf('?');
    r.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    r.query = q < 0 ? null : pathAndQuery.substring(q + 1);
    return r;
  }

  /** Every part given explicitly (nulls allowed), for odd requests. */
  static TestRequest raw(String method, String scheme, String authority, String path, String query) {
    TestRequest r = new TestRequest();
    r.method = method;
    r.scheme = scheme;
    r.authority = authority;
    r.path = path;
    r.query = query;
    return r;
  }

  TestRequest method(String m) {
    method = m;
    return this;
  }

  TestRequest header(String name, String value) {
    headers.put(name.toLowerCase(Locale.ROOT), value);
    return this;
  }

  TestRequest source(String s) {
    source = s;
    return this;
  }

  TestRequest principal(String p) {
    principal = p;
    return this;
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
    return name == null ? null : headers.get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public String sourceAddress() {
    return source;
  }

  @Override
  public String principal() {
    return principal;
  }

  @Override
  public String toString() {
    return method + " " + scheme + "://" + authority + path + (query == null ? "" : "?" + query)
        + " " + headers + " source=" + source + " principal=" + principal;
  }
}
