package io.mesh4j.config;

/** The kinds of extension a config can name; names are unique within a kind. */
public enum ExtensionKind {
  /** A custom route condition ({@code match.custom}); SPI {@code io.mesh4j.route.RouteMatcher}. */
  MATCHER("matcher"),
  /** A custom load-balancing policy ({@code lb.custom}); SPI {@code io.mesh4j.lb.PickerProvider}. */
  PICKER("picker"),
  /** A health probe ({@code health_check.probe}); SPI {@code io.mesh4j.health.HealthProbe}. */
  HEALTH_PROBE("health probe"),
  /** A request policy ({@code policies}); SPI {@code io.mesh4j.policy.RequestPolicy}. */
  POLICY("policy");

  private final String noun;

  ExtensionKind(String noun) {
    this.noun = noun;
  }

  /** How messages name this kind ({@code "matcher"}, {@code "health probe"}). */
  public String noun() {
    return noun;
  }
}
