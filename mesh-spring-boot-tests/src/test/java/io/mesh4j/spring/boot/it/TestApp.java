package io.mesh4j.spring.boot.it;

import io.mesh4j.identity.SubjectNames;
import io.mesh4j.spring.boot.NoMesh;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The application under test: Spring MVC, Spring Security (everything but /hello, actuator and the
 * mesh's own paths needs HTTP basic), and two OkHttpClient beans, one of them {@link NoMesh}.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class TestApp {
  /** Requests that reached the application's controllers (not the mesh's or Security's answers). */
  static final AtomicInteger applicationHits = new AtomicInteger();

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a
            .requestMatchers("/hello", "/relay", "/whoami", "/actuator/**", "/mesh/**", "/error")
            .permitAll()
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.disable());
    return http.build();
  }

  @Bean
  OkHttpClient meshClient() {
    return new OkHttpClient();
  }

  @Bean
  @NoMesh
  OkHttpClient directClient() {
    return new OkHttpClient();
  }

  @RestController
  static class Endpoints {
    private final String instance;
    private final ObjectProvider<RestClient.Builder> restClients;

    Endpoints(@Value("${test.instance:app}") String instance,
        ObjectProvider<RestClient.Builder> restClients) {
      this.instance = instance;
      this.restClients = restClients;
    }

    /** Calls the mesh cluster {@code backend} through Boot's RestClient.Builder. */
    @GetMapping("/relay")
    String relay() {
      applicationHits.incrementAndGet();
      return "relayed " + restClients.getObject().build().get().uri("http://backend/items")
          .retrieve().body(String.class);
    }

    /** The caller's identity from its TLS client certificate, as the container reports it. */
    @GetMapping("/whoami")
    String whoami(HttpServletRequest request) {
      applicationHits.incrementAndGet();
      X509Certificate[] chain =
          (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      return (request.isSecure() ? "tls " : "plaintext ")
          + (chain == null ? "anonymous" : SubjectNames.identityOf(chain[0]));
    }

    @GetMapping("/hello")
    String hello() {
      applicationHits.incrementAndGet();
      return "hello from " + instance;
    }

    @GetMapping({"/internal/secret", "/limited", "/secure"})
    String guarded() {
      applicationHits.incrementAndGet();
      return "application";
    }
  }
}
