package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.spring.boot.InvalidMeshConfigException;
import io.mesh4j.spring.boot.MeshAutoConfiguration;
import io.mesh4j.spring.boot.MeshDrainLifecycle;
import io.mesh4j.spring.boot.MeshOkHttpAutoConfiguration;
import io.mesh4j.spring.boot.MeshServletAutoConfiguration;
import io.mesh4j.spring.boot.actuate.MeshActuatorAutoConfiguration;
import io.mesh4j.spring.boot.actuate.MeshHealth;
import io.mesh4j.spring.client.MeshClientHttpRequestFactory;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration's conditions, without a web server (fast). */
class AutoConfigurationTest {
  private static final String VALID = Apps.configFile("""
      version: 1
      service: runner
      clusters:
        - name: inventory
          endpoints: [{ address: "127.0.0.1:1" }]
      """);

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(
          MeshAutoConfiguration.class, MeshOkHttpAutoConfiguration.class,
          MeshServletAutoConfiguration.class, MeshActuatorAutoConfiguration.class))
      .withPropertyValues("mesh4j.config=" + VALID, "mesh4j.shutdown.drain-delay=0s");

  @Test
  void everyPartIsConfiguredByDefault() {
    runner.run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx).hasSingleBean(Mesh.class).hasSingleBean(MeshDrainLifecycle.class)
          .hasSingleBean(OkHttpClient.class).hasSingleBean(MeshClientHttpRequestFactory.class)
          .hasSingleBean(FilterRegistrationBean.class).hasSingleBean(MeshHealth.class);
      assertThat(ctx.getBean(OkHttpClient.class).interceptors()).hasSize(1);
      assertThat(ctx.getBean(Mesh.class).serviceName()).isEqualTo("runner");
    });
  }

  @Test
  void disabledCreatesNoMeshBeanAtAll() {
    runner.withPropertyValues("mesh4j.enabled=false").run(ctx -> {
      assertThat(ctx).hasNotFailed();
      assertThat(ctx.getBeanNamesForType(Mesh.class)).isEmpty();
      assertThat(ctx.getBeanNamesForType(OkHttpClient.class)).isEmpty();
      assertThat(ctx.getBeanNamesForType(FilterRegistrationBean.class)).isEmpty();
      assertThat(ctx.getBeanNamesForType(MeshClientHttpRequestFactory.class)).isEmpty();
      assertThat(ctx.getBeanNamesForType(MeshHealth.class)).isEmpty();
      for (String name : ctx.getBeanDefinitionNames()) {
        assertThat(ctx.getType(name).getName()).doesNotStartWith("io.mesh4j");
      }
    });
  }

  @Test
  void eachPartHasItsOwnSwitch() {
    runner.withPropertyValues("mesh4j.okhttp.enabled=false", "mesh4j.filter.enabled=false",
        "mesh4j.health.enabled=false", "mesh4j.shutdown.enabled=false").run(ctx -> {
          assertThat(ctx).hasSingleBean(Mesh.class);
          assertThat(ctx.getBeanNamesForType(OkHttpClient.class)).isEmpty();
          assertThat(ctx.getBeanNamesForType(FilterRegistrationBean.class)).isEmpty();
          assertThat(ctx.getBeanNamesForType(MeshHealth.class)).isEmpty();
          assertThat(ctx.getBeanNamesForType(MeshDrainLifecycle.class)).isEmpty();
        });
  }

  @Test
  void anInvalidConfigFailsTheContextNamingTheLocationAndTheField() {
    String bad = Apps.configFile("""
        version: 1
        service: runner
        clusters:
          - name: inventory
            endpoints: [{ address: "127.0.0.1:8081", weight: 0 }]
        """);
    runner.withPropertyValues("mesh4j.config=" + bad).run(ctx -> {
      assertThat(ctx).hasFailed();
      Throwable root = ctx.getStartupFailure();
      while (root != null && !(root instanceof InvalidMeshConfigException)) root = root.getCause();
      assertThat(root).isNotNull();
      assertThat(root.getMessage())
          .contains(bad)
          .contains("clusters[0].endpoints[0].weight");
    });
  }

  @Test
  void aMissingConfigFailsTheContextNamingTheLocation() {
    runner.withPropertyValues("mesh4j.config=classpath:nope/mesh.yaml").run(ctx -> {
      assertThat(ctx).hasFailed();
      assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("classpath:nope/mesh.yaml");
    });
  }

  @Test
  void theApplicationsOwnMeshAndClientAreKept() {
    runner.withUserConfiguration(OwnBeans.class).run(ctx -> {
      assertThat(ctx).hasSingleBean(Mesh.class);
      assertThat(ctx.getBean(Mesh.class).serviceName()).isEqualTo("own");
      assertThat(ctx.getBean(OkHttpClient.class).interceptors()).hasSize(1);   // wrapped, not replaced
      assertThat(ctx.getBean(OkHttpClient.class).readTimeoutMillis()).isEqualTo(1234);
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    @Bean(destroyMethod = "close")
    Mesh mesh() {
      return Mesh.of(io.mesh4j.config.MeshConfig.builder().service("own").build());
    }

    @Bean
    OkHttpClient client() {
      return new OkHttpClient.Builder().readTimeout(java.time.Duration.ofMillis(1234)).build();
    }
  }
}
