package io.mesh4j.gateway;

import io.mesh4j.Mesh;
import java.util.Locale;

/**
 * The gateways the tests forward through: {@link MeshGateway#DEFAULT_TRANSPORT}, or the transport
 * named by the system property {@value #PROPERTY} ({@code JETTY} / {@code OKHTTP}). The build runs
 * the gateway tests once per transport (surefire executions in the module's pom), so every
 * forwarding test holds for both.
 */
final class Gateways {
  static final String PROPERTY = "mesh4j.test.gateway.transport";

  private Gateways() {}

  static GatewayTransport transport() {
    String v = System.getProperty(PROPERTY);
    return v == null || v.isBlank() ? MeshGateway.DEFAULT_TRANSPORT
        : GatewayTransport.valueOf(v.trim().toUpperCase(Locale.ROOT));
  }

  static MeshGateway.Builder builder(Mesh mesh) {
    return MeshGateway.builder(mesh).transport(transport());
  }

  static MeshGateway create(Mesh mesh) {
    return builder(mesh).build();
  }
}
