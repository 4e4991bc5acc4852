package io.mesh4j.examples.boot.catalog;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog service; v1 and v2 are two instances of it with a different {@code catalog.version}.
 * Its {@code catalog/mesh.yaml} only names the service: the starter's MeshFilter gives it the
 * health endpoint ({@code /mesh/health}), drain on shutdown and request ids.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class CatalogApplication {

  /** {@code GET /items}: which version answered. */
  @RestController
  static class Items {
    private final String version;

    Items(@Value("${catalog.version}") String version) {
      this.version = version;
    }

    @GetMapping("/items")
    String items() {
      return "catalog " + version;
    }
  }
}
