package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/**
 * An attempt's URL made from the endpoint's cached base is exactly the URL OkHttp makes by setting
 * the endpoint's host and port on the caller's URL (what the interceptor did before the cache).
 */
class EndpointUrlsTest {
  private static final List<String> URLS = List.of(
      "http://svc/",
      "http://svc:8080/a/b?x=1&y=%20z#frag",
      "http://user:p%40ss@svc/a%2Fb/c/?",
      "https://svc/%E2%82%AC/x?q=%C3%A9&&",
      "http://svc/a/../b/./c//d?x",
      "http://svc/path%3Fnot-a-query",
      "https://user@svc:8443/");

  private static final List<Endpoint> ENDPOINTS = List.of(
      new Endpoint("c", "127.0.0.1", 9001, 1, (String) null),
      new Endpoint("c", "::1", 443, 1, (String) null),
      new Endpoint("c", "backend.internal", 80, 1, (String) null));

  @Test
  void sameUrlAsSettingHostAndPortOnTheCallersUrl() {
    for (String s : URLS) {
      HttpUrl url = HttpUrl.get(s);
      for (Endpoint e : ENDPOINTS) {
        for (boolean https : new boolean[] {false, true}) {
          HttpUrl.Builder expected = url.newBuilder().host(e.host()).port(e.port());
          if (https) expected.scheme("https").port(e.port());
          assertThat(EndpointUrls.at(e, url, https, url.encodedPath()))
              .as("%s to %s (https %s)", s, e.address(), https)
              .isEqualTo(expected.build());
        }
      }
    }
  }

  @Test
  void rewrittenPathReplacesTheCallersPathOnly() {
    HttpUrl url = HttpUrl.get("http://svc/old/path?x=1#f");
    Endpoint e = ENDPOINTS.get(0);
    HttpUrl at = EndpointUrls.at(e, url, false, "/new/p%20ath");
    assertThat(at.toString()).isEqualTo("http://127.0.0.1:9001/new/p%20ath?x=1#f");
  }

  @Test
  void theBaseIsMadeOncePerAddressAndScheme() {
    Endpoint e = ENDPOINTS.get(2);
    assertThat(EndpointUrls.base(e, false)).isSameAs(EndpointUrls.base(e, false));
    assertThat(EndpointUrls.base(e, true).toString()).isEqualTo("https://backend.internal:80/");
    assertThat(EndpointUrls.base(new Endpoint("other", "backend.internal", 80, 3, (String) null),
        false)).isSameAs(EndpointUrls.base(e, false));
  }
}
