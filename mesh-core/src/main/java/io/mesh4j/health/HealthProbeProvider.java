package io.mesh4j.health;

/**
 * Supplies a named {@link HealthProbe} through {@link java.util.ServiceLoader}, so a probe in a
 * drop-in jar (mesh-okhttp's {@code http} probe) is available to every mesh built without
 * registering it by hand. Each mesh calls {@link #create()} once and owns (closes) the result.
 *
 * <p>Register an implementation in {@code META-INF/services/io.mesh4j.health.HealthProbeProvider}.
 * A probe registered on {@code Mesh.Builder.healthProbe} under the same name wins.
 */
public interface HealthProbeProvider {

  /** The name configs use in {@code health_check.probe}. */
  String name();

  /** A new probe for one mesh. */
  HealthProbe create();
}
