package io.mesh4j.outlier;

/** Why an endpoint was ejected (or, in a dry run, would have been). */
public enum EjectionReason {
  /** {@code consecutive_5xx} responses or transport failures in a row. */
  CONSECUTIVE_5XX("consecutive_5xx"),
  /** {@code consecutive_gateway_failure}: 502/503/504 responses or transport failures in a row. */
  CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
  /**
   * The endpoint said it is draining ({@code x-mesh-draining: true}): ejected at once, for the base
   * ejection time, without counting as a failure.
   */
  DRAINING("draining");

  private final String tagValue;

  EjectionReason(String tagValue) {
    this.tagValue = tagValue;
  }

  /** The lower-case name used in metric tags and logs ({@code consecutive_5xx}). */
  public String tagValue() {
    return tagValue;
  }
}
