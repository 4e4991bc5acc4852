package io.mesh4j.okhttp;

import io.mesh4j.health.HealthProbe;
import io.mesh4j.health.HealthProbeProvider;

/**
 * Supplies the {@code http} health probe ({@link OkHttpHealthProbe}) to every mesh through {@link
 * java.util.ServiceLoader}: having mesh-okhttp on the class path is enough for {@code
 * health_check.probe: http} (the default probe) to work. Each mesh gets its own probe, which it
 * closes. Stateless and thread-safe.
 */
public final class OkHttpHealthProbeProvider implements HealthProbeProvider {
  /** The probe name configs use. */
  public static final String NAME = "http";

  /** For {@link java.util.ServiceLoader}. */
  public OkHttpHealthProbeProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HealthProbe create() {
    return new OkHttpHealthProbe();
  }
}
