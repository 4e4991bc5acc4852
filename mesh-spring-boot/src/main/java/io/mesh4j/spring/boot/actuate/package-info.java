/**
 * Spring Boot Actuator support: the {@code mesh} endpoint ({@link
 * io.mesh4j.spring.boot.actuate.MeshEndpoint}) and the mesh's health ({@link
 * io.mesh4j.spring.boot.actuate.MeshHealth}, adapted to Boot 3.5's and Boot 4's {@code
 * HealthIndicator}).
 */
package io.mesh4j.spring.boot.actuate;
