package io.mesh4j.okhttp;

import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * OkHttp's request rules the mesh call applies itself, because it answers redirects before
 * OkHttp's own follow-up interceptor would see them: the follow-up request of a redirect (OkHttp's
 * {@code RetryAndFollowUpInterceptor} rules: method and body per status, credentials dropped
 * across hosts), and the authority spellings. Stateless.
 */
final class FollowUps {
  private FollowUps() {}

  /** The request to follow {@code response} with, or {@code null} to return it. */
  static Request next(boolean followRedirects, boolean followSslRedirects, Request request,
      Response response) {
    if (!followRedirects) return null;
    int code = response.code();
    if (code != 300 && code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
      return null;
    }
    String location = response.header("Location");
    if (location == null) return null;
    HttpUrl from = request.url();
    HttpUrl to = from.resolve(location);
    if (to == null) return null;
    if (!to.scheme().equals(from.scheme()) && !followSslRedirects) return null;
    Request.Builder b = request.newBuilder().url(to);
    String m = request.method();
    boolean hasBodyMethod = !m.equals("GET") && !m.equals("HEAD");
    if (hasBodyMethod) {
      boolean keepMethod = code == 307 || code == 308;
      if (keepMethod) {
        RequestBody body = request.body();
        if (body != null && body.isOneShot()) return null;
      } else {
        b.method("GET", null);
        b.removeHeader("Transfer-Encoding");
        b.removeHeader("Content-Length");
        b.removeHeader("Content-Type");
      }
    }
    if (!to.host().equals(from.host()) || to.port() != from.port()
        || !to.scheme().equals(from.scheme())) {
      b.removeHeader("Authorization");
      b.removeHeader("Host");
    }
    return b.build();
  }

  /** {@code host} or {@code host:port} (IPv6 in brackets), the port only when not the default. */
  static String authorityOf(HttpUrl url) {
    String host = url.host();
    boolean v6 = host.indexOf(':') >= 0;
    if (url.port() == HttpUrl.defaultPort(url.scheme())) return v6 ? "[" + host + "]" : host;
    return (v6 ? "[" + host + "]" : host) + ":" + url.port();
  }

  static boolean isUpperCase(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= 'a' && c <= 'z') return false;
    }
    return true;
  }

  static int hostEnd(String authority) {
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      return close < 0 ? authority.length() : close + 1;
    }
    int colon = authority.lastIndexOf(':');
    return colon < 0 ? authority.length() : colon;
  }
}
