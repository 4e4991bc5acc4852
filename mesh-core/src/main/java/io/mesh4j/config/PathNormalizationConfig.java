package io.mesh4j.config;

import java.util.Objects;

/**
 * How request paths are made canonical before any decision ({@code path_normalization:}),
 * mirroring Envoy's {@code HttpConnectionManager} options of the same names. Applies to both
 * sides (the servlet filter, the OkHttp interceptor and the gateway's forwarding). Immutable.
 *
 * <p>Whatever the options, a path is never decided on in one spelling and served in another: a
 * dot segment that is not resolved ({@code normalize_path: false}) is refused, never passed; see
 * {@code io.mesh4j.route.RequestPath} for the rules.
 *
 * @param normalizePath {@code true} (default): percent-escapes of unreserved characters are
 *     decoded and dot segments resolved (RFC 3986 §5.2.4); {@code false}: the path is not rewritten
 *     and a path that would need either is refused (400), which the validator reports as a
 *     warning
 * @param mergeSlashes {@code true} (default): empty segments are merged ({@code //a} is {@code
 *     /a}); {@code false}: they are kept, and a container that merges them makes the servlet filter
 *     refuse the request (it would dispatch a different path)
 * @param escapedSlashes what to do with {@code %2F} and {@code %5C} in a path
 */
public record PathNormalizationConfig(
    boolean normalizePath, boolean mergeSlashes, EscapedSlashes escapedSlashes) {

  /** The defaults: normalize, merge slashes, refuse escaped slashes. */
  public static final PathNormalizationConfig DEFAULT =
      new PathNormalizationConfig(true, true, EscapedSlashes.REJECT_REQUEST);

  public PathNormalizationConfig {
    Objects.requireNonNull(escapedSlashes, "escapedSlashes");
  }

  /**
   * {@code path_with_escaped_slashes_action}: what a path containing {@code %2F} or {@code %5C}
   * (any case) gets. Envoy's {@code PathWithEscapedSlashesAction} without its
   * {@code IMPLEMENTATION_SPECIFIC_DEFAULT}.
   */
  public enum EscapedSlashes {
    /** Kept as an escape: {@code a%2Fb} is one segment for every decision and is forwarded so. */
    KEEP_UNCHANGED("keep_unchanged"),
    /** Refused with 400 (the default). */
    REJECT_REQUEST("reject_request"),
    /**
     * Answered with a 307 redirect to the path with {@code %2F} and {@code %5C} turned into
     * {@code /} and made canonical; refused when that path would start with {@code //}.
     */
    UNESCAPE_AND_REDIRECT("unescape_and_redirect"),
    /** Turned into {@code /} before the path is made canonical, decided on and forwarded. */
    UNESCAPE_AND_FORWARD("unescape_and_forward");

    private final String configName;

    EscapedSlashes(String configName) {
      this.configName = configName;
    }

    /** The name used in the config file. */
    public String configName() {
      return configName;
    }

    /** The action with that config name, or {@code null}. */
    public static EscapedSlashes fromConfigName(String name) {
      for (EscapedSlashes a : values()) {
        if (a.configName.equals(name)) return a;
      }
      return null;
    }
  }
}
