package io.mesh4j.xds.translate;

import java.util.Objects;

/**
 * One thing the translator could not carry over from an Envoy resource.
 *
 * <p>{@link Severity#REJECTED}: the field changes request handling and mesh4j cannot express it,
 * so the translation is not accepted (an xDS client NACKs the response). {@link Severity#IGNORED}:
 * the field is cosmetic for an in-process mesh (stat prefixes, access logs, ...) and was dropped.
 *
 * <p>Immutable; all components non-null.
 *
 * @param severity REJECTED or IGNORED
 * @param resourceType the xDS type short name: {@code Listener}, {@code RouteConfiguration},
 *     {@code Cluster}, {@code ClusterLoadAssignment}; {@code MeshConfig} for a problem found by
 *     {@link io.mesh4j.config.ConfigValidator} in the translated model (then {@code resourceName}
 *     is empty and {@code field} is the mesh4j config path)
 * @param resourceName the resource's name ({@code ""} when it has none)
 * @param field the field path inside the resource in Envoy's snake_case proto names, with list
 *     indices, e.g. {@code virtual_hosts[0].routes[2].route.hash_policy}
 * @param message what is wrong, e.g. {@code not supported}
 */
public record TranslationIssue(
    Severity severity, String resourceType, String resourceName, String field, String message) {

  /** How an issue affects the translation. */
  public enum Severity {
    /** Changes semantics and cannot be expressed: the translation is not accepted. */
    REJECTED,
    /** Cosmetic for mesh4j: dropped, reported once. */
    IGNORED
  }

  public TranslationIssue {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(resourceType, "resourceType");
    Objects.requireNonNull(resourceName, "resourceName");
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  /** {@code Cluster inventory: outlier_detection.split_external_local_origin_errors: not supported}. */
  @Override
  public String toString() {
    return resourceType + (resourceName.isEmpty() ? "" : " " + resourceName) + ": "
        + (field.isEmpty() ? "" : field + ": ") + message;
  }
}
