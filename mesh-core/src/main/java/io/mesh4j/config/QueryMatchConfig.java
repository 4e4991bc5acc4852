package io.mesh4j.config;

/**
 * One query-parameter condition of a route match. Immutable. The first value of a repeated name
 * counts; names and values are compared after percent-decoding.
 *
 * @param name parameter name
 * @param kind EXACT, REGEX (whole value) or PRESENT
 * @param value operand for EXACT and REGEX; {@code null} for PRESENT
 * @param present for PRESENT: true means "must be present", false "must be absent"
 */
public record QueryMatchConfig(String name, Kind kind, String value, boolean present) {
  /** The comparison a query condition applies. */
  public enum Kind { EXACT, REGEX, PRESENT }

  /** The record's fields, with {@code value} masked when the name is credential-like ({@link Secrets}). */
  @Override
  public String toString() {
    return "QueryMatchConfig[name=" + name + ", kind=" + kind + ", value="
        + Secrets.headerValue(name, value) + ", present=" + present + "]";
  }
}
