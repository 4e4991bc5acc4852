package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which POSTs count as sent by a page of another origin (and are refused with 403). */
class AdminOriginTest {

  static HttpServletRequest request(String scheme, String host, String origin, String site) {
    Map<String, String> headers = new java.util.HashMap<>();
    if (!host.isEmpty()) headers.put("host", host);
    if (!origin.isEmpty()) headers.put("origin", origin);
    if (!site.isEmpty()) headers.put("sec-fetch-site", site);
    return (HttpServletRequest) Proxy.newProxyInstance(
        AdminOriginTest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getHeader")) return headers.get(((String) args[0]).toLowerCase());
          if (method.getName().equals("getScheme")) return scheme;
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @ParameterizedTest(name = "{0}://{1}, Origin {2}, Sec-Fetch-Site {3} -> cross-origin {4}")
  @CsvSource({
    // request scheme, Host, Origin, Sec-Fetch-Site, refused
    "http, 127.0.0.1:8080, '', '', false",                        // curl: neither header
    "http, 127.0.0.1:8080, http://127.0.0.1:8080, '', false",
    "http, 127.0.0.1:8080, http://127.0.0.1:8080, same-origin, false",
    "http, 127.0.0.1:8080, '', none, false",                      // typed into the address bar
    "http, admin.local, http://admin.local, '', false",           // default port on both sides
    "http, admin.local:80, http://ADMIN.local, '', false",
    "https, admin.local:443, https://admin.local, '', false",
    "http, [::1]:8080, http://[::1]:8080, '', false",
    "http, 127.0.0.1:8080, http://127.0.0.1:8081, '', true",
    "http, 127.0.0.1:8080, http://evil.example, '', true",
    "http, admin.local, https://admin.local, '', true",           // another scheme
    "http, 127.0.0.1:8080, null, '', true",                       // sandboxed or opaque origins
    "http, 127.0.0.1:8080, '%%%', '', true",
    "http, '', http://127.0.0.1:8080, '', true",                  // no Host to compare with
    "http, 127.0.0.1:8080, '', cross-site, true",
    "http, 127.0.0.1:8080, '', same-site, true",                  // another port of the same host
    "http, 127.0.0.1:8080, http://127.0.0.1:8080, cross-site, true",
    "https, admin.local, https://admin.local, '', false",
    "https, admin.local, http://admin.local:443, '', true"  // scheme differs, same port
  })
  void crossOrigin(String scheme, String host, String origin, String site, boolean refused) {
    assertThat(MeshAdmin.crossOrigin(request(scheme, host, origin, site))).isEqualTo(refused);
  }
}
