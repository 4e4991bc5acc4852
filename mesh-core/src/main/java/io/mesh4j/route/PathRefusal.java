package io.mesh4j.route;

/**
 * Why a request path was refused (answered 400 on the server side, failed with {@code
 * invalid-path} on the client side). The {@link #tag()} is the {@code reason} tag of {@code
 * mesh.server.path.refused} and what explain prints.
 */
public enum PathRefusal {
  /** The path does not start with {@code /}. */
  NOT_ABSOLUTE("not-absolute"),
  /** A {@code %} not followed by two hex digits. */
  MALFORMED_ESCAPE("malformed-escape"),
  /** A raw or escaped control character ({@code %00}-{@code %1F}, {@code %7F}). */
  CONTROL_CHARACTER("control-character"),
  /** A raw backslash (servers disagree whether it separates segments). */
  BACKSLASH("backslash"),
  /** {@code %2F} or {@code %5C} under {@code path_with_escaped_slashes_action: reject_request}. */
  ESCAPED_SLASH("escaped-slash"),
  /** A {@code ..} that would climb above the root. */
  ABOVE_ROOT("above-root"),
  /** A dot segment under {@code normalize_path: false}. */
  DOT_SEGMENT("dot-segment"),
  /** An escaped unreserved character ({@code %69}) under {@code normalize_path: false}. */
  ESCAPED_UNRESERVED("escaped-unreserved"),
  /** {@code unescape_and_redirect} would redirect to a path starting with {@code //}. */
  UNSAFE_REDIRECT("unsafe-redirect"),
  /** The servlet container would dispatch a different path than the one decided on. */
  DISPATCH_MISMATCH("dispatch-mismatch");

  private final String tag;

  PathRefusal(String tag) {
    this.tag = tag;
  }

  /** The metric tag and explain word: lower case, dash-separated. */
  public String tag() {
    return tag;
  }
}
