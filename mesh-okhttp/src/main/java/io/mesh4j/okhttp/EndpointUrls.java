package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Endpoint;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;

/**
 * The URL of an attempt addressed to its endpoint (when the attempt client cannot be steered to
 * the endpoint, see {@link EndpointTargeting}): the caller's URL with the endpoint's scheme, host
 * and port. The endpoint's part is made once per endpoint address and scheme and kept, so an
 * attempt does not canonicalize the endpoint's host again (OkHttp's {@code HttpUrl.Builder.host}
 * runs IDNA mapping on every call: about 3 µs, a tenth of a mesh call over an in-memory socket).
 *
 * <p>At most {@value #MAX_ENDPOINTS} addresses are kept; past that the cache starts over (only
 * slower, never wrong). Thread-safe.
 */
final class EndpointUrls {
  static final int MAX_ENDPOINTS = 4096;

  private static final ConcurrentHashMap<String, HttpUrl> HTTP = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, HttpUrl> HTTPS = new ConcurrentHashMap<>();

  private EndpointUrls() {}

  /**
   * {@code url} addressed to {@code endpoint}: its scheme ({@code https} when {@code https}, else
   * {@code url}'s), the endpoint's host and port, then {@code encodedPath}, and {@code url}'s user
   * info, query and fragment.
   */
  static HttpUrl at(Endpoint endpoint, HttpUrl url, boolean https, String encodedPath) {
    boolean secure = https || url.isHttps();
    HttpUrl.Builder b = base(endpoint, secure).newBuilder().encodedPath(encodedPath);
    if (!url.encodedUsername().isEmpty()) b.encodedUsername(url.encodedUsername());
    if (!url.encodedPassword().isEmpty()) b.encodedPassword(url.encodedPassword());
    String query = url.encodedQuery();
    if (query != null) b.encodedQuery(query);
    String fragment = url.encodedFragment();
    if (fragment != null) b.encodedFragment(fragment);
    return b.build();
  }

  /** {@code http(s)://host:port/} of {@code endpoint}, made once. */
  static HttpUrl base(Endpoint endpoint, boolean https) {
    ConcurrentHashMap<String, HttpUrl> cache = https ? HTTPS : HTTP;
    HttpUrl u = cache.get(endpoint.address());
    if (u != null) return u;
    if (cache.size() >= MAX_ENDPOINTS) cache.clear();
    return cache.computeIfAbsent(endpoint.address(), a -> new HttpUrl.Builder()
        .scheme(https ? "https" : "http").host(endpoint.host()).port(endpoint.port()).build());
  }
}
