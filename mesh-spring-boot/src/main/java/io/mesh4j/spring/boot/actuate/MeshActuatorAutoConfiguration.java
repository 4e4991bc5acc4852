package io.mesh4j.spring.boot.actuate;

import io.mesh4j.Mesh;
import io.mesh4j.spring.boot.MeshAutoConfiguration;
import io.mesh4j.spring.boot.MeshProperties;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator parts, each only when Actuator is on the classpath: the {@code mesh} endpoint (only
 * when exposed, so an application that does not expose it pays nothing) and the {@code mesh}
 * health indicator ({@code mesh4j.health.enabled}, and Boot's {@code management.health.mesh.enabled}).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBooleanProperty(name = "mesh4j.enabled", matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
public class MeshActuatorAutoConfiguration {

  /** The endpoint; created only when it is enabled and exposed. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint(endpoint = MeshEndpoint.class)
  public MeshEndpoint meshEndpoint(Mesh mesh) {
    return new MeshEndpoint(mesh);
  }

  /** The version-independent health reading the indicators adapt. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "mesh4j.health.enabled", matchIfMissing = true)
  public MeshHealth meshHealth(Mesh mesh, MeshProperties properties) {
    return new MeshHealth(mesh, properties.getHealth().getRequiredClusters());
  }

  /** Boot 3.5: {@code org.springframework.boot.actuate.health.HealthIndicator}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnBooleanProperty(name = "mesh4j.health.enabled", matchIfMissing = true)
  @org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator("mesh")
  static class Boot3Health {
    @Bean(name = "meshHealthIndicator")
    org.springframework.boot.actuate.health.HealthIndicator meshHealthIndicator(MeshHealth health) {
      return () -> {
        MeshHealth.Reading r = health.check();
        return org.springframework.boot.actuate.health.Health
            .status(r.state().name()).withDetails(r.details()).build();
      };
    }
  }

  /** Boot 4: {@code org.springframework.boot.health.contributor.HealthIndicator}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnBooleanProperty(name = "mesh4j.health.enabled", matchIfMissing = true)
  static class Boot4Health {
    @Bean(name = "meshHealthIndicator")
    org.springframework.boot.health.contributor.HealthIndicator meshHealthIndicator(MeshHealth health) {
      return () -> {
        MeshHealth.Reading r = health.check();
        return org.springframework.boot.health.contributor.Health
            .status(r.state().name()).withDetails(r.details()).build();
      };
    }
  }
}
