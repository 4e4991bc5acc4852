package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Inbound mutual TLS for Boot's embedded server: when the mesh config has {@code inbound.tls}, the
 * embedded Tomcat or Jetty (Boot 3.5 and 4) serves {@link Mesh#serverTls()} on {@code server.port}:
 * the workload certificate of the source {@code inbound.tls.source} names, rotated on disk (or by
 * the Workload API) without a restart, client certificates chained to its trust bundle required in
 * {@code strict} mode and requested in {@code permissive} mode. {@code MeshFilter} then sees the
 * client's SPIFFE ID as the request's principal and, in strict mode, answers anything but mutual
 * TLS with 403.
 *
 * <p>Nothing changes when the config has no {@code inbound.tls} (decided when the web server is
 * created). Off with {@code mesh4j.server-tls.enabled=false}. Boot's own {@code server.ssl.*}
 * together with {@code inbound.tls} fails the startup naming both, rather than silently serving
 * one of them.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = {"mesh4j.enabled", "mesh4j.server-tls.enabled"}, matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
public class MeshServerTlsAutoConfiguration {

  /** After Boot's own factory customizers (which set {@code server.ssl}), so a conflict shows. */
  static final int ORDER = Ordered.LOWEST_PRECEDENCE - 10;

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {
      "org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory",
      "org.apache.catalina.startup.Tomcat"})
  static class Boot3Tomcat {
    @Bean
    WebServerFactoryCustomizer<org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory>
        meshServerTlsTomcat(ObjectProvider<Mesh> mesh) {
      return new Customizer<>(factory -> {
        ServerTlsSettings tls = ServerTlsSettings.of(mesh.getObject(), factory);
        if (tls != null) factory.addConnectorCustomizers(c -> TomcatServerTls.apply(c, tls));
      });
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {
      "org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory",
      "org.apache.catalina.startup.Tomcat"})
  static class Boot4Tomcat {
    @Bean
    WebServerFactoryCustomizer<org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory>
        meshServerTlsTomcat(ObjectProvider<Mesh> mesh) {
      return new Customizer<>(factory -> {
        ServerTlsSettings tls = ServerTlsSettings.of(mesh.getObject(), factory);
        if (tls != null) factory.addConnectorCustomizers(c -> TomcatServerTls.apply(c, tls));
      });
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {
      "org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory",
      "org.eclipse.jetty.server.Server"})
  static class Boot3Jetty {
    @Bean
    WebServerFactoryCustomizer<org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory>
        meshServerTlsJetty(ObjectProvider<Mesh> mesh) {
      return new Customizer<>(factory -> {
        ServerTlsSettings tls = ServerTlsSettings.of(mesh.getObject(), factory);
        if (tls != null) factory.addServerCustomizers(s -> JettyServerTls.apply(s, tls));
      });
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {
      "org.springframework.boot.jetty.servlet.JettyServletWebServerFactory",
      "org.eclipse.jetty.server.Server"})
  static class Boot4Jetty {
    @Bean
    WebServerFactoryCustomizer<org.springframework.boot.jetty.servlet.JettyServletWebServerFactory>
        meshServerTlsJetty(ObjectProvider<Mesh> mesh) {
      return new Customizer<>(factory -> {
        ServerTlsSettings tls = ServerTlsSettings.of(mesh.getObject(), factory);
        if (tls != null) factory.addServerCustomizers(s -> JettyServerTls.apply(s, tls));
      });
    }
  }

  /** An ordered customizer, run after Boot's own. */
  static final class Customizer<T extends org.springframework.boot.web.server.WebServerFactory>
      implements WebServerFactoryCustomizer<T>, Ordered {
    private final java.util.function.Consumer<T> body;

    Customizer(java.util.function.Consumer<T> body) {
      this.body = body;
    }

    @Override
    public void customize(T factory) {
      body.accept(factory);
    }

    @Override
    public int getOrder() {
      return ORDER;
    }
  }
}
