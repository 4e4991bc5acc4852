package io.mesh4j.spring.boot;

import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import java.util.List;

/**
 * Thrown while the application context starts when the mesh config at {@code mesh4j.config} is
 * missing, unreadable or invalid; the message names the location and, for each error, the field
 * path and what is wrong ({@code clusters[0].endpoints[0].weight: must be >= 1}). Nothing of the
 * mesh is left running.
 */
public final class InvalidMeshConfigException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String location;
  private final transient List<ConfigError> errors;

  InvalidMeshConfigException(String location, ConfigException cause) {
    super(message(location, cause.errors()), cause);
    this.location = location;
    this.errors = List.copyOf(cause.errors());
  }

  /** The {@code mesh4j.config} location that failed. */
  public String location() {
    return location;
  }

  /** Every error, each with its field path. */
  public List<ConfigError> errors() {
    return errors;
  }

  private static String message(String location, List<ConfigError> errors) {
    StringBuilder sb = new StringBuilder("mesh4j: invalid mesh config ").append(location).append(':');
    for (ConfigError e : errors) sb.append("\n  ").append(e);
    return sb.toString();
  }
}
