package io.mesh4j.config;

import java.util.List;

/**
 * A configuration was rejected: it could not be read or parsed, or it is invalid. Carries every
 * problem found, not only the first, each with its path.
 *
 * <p>This is the only exception {@link ConfigLoader} throws, and the one
 * {@link MeshConfigBuilder#build()} and {@link ConfigValidator#requireValid(MeshConfig)} throw
 * for an invalid config. The message lists the errors one per line:
 *
 * <pre>
 * invalid mesh4j config (2 errors):
 *   clusters[1].endpoints[0].weight: 0 (expected: 1-10000)
 *   clusters[0].lbb: unknown key (expected one of: name, lb, endpoints, ...)
 * </pre>
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Immutable, non-empty. */
  @SuppressWarnings("serial") // List.copyOf returns a serializable list of serializable records
  private final List<ConfigError> errors;

  /**
   * Creates an exception for these errors.
   *
   * @throws IllegalArgumentException if {@code errors} is empty
   */
  public ConfigException(List<ConfigError> errors) {
    this(null, errors, null);
  }

  /**
   * Creates an exception for these errors found in {@code source} (a file name or resource; may
   * be {@code null}), caused by {@code cause} (may be {@code null}).
   *
   * @throws IllegalArgumentException if {@code errors} is empty
   */
  public ConfigException(String source, List<ConfigError> errors, Throwable cause) {
    super(format(source, errors), cause);
    this.errors = List.copyOf(errors);
  }

  /** Every problem found, in the order found; never empty. */
  public List<ConfigError> errors() {
    return errors;
  }

  private static String format(String source, List<ConfigError> errors) {
    if (errors.isEmpty()) throw new IllegalArgumentException("errors is empty");
    StringBuilder sb = new StringBuilder("invalid mesh4j config");
    if (source != null) sb.append(' ').append(source);
    sb.append(" (").append(errors.size()).append(errors.size() == 1 ? " error):" : " errors):");
    for (ConfigError e : errors) sb.append("\n  ").append(e);
    return sb.toString();
  }
}
