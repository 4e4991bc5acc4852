package io.mesh4j.config;

import java.util.Set;

/**
 * What {@link ConfigValidator} knows about the extensions a config may name: the registered names
 * of each {@link ExtensionKind}, and each extension's own check of its arguments. Implemented by
 * {@code io.mesh4j.extension.Extensions} (the extensions one mesh uses, or those found by {@link
 * java.util.ServiceLoader}).
 *
 * <p>Implementations must be thread-safe and must not throw from {@link #names}; a {@link
 * #validate} that throws is reported as an error of the arguments, not propagated.
 */
public interface ExtensionCatalog {

  /** The registered names of {@code kind}; never {@code null}. */
  Set<String> names(ExtensionKind kind);

  /**
   * Checks the arguments of the extension {@code name} (one of {@link #names}), reporting each
   * problem to {@code errors}.
   */
  void validate(ExtensionKind kind, String name, ExtensionArgs args, ArgErrors errors);

  /**
   * Problems with the registrations themselves (a name registered twice, a provider that failed
   * to load), each reported as an error of the whole config. Default none.
   */
  default java.util.List<String> problems() {
    return java.util.List.of();
  }
}
