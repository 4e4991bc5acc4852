package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.spring.boot.InvalidMeshConfigException;
import io.mesh4j.spring.boot.MeshAutoConfiguration;
import io.mesh4j.spring.boot.MeshDrainLifecycle;
import io.mesh4j.spring.boot.MeshOkHttpAutoConfiguration;
import io.mesh4j.spring.boot.MeshServerTlsAutoConfiguration;
import io.mesh4j.spring.boot.MeshServletAutoConfiguration;
import io.mesh4j.spring.boot.MeshTracingAutoConfiguration;
import io.mesh4j.identity.FixedIdentitySource;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.observe.MeshTracer;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
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
          MeshServletAutoConfiguration.class, MeshActuatorAutoConfiguration.class,
          MeshTracingAutoConfiguration.class, MeshServerTlsAutoConfiguration.class))
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
  void disabledLeavesAMeshOfTheApplicationsOwnAlone() {
    // An application that wires its mesh by hand and turns the starter off gets nothing from it:
    // no wrapped client, filter, request factory, health indicator, drain or server TLS beans.
    runner.withPropertyValues("mesh4j.enabled=false")
        .withUserConfiguration(OwnMesh.class).run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx).hasSingleBean(Mesh.class);
          for (String name : ctx.getBeanDefinitionNames()) {
            if (name.equals("ownMesh") || name.endsWith("OwnMesh")) continue; // the application's own
            assertThat(ctx.getType(name).getName()).as(name).doesNotStartWith("io.mesh4j");
          }
          assertThat(ctx.getBeanNamesForType(OkHttpClient.class)).isEmpty();
          assertThat(ctx.getBeanNamesForType(FilterRegistrationBean.class)).isEmpty();
          assertThat(ctx.getBeanNamesForType(WebServerFactoryCustomizer.class)).isEmpty();
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMesh {
    @Bean(destroyMethod = "close")
    Mesh ownMesh() {
      return Mesh.builder().config(io.mesh4j.config.ConfigLoader.load("""
          version: 1
          service: own
          clusters:
            - name: inventory
              endpoints: [{ address: "127.0.0.1:1" }]
          """)).build();
    }
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

  @Test
  void withoutAnOpenTelemetryBeanTheMeshDoesNotTrace() {
    runner.run(ctx -> {
      assertThat(ctx.getBeanNamesForType(MeshTracer.class)).isEmpty();
      assertThat(ctx.getBean(Mesh.class).tracer()).isSameAs(MeshTracer.noop());
    });
  }

  @Test
  void anOpenTelemetryBeanMakesTheMeshTraceUnlessSwitchedOff() {
    runner.withBean(OpenTelemetry.class, OpenTelemetry::noop).run(ctx -> {
      assertThat(ctx).hasSingleBean(MeshTracer.class);
      assertThat(ctx.getBean(Mesh.class).tracer()).isSameAs(ctx.getBean(MeshTracer.class));
    });
    runner.withBean(OpenTelemetry.class, OpenTelemetry::noop)
        .withPropertyValues("mesh4j.tracing.enabled=false").run(ctx -> {
          assertThat(ctx.getBeanNamesForType(MeshTracer.class)).isEmpty();
          assertThat(ctx.getBean(Mesh.class).tracer()).isSameAs(MeshTracer.noop());
        });
  }

  @Test
  void theApplicationsOwnMeshTracerIsUsedInsteadOfOpenTelemetrys() {
    MeshTracer own = new MeshTracer() {};
    runner.withBean(OpenTelemetry.class, OpenTelemetry::noop)
        .withBean("ownTracer", MeshTracer.class, () -> own).run(ctx -> {
          assertThat(ctx).hasSingleBean(MeshTracer.class);
          assertThat(ctx.getBean(Mesh.class).tracer()).isSameAs(own);
        });
  }

  @Test
  void identitySourceBeansAreRegisteredUnderTheirNamesForTlsSourceToName() {
    String config = Apps.configFile("""
        version: 1
        service: runner
        identity_sources:
          - name: spire
        inbound:
          tls: { mode: strict, source: spire }
        """);
    FixedSource spire = new FixedSource("spire");
    runner.withPropertyValues("mesh4j.config=" + config)
        .withBean("spire", IdentitySource.class, () -> spire).run(ctx -> {
          assertThat(ctx).hasNotFailed();
          Mesh mesh = ctx.getBean(Mesh.class);
          assertThat(mesh.identitySource("spire")).isSameAs(spire);
          assertThat(mesh.serverTls()).isNotNull();
          assertThat(ctx.getBeanNamesForType(WebServerFactoryCustomizer.class)).isNotEmpty();
        });
    assertThat(spire.closed()).as("Spring closes the bean; the mesh never does").isTrue();
  }

  @Test
  void serverTlsHasItsOwnSwitch() {
    runner.withPropertyValues("mesh4j.server-tls.enabled=false").run(ctx -> {
      assertThat(ctx).hasSingleBean(Mesh.class);
      for (String name : ctx.getBeanNamesForType(WebServerFactoryCustomizer.class)) {
        assertThat(ctx.getType(name).getName()).doesNotStartWith("io.mesh4j");
      }
    });
  }

  /** A source made in code (as a Workload API source would be), one fixed identity. */
  static final class FixedSource extends FixedIdentitySource {
    static final TestPki.Held CA = TestPki.ca("runner CA");

    FixedSource(String name) {
      super(name, CA, "spiffe://corp.test/ns/test/sa/runner");
    }
  }
}
