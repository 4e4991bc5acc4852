package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * The server side: {@link MeshFilter} on every request ({@code REQUEST}, {@code ASYNC} and {@code
 * ERROR} dispatches), async-supported, ordered before Spring Security's filter chain so inbound
 * rate limits, authz and the health endpoint answer before any security filter runs. The admin
 * pages under {@code /mesh/} stay off unless the mesh config sets {@code admin.enabled}. Backs off
 * when the application registers its own {@code MeshFilter} (as a bean or a registration bean).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({MeshFilter.class, FilterRegistrationBean.class})
@ConditionalOnBooleanProperty(name = {"mesh4j.enabled", "mesh4j.filter.enabled"}, matchIfMissing = true)
@ConditionalOnBean(Mesh.class)
public class MeshServletAutoConfiguration {
  /**
   * The default filter order: after Boot's character-encoding and observation filters
   * (highest precedence), before its request-context filter (-105) and Spring Security (-100).
   */
  public static final int DEFAULT_FILTER_ORDER = -110;

  /** Registers the filter; the container calls {@code init}/{@code destroy}, the mesh stays the bean's. */
  @Bean
  @ConditionalOnMissingBean(value = MeshFilter.class, parameterizedContainer = FilterRegistrationBean.class)
  public FilterRegistrationBean<MeshFilter> meshFilter(Mesh mesh, MeshProperties properties) {
    FilterRegistrationBean<MeshFilter> registration = new FilterRegistrationBean<>(new MeshFilter(mesh));
    registration.setName("meshFilter");
    registration.addUrlPatterns("/*");
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
    registration.setAsyncSupported(true);
    registration.setOrder(properties.getFilter().getOrder());
    return registration;
  }
}
