package io.mesh4j.config;

/**
 * Where an extension factory reports what is wrong with its {@link ExtensionArgs}. Each report
 * becomes a {@link ConfigError} whose path is the arguments' path in the config plus {@code key}
 * ({@code outbound.virtual_hosts[0].routes[1].match.custom.args.claim}), in the same {@link
 * ConfigException} as every other problem of the config.
 *
 * <p>Handed to a factory for the duration of one {@code validate} call; not thread-safe.
 */
@FunctionalInterface
public interface ArgErrors {

  /**
   * Reports a problem.
   *
   * @param key the argument's name ({@code claim}), a nested path ({@code in[2]}, {@code
   *     limits.burst}), or {@code ""} for the arguments as a whole
   * @param message what is wrong, naming the value and what was expected: {@code 7 (expected: a
   *     string)}
   */
  void error(String key, String message);
}
