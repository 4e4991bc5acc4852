package io.mesh4j.config;

import java.util.Objects;

/**
 * One problem found in a configuration: where it is and what is wrong. Immutable.
 *
 * <p>The path uses the config file's own key names with list indices, e.g.
 * {@code clusters[1].endpoints[0].weight}, whether the config came from a file or from
 * {@link MeshConfig#builder()}. It is empty for a problem with the whole document (a syntax
 * error, an unreadable file). The message names the rejected value and what was expected, e.g.
 * {@code 0 (expected: 1-10000)}.
 *
 * @param path where the problem is; never {@code null}, empty for the whole document
 * @param message what is wrong; never {@code null}
 */
public record ConfigError(String path, String message) {

  public ConfigError {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** {@code path: message}, or just the message when the path is empty. */
  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
