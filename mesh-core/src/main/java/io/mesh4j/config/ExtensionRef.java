package io.mesh4j.config;

import java.util.Objects;

/**
 * A reference from the config to an extension registered by name: a custom matcher ({@code
 * match.custom}), a custom load-balancing policy ({@code lb: { custom: ... }}) or a request policy
 * ({@code policies: [ { name: ..., args: ... } ]}). Immutable.
 *
 * @param name the registered name; {@code null} only in a config that failed validation
 * @param args the arguments handed to the extension's factory; never {@code null} ({@link
 *     ExtensionArgs#EMPTY} when absent)
 */
public record ExtensionRef(String name, ExtensionArgs args) {

  public ExtensionRef {
    args = args == null ? ExtensionArgs.EMPTY : args;
  }

  /** A reference to {@code name} without arguments. */
  public static ExtensionRef of(String name) {
    return new ExtensionRef(Objects.requireNonNull(name, "name"), ExtensionArgs.EMPTY);
  }

  @Override
  public String toString() {
    return args.keys().isEmpty() ? name : name + args;
  }
}
