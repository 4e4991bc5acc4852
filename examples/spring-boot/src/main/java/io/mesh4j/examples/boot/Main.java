package io.mesh4j.examples.boot;

import io.mesh4j.examples.boot.catalog.CatalogApplication;
import io.mesh4j.examples.boot.storefront.StorefrontApplication;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the example on 127.0.0.1: catalog v1 (port 18181), catalog v2 (18182) and the storefront
 * (18180), each a Spring Boot application with mesh4j-spring-boot-starter. The storefront calls the
 * catalog over mutual TLS with SPIFFE identities from a throw-away PKI made at startup ({@link
 * DemoPki}); the catalogs accept nothing else.
 *
 * <pre>
 * java -jar examples/spring-boot/target/mesh4j-spring-boot-example.jar
 * curl http://127.0.0.1:18180/shop/sample?n=100     # {"catalog v1":90,"catalog v2":10}
 * curl http://127.0.0.1:18180/shop/caller           # spiffe://example.mesh4j.io/ns/shop/sa/storefront
 * </pre>
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    List<ConfigurableApplicationContext> apps = start(18180, 18181, 18182, "classpath:storefront/mesh.yaml");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> apps.forEach(ConfigurableApplicationContext::close)));
    System.out.println("storefront: curl http://127.0.0.1:18180/shop/sample?n=100");
    System.out.println("            curl http://127.0.0.1:18180/shop/caller");
  }

  /**
   * Starts the three services with identities from a new {@link DemoPki}; the storefront reads its
   * mesh config from {@code storefrontConfig} (its clusters must point at the two catalog ports).
   *
   * @return the contexts, storefront last; close them to stop
   */
  public static List<ConfigurableApplicationContext> start(
      int storefrontPort, int v1Port, int v2Port, String storefrontConfig) {
    Path pki = DemoPki.generate("storefront", "catalog");
    ConfigurableApplicationContext v1 = catalog("v1", v1Port, pki);
    ConfigurableApplicationContext v2 = catalog("v2", v2Port, pki);
    ConfigurableApplicationContext storefront = new SpringApplicationBuilder(StorefrontApplication.class)
        .sources(DemoIdentity.class)
        .properties(common(storefrontPort))
        .properties(Map.of("example.pki-dir", pki.toString(), "example.identity", "storefront"))
        .properties(Map.of("mesh4j.config", storefrontConfig, "spring.application.name", "storefront"))
        .run();
    return List.of(v1, v2, storefront);
  }

  private static ConfigurableApplicationContext catalog(String version, int port, Path pki) {
    return new SpringApplicationBuilder(CatalogApplication.class)
        .sources(DemoIdentity.class)
        .properties(common(port))
        .properties(Map.of("example.pki-dir", pki.toString(), "example.identity", "catalog"))
        .properties(Map.of("catalog.version", version, "mesh4j.config", "classpath:catalog/mesh.yaml",
            "spring.application.name", "catalog-" + version))
        .run();
  }

  private static Map<String, Object> common(int port) {
    return Map.of("server.port", port, "server.address", "127.0.0.1", "spring.main.banner-mode", "off",
        "management.endpoints.web.exposure.include", "health,mesh");
  }
}
