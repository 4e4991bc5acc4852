package io.mesh4j.xds.translate;

import io.mesh4j.config.MeshConfig;
import java.util.List;
import java.util.Objects;

/**
 * Translates Envoy v3 resources (listeners with an HttpConnectionManager, route configurations,
 * clusters, cluster load assignments) into a mesh4j {@link MeshConfig}.
 *
 * <p>Every set field of every message is either carried over, reported as
 * {@link TranslationIssue.Severity#IGNORED} (cosmetic for an in-process mesh) or reported as
 * {@link TranslationIssue.Severity#REJECTED} naming its field path (changes semantics and mesh4j
 * cannot express it); nothing is dropped silently. Where Envoy's default differs from mesh4j's
 * (route timeout 15 s, one retry, consecutive 5xx 5, ...) the Envoy default is written explicitly
 * so the translated mesh behaves as Envoy would. See {@code docs/xds.md} for the supported subset.
 *
 * <p>Stateless and thread-safe. Never throws for non-null arguments.
 */
public final class EnvoyTranslator {
  private EnvoyTranslator() {}

  /**
   * Translates {@code resources} into a config whose outbound/inbound virtual hosts come from the
   * listeners or route configurations {@code binding} names, and whose clusters are every cluster
   * those routes reference (and every other cluster in {@code resources}).
   *
   * @param resources the Envoy resources
   * @param binding which listener / route configuration names are outbound and inbound
   * @param base supplies what Envoy does not express: service name, admin, propagate (its
   *     clusters, outbound and inbound are replaced); may be {@code null} for none
   * @return the translation; {@link Translation#accepted()} tells whether it may be applied
   * @throws NullPointerException if {@code resources} or {@code binding} is null
   */
  public static Translation translate(EnvoyResources resources, XdsBinding binding, MeshConfig base) {
    return translate(resources, binding, base, List.of());
  }

  /**
   * As {@link #translate(EnvoyResources, XdsBinding, MeshConfig)}, with the identity sources that
   * serve SDS secrets: an Envoy TLS context whose {@code tls_certificate_sds_secret_configs} and
   * validation SDS secret config name the secrets of one of {@code sds} gets that source as its
   * {@code tls.source} (and the config declares it in {@code identity_sources}, without {@code
   * pem}).
   *
   * @throws NullPointerException if an argument but {@code base} is null
   */
  public static Translation translate(EnvoyResources resources, XdsBinding binding, MeshConfig base,
      List<SdsBinding> sds) {
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(binding, "binding");
    return new Translator(resources, binding, base, List.copyOf(sds)).run();
  }
}
