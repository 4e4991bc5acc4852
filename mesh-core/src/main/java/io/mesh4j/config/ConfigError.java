package io.mesh4j.config;

import java.util.Objects;

/**
 * One problem found in a configuration: where it is and what is wrong. Immutable.
 *
 * <p>The path uses the config file's own key names with list indices, e.g.
 * {@code clusters[1].endpoints[0].weight}, whether the config came from a file or from
 * {@link MeshConfig#builder()}. It is empty for a problem with the whole document (a syntax
 * error, an unreadable file). The message names the rejected value and what was expected, e.g.
 * {@code 0 (expected: 1-10000)}. The location says where in the text the path is, when the
 * config was read from text: {@code mesh.yaml:14:17} (source, line, column; 1-based) or {@code
 * line 14, column 17} for text without a name; it points at the value, or at the nearest
 * enclosing value the text has when the path itself is missing (a required key).
 *
 * @param path where the problem is; never {@code null}, empty for the whole document
 * @param message what is wrong; never {@code null}
 * @param location where in the source text, or empty when unknown (a built config, a
 *     document-level problem); never {@code null}
 */
public record ConfigError(String path, String message, String location) {

  public ConfigError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(location, "location");
  }

  /** An error without a known location, as validators and builders report them. */
  public ConfigError(String path, String message) {
    this(path, message, "");
  }

  /** This error at {@code location}. */
  public ConfigError at(String location) {
    return new ConfigError(path, message, location);
  }

  /**
   * {@code path: message at location}, leaving out the parts that are empty, e.g. {@code
   * clusters[1].endpoints[0].weight: 0 (expected: 1-10000) at mesh.yaml:14:17}.
   */
  @Override
  public String toString() {
    String s = path.isEmpty() ? message : path + ": " + message;
    return location.isEmpty() ? s : s + " at " + location;
  }
}
