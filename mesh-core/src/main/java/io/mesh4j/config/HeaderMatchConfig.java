package io.mesh4j.config;

/**
 * One header condition of a route match. Immutable.
 *
 * <p>Names are compared case-insensitively (stored lower-cased), values case-sensitively. A
 * missing header fails every kind except {@code PRESENT} with {@code present=false}, even when
 * {@code invert} is set (Envoy's semantics).
 *
 * @param name lower-cased header name or pseudo-header
 * @param kind which comparison
 * @param value the operand for EXACT, PREFIX, SUFFIX, CONTAINS and REGEX; {@code null} for PRESENT
 * @param present for PRESENT: true means "must be present", false "must be absent"
 * @param invert negates the result for a present header
 */
public record HeaderMatchConfig(
    String name, Kind kind, String value, boolean present, boolean invert) {

  /** The comparison a header condition applies. */
  public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX, PRESENT }

  /** The record's fields, with {@code value} masked when the name is credential-like ({@link Secrets}). */
  @Override
  public String toString() {
    return "HeaderMatchConfig[name=" + name + ", kind=" + kind + ", value="
        + Secrets.headerValue(name, value) + ", present=" + present + ", invert=" + invert + "]";
  }
}
