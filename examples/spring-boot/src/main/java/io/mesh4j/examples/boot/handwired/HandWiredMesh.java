package io.mesh4j.examples.boot.handwired;

import io.micrometer.core.instrument.MeterRegistry;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.MeshFilter;
import io.mesh4j.spring.client.MeshClientHttpRequestFactory;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;

/**
 * The storefront's mesh wired by hand, the way a Boot application without the starter does it from
 * the README: a {@link Mesh} bean from the config, the application's meter registry, an OkHttp
 * client wrapped around it for {@code RestClient}, and {@link MeshFilter} on every request. It is
 * the baseline {@code StartupTiming --hand-wired} measures the starter against (started with
 * {@code mesh4j.enabled=false}, so the starter's auto-configuration and background warm-up stay
 * off): what the starter adds over doing the same by hand. Not scanned by the storefront; only
 * {@code StartupTiming} adds it.
 */
@Configuration(proxyBeanMethods = false)
public class HandWiredMesh {

  @Bean(destroyMethod = "close")
  Mesh mesh(@Value("${mesh4j.config}") Resource config, MeterRegistry registry) throws IOException {
    String text;
    try (InputStream in = config.getInputStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Mesh.Builder builder = Mesh.builder().meterRegistry(registry);
    return builder.config(ConfigLoader.load(text, builder.extensions())).build();
  }

  @Bean
  OkHttpClient meshOkHttpClient(Mesh mesh) {
    return MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @Bean
  RestClientCustomizer meshRestClient(OkHttpClient client) {
    // Spring Framework 7 has no OkHttp request factory: the starter's, used here as a plain class.
    MeshClientHttpRequestFactory factory = new MeshClientHttpRequestFactory(client);
    return builder -> builder.requestFactory(factory);
  }

  @Bean
  FilterRegistrationBean<MeshFilter> meshFilter(Mesh mesh) {
    FilterRegistrationBean<MeshFilter> registration = new FilterRegistrationBean<>(new MeshFilter(mesh));
    registration.addUrlPatterns("/*");
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
    registration.setAsyncSupported(true);
    registration.setOrder(-110);
    return registration;
  }
}
