package io.mesh4j.config;

import java.util.Locale;

/**
 * What {@code ring_hash} hashes. Immutable.
 *
 * @param kind header, cookie or source IP
 * @param name the header or cookie name ({@code null} for SOURCE_IP); header names lower-cased
 */
public record HashOnConfig(Kind kind, String name) {
  public HashOnConfig {
    if (kind == Kind.HEADER && name != null) name = name.toLowerCase(Locale.ROOT);
  }

  /** The request attribute hashed. */
  public enum Kind { HEADER, COOKIE, SOURCE_IP }
}
