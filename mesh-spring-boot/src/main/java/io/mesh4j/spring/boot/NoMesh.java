package io.mesh4j.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@code OkHttpClient} bean the mesh must leave alone: put it on the {@code @Bean} method
 * (or the bean's class) and the auto-configuration does not wrap that client.
 *
 * <pre>{@code
 * @Bean @NoMesh
 * OkHttpClient paymentsProviderClient() { ... }   // talks to a third party directly
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface NoMesh {}
