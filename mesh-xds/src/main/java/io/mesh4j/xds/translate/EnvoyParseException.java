package io.mesh4j.xds.translate;

/**
 * An Envoy config text that cannot be read: YAML/JSON syntax, a field the Envoy v3 API does not
 * have, a wrong value type, or a typed config of a type mesh4j does not know. The message names
 * where ({@code static_resources.clusters[2]: ...}) and never spans lines.
 */
public final class EnvoyParseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with this one-line message. */
  public EnvoyParseException(String message) {
    super(message);
  }
}
