package io.mesh4j.examples.boot.catalog;

import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog service; v1 and v2 are two instances of it with a different {@code catalog.version}.
 * Nothing here knows about mesh4j: its {@code catalog/mesh.yaml} makes the starter serve mutual TLS
 * only (the embedded server presents the catalog's SPIFFE certificate and requires the caller's)
 * and admit only the storefront; the container hands the verified client certificate to the
 * application as the standard servlet attribute.
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

    /** {@code GET /caller}: the URI SAN (SPIFFE ID) of the caller's TLS client certificate. */
    @GetMapping("/caller")
    String caller(HttpServletRequest request) throws CertificateParsingException {
      X509Certificate[] chain =
          (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      if (chain == null || chain[0].getSubjectAlternativeNames() == null) return "anonymous";
      for (List<?> san : chain[0].getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0))) return (String) san.get(1);   // 6: URI
      }
      return "anonymous";
    }
  }
}
