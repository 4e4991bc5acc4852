package io.mesh4j.gateway;

import io.mesh4j.Mesh;
import io.mesh4j.servlet.InboundForwarder;

/**
 * The {@link InboundForwarder.Factory} that {@code MeshFilter} finds through {@link
 * java.util.ServiceLoader}: makes a {@link MeshGateway} with its defaults. Stateless.
 */
public final class MeshGatewayFactory implements InboundForwarder.Factory {
  /** For ServiceLoader. */
  public MeshGatewayFactory() {}

  @Override
  public InboundForwarder create(Mesh mesh) {
    return MeshGateway.create(mesh);
  }
}
