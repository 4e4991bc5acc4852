package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.observe.MeshTracer;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ResourceLoader;

/**
 * The {@link Mesh} bean, built from {@code mesh4j.config} with the application's Micrometer {@link
 * MeterRegistry} (no second registry), closed when the context closes, and drained before the web
 * server's graceful shutdown ({@link MeshDrainLifecycle}). Backs off when the application defines
 * its own {@code Mesh}; the other mesh4j auto-configurations then use that one.
 *
 * <p>The mesh traces through the application's single {@link MeshTracer} bean (the one {@link
 * MeshTracingAutoConfiguration} makes over an {@code OpenTelemetry} bean, or the application's own)
 * unless {@code mesh4j.tracing.enabled=false}. Every {@link IdentitySource} bean is registered with
 * the mesh under its {@link IdentitySource#name() name}, so the config's {@code tls.source} and
 * {@code inbound.tls.source} can name it (declared as {@code identity_sources: [{name: ...}]}
 * without {@code pem}); the mesh never closes those, Spring does when the context closes.
 *
 * <p>An invalid config fails the context with {@link InvalidMeshConfigException}, naming the
 * location and every field path. {@code mesh4j.enabled=false} creates no mesh4j bean at all.
 */
@AutoConfiguration(
    afterName = {
      // Boot 3.5 and Boot 4 homes of the application's MeterRegistry.
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnBooleanProperty(name = "mesh4j.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeshProperties.class)
public class MeshAutoConfiguration {

  /** The mesh; a {@code Mesh} bean of the application's own replaces it. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Mesh mesh(
      MeshProperties properties, ObjectProvider<MeterRegistry> registry, ResourceLoader resources,
      ObjectProvider<MeshTracer> tracers, ObjectProvider<IdentitySource> identitySources) {
    Mesh.Builder builder = Mesh.builder();
    MeterRegistry meters = registry.getIfUnique();
    if (meters != null) builder.meterRegistry(meters);
    if (properties.getTracing().isEnabled()) {
      MeshTracer tracer = tracers.getIfUnique();
      if (tracer != null) builder.tracer(tracer);
    }
    identitySources.orderedStream().forEach(builder::identitySource);
    return MeshConfigLocation.build(builder, properties.getConfig(), properties.getWatch(), resources);
  }

  /** Drains the mesh when the context stops, before the web server stops accepting. */
  @Bean
  @ConditionalOnBooleanProperty(name = "mesh4j.shutdown.enabled", matchIfMissing = true)
  public MeshDrainLifecycle meshDrainLifecycle(Mesh mesh, MeshProperties properties) {
    return new MeshDrainLifecycle(mesh, properties.getShutdown().getDrainDelay());
  }
}
