package io.mesh4j.spring.boot.it;

import io.mesh4j.spring.boot.NoMesh;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

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
            .requestMatchers("/hello", "/actuator/**", "/mesh/**", "/error").permitAll()
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

    Endpoints(@Value("${test.instance:app}") String instance) {
      this.instance = instance;
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
