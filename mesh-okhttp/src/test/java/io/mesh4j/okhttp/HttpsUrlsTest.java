package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class HttpsUrlsTest {
  final HttpsUrls urls = new HttpsUrls();

  @Test
  void theHttpsFormKeepsEverythingButTheScheme() {
    assertThat(urls.of(HttpUrl.get("http://inventory/items/7")))
        .hasToString("https://inventory/items/7");
    assertThat(urls.of(HttpUrl.get("http://inventory:8080/a%20b/c")))
        .hasToString("https://inventory:8080/a%20b/c");
    assertThat(urls.of(HttpUrl.get("http://inventory/search?q=a+b&page=2")))
        .hasToString("https://inventory/search?q=a+b&page=2");
    HttpUrl https = HttpUrl.get("https://inventory/x");
    assertThat(urls.of(https)).isSameAs(https);
  }

  @Test
  void aRepeatedUrlIsBuiltOnceEvenFromAnotherInstance() {
    HttpUrl first = urls.of(HttpUrl.get("http://inventory/items"));
    assertThat(urls.of(HttpUrl.get("http://inventory/items"))).isSameAs(first);
    assertThat(urls.of(HttpUrl.get("http://inventory/items/"))).isNotSameAs(first)
        .hasToString("https://inventory/items/");
  }

  @Test
  void urlsWithAQueryAreNeverKept() {
    HttpUrl first = urls.of(HttpUrl.get("http://inventory/items?token=secret"));
    assertThat(urls.of(HttpUrl.get("http://inventory/items?token=secret"))).isNotSameAs(first)
        .isEqualTo(first);
  }

  @Test
  void moreUrlsThanSlotsStayCorrect() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < HttpsUrls.SLOTS * 4; i++) {
        assertThat(urls.of(HttpUrl.get("http://inventory/items/" + i)))
            .hasToString("https://inventory/items/" + i);
      }
    }
  }
}
