package io.mesh4j.examples.boot.storefront;

import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The storefront: a plain Spring MVC service that calls {@code http://catalog/items} with Boot's
 * {@code RestClient.Builder}. Nothing here knows about mesh4j: the starter routes the call by
 * {@code storefront/mesh.yaml} (90% to catalog v1, 10% to catalog v2, over mutual TLS).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class StorefrontApplication {

  @RestController
  static class Shop {
    private final RestClient catalog;

    Shop(RestClient.Builder builder) {
      this.catalog = builder.baseUrl("http://catalog").build();
    }

    /** {@code GET /shop}: one catalog call. */
    @GetMapping("/shop")
    String shop() {
      return catalog.get().uri("/items").retrieve().body(String.class);
    }

    /** {@code GET /shop/caller}: who the catalog says called it (the storefront's SPIFFE ID). */
    @GetMapping("/shop/caller")
    String caller() {
      return catalog.get().uri("/caller").retrieve().body(String.class);
    }

    /** {@code GET /shop/sample?n=100}: {@code n} catalog calls, counted by the version that answered. */
    @GetMapping("/shop/sample")
    Map<String, Integer> sample(@RequestParam(defaultValue = "100") int n) {
      if (n < 1 || n > 10_000) throw new IllegalArgumentException("n: " + n + " (expected: 1-10000)");
      Map<String, Integer> seen = new TreeMap<>();
      for (int i = 0; i < n; i++) seen.merge(shop(), 1, Integer::sum);
      return seen;
    }
  }
}
