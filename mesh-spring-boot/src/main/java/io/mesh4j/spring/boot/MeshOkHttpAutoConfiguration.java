package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.spring.client.MeshClientHttpRequestFactory;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The client side: every {@link OkHttpClient} bean goes through the mesh (see {@link NoMesh}), an
 * {@code OkHttpClient} bean is provided when the application has none, and Spring's {@code
 * RestClient.Builder} and {@code RestTemplateBuilder} are customised to send through it with a
 * {@link MeshClientHttpRequestFactory}. Each part has its own switch: {@code mesh4j.okhttp.enabled},
 * {@code mesh4j.rest-client.enabled}, {@code mesh4j.rest-template.enabled}.
 */
@AutoConfiguration(
    after = MeshAutoConfiguration.class,
    beforeName = {
      "org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration",
      "org.springframework.boot.autoconfigure.web.client.RestTemplateAutoConfiguration",
      "org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration",
      "org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration"
    })
@ConditionalOnClass({OkHttpClient.class, MeshOkHttp.class})
@ConditionalOnBooleanProperty(name = {"mesh4j.enabled", "mesh4j.okhttp.enabled"}, matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
public class MeshOkHttpAutoConfiguration {

  /** Wraps every {@code OkHttpClient} bean; static so it does not pull the mesh in early. */
  @Bean
  static MeshOkHttpClientPostProcessor meshOkHttpClientPostProcessor(Environment environment) {
    return new MeshOkHttpClientPostProcessor(
        environment.getProperty("mesh4j.okhttp.per-endpoint-metrics", Boolean.class, false));
  }

  /** A client when the application has none; the post-processor puts the mesh in it. */
  @Bean
  @ConditionalOnMissingBean
  public OkHttpClient meshOkHttpClient() {
    return new OkHttpClient();
  }

  /**
   * The request factory {@code RestClient} and {@code RestTemplate} use, resolved on the first
   * request: the application's single {@code OkHttpClient} bean when it carries the mesh (so they
   * share its connection pool), else a mesh client of its own (several clients, or one marked
   * {@link NoMesh}).
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnClass(name = "org.springframework.http.client.ClientHttpRequestFactory")
  public MeshClientHttpRequestFactory meshClientHttpRequestFactory(
      ObjectProvider<OkHttpClient> clients, MeshOkHttpClientPostProcessor meshClients) {
    return new MeshClientHttpRequestFactory(() -> {
      OkHttpClient c = clients.getIfUnique();
      return c != null && meshClients.isMeshClient(c) ? c : meshClients.newMeshClient();
    });
  }

  /** Boot 3.5: customisers live in {@code org.springframework.boot.web.client}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.web.client.RestClientCustomizer")
  static class Boot3Clients {
    @Bean
    @ConditionalOnBooleanProperty(name = "mesh4j.rest-client.enabled", matchIfMissing = true)
    org.springframework.boot.web.client.RestClientCustomizer meshRestClientCustomizer(
        MeshClientHttpRequestFactory factory) {
      return builder -> builder.requestFactory(factory);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "mesh4j.rest-template.enabled", matchIfMissing = true)
    @ConditionalOnClass(name = "org.springframework.boot.web.client.RestTemplateBuilder")
    org.springframework.boot.web.client.RestTemplateCustomizer meshRestTemplateCustomizer(
        MeshClientHttpRequestFactory factory) {
      return template -> template.setRequestFactory(factory);
    }
  }

  /** Boot 4: customisers live in {@code org.springframework.boot.restclient}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.restclient.RestClientCustomizer")
  static class Boot4Clients {
    @Bean
    @ConditionalOnBooleanProperty(name = "mesh4j.rest-client.enabled", matchIfMissing = true)
    org.springframework.boot.restclient.RestClientCustomizer meshRestClientCustomizer(
        MeshClientHttpRequestFactory factory) {
      return builder -> builder.requestFactory(factory);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "mesh4j.rest-template.enabled", matchIfMissing = true)
    @ConditionalOnClass(name = "org.springframework.boot.restclient.RestTemplateBuilder")
    org.springframework.boot.restclient.RestTemplateCustomizer meshRestTemplateCustomizer(
        MeshClientHttpRequestFactory factory) {
      return template -> template.setRequestFactory(factory);
    }
  }
}
