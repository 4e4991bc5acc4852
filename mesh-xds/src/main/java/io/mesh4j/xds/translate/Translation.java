package io.mesh4j.xds.translate;

import io.mesh4j.config.MeshConfig;
import java.util.List;

/**
 * The result of {@link EnvoyTranslator#translate}: a mesh4j config and what could not be carried
 * over.
 *
 * <p>When {@link #accepted()} the config is non-null and has passed
 * {@link io.mesh4j.config.ConfigValidator}; otherwise it is {@code null} and {@link #issues()} holds
 * at least one {@link TranslationIssue.Severity#REJECTED} issue. Issues are in resource order.
 * Immutable and thread-safe.
 *
 * @param config the translated, validated config, or {@code null} when rejected
 * @param issues every REJECTED and IGNORED issue, never null
 * @throws IllegalArgumentException when {@code config} is null without a REJECTED issue, or
 *     non-null with one
 */
public record Translation(MeshConfig config, List<TranslationIssue> issues) {

  public Translation {
    issues = List.copyOf(issues);
    if (config == null && rejected(issues).isEmpty()) {
      throw new IllegalArgumentException("a translation without a config needs a REJECTED issue");
    }
    if (config != null && !rejected(issues).isEmpty()) {
      throw new IllegalArgumentException("a rejected translation carries no config");
    }
  }

  /** True when no REJECTED issue: config is non-null and valid (passes ConfigValidator). */
  public boolean accepted() {
    return config != null;
  }

  /** The REJECTED issues only; empty when {@link #accepted()}. */
  public List<TranslationIssue> rejected() {
    return rejected(issues);
  }

  private static List<TranslationIssue> rejected(List<TranslationIssue> issues) {
    return issues.stream()
        .filter(i -> i.severity() == TranslationIssue.Severity.REJECTED)
        .toList();
  }
}
