package io.mesh4j.xds.translate;

import io.mesh4j.config.MeshConfig;
import java.util.List;

/** One translation run; not thread-safe, used by one call of {@link EnvoyTranslator#translate}. */
final class Translator {
  private final EnvoyResources resources;
  private final XdsBinding binding;
  private final MeshConfig base;

  Translator(EnvoyResources resources, XdsBinding binding, MeshConfig base) {
    this.resources = resources;
    this.binding = binding;
    this.base = base;
  }

  Translation run() {
    return new Translation(null, List.of(new TranslationIssue(TranslationIssue.Severity.REJECTED,
        "Listener", "", "", "translation not available in this build yet")));
  }
}
