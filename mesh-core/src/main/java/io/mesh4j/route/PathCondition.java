package io.mesh4j.route;

import io.mesh4j.config.MatchConfig.PathMatchKind;
import java.util.regex.Pattern;

/**
 * A compiled path condition. Immutable. {@link #test} allocates nothing except for regexes.
 *
 * <p>{@code path_separated_prefix}: trailing slashes of the configured value are ignored, so
 * {@code /foo/} behaves as {@code /foo} (matches {@code /foo}, {@code /foo/}, {@code /foo/x}, not
 * {@code /foobar}); a value of only slashes matches every path that starts with {@code /}. The
 * matched prefix (what {@code prefix_rewrite} replaces) is the value without its trailing slashes,
 * so {@code /api} rewritten to {@code /v2} maps {@code /api/x} to {@code /v2/x} and {@code /api}
 * to {@code /v2}; a rewrite ending with {@code /} absorbs the separator, so {@code /} maps {@code
 * /api/x} to {@code /x} and {@code /v2/} maps it to {@code /v2/x}.
 */
final class PathCondition {
  final PathMatchKind kind;
  final String value;
  final boolean caseSensitive;
  /** The literal a matching path must start with (prefix, exact path, separated prefix). */
  final String literal;
  /**
   * A string every path this condition matches starts with, for the route index: the literal,
   * or for a case-sensitive regex its leading literal run ({@code null} when there is none).
   */
  final String indexPrefix;

  private final Pattern pattern;

  PathCondition(PathMatchKind kind, String value, boolean caseSensitive) {
    this.kind = kind;
    this.value = value;
    this.caseSensitive = caseSensitive;
    switch (kind) {
      case PREFIX, PATH -> {
        literal = value;
        pattern = null;
      }
      case PATH_SEPARATED_PREFIX -> {
        int end = value.length();
        while (end > 0 && value.charAt(end - 1) == '/') end--;
        literal = value.substring(0, end);
        pattern = null;
      }
      case REGEX -> {
        literal = null;
        pattern = Regexes.compile(value, caseSensitive);
      }
      default -> throw new IllegalArgumentException("unknown path match kind: " + kind);
    }
    this.indexPrefix = kind != PathMatchKind.REGEX
        ? literal
        : caseSensitive ? regexLiteralPrefix(value) : null;
  }

  /**
   * The leading run of plain characters of {@code regex}, which any whole-input match must start
   * with; {@code null} when it is empty or cannot be trusted. Conservative: it stops at the first
   * character with a meaning in java.util.regex, drops the last plain character when a quantifier
   * follows it, and gives up on any {@code |} (an alternation could start elsewhere).
   */
  static String regexLiteralPrefix(String regex) {
    if (regex.indexOf('|') >= 0) return null;
    int start = regex.startsWith("^") ? 1 : 0;
    int end = start;
    while (end < regex.length() && "\\^$.|?*+()[]{}".indexOf(regex.charAt(end)) < 0) end++;
    if (end < regex.length() && "?*{".indexOf(regex.charAt(end)) >= 0) {
      end--;
      if (end > start && Character.isLowSurrogate(regex.charAt(end))) end--;
    }
    return end > start ? regex.substring(start, end) : null;
  }

  boolean test(String path) {
    switch (kind) {
      case PREFIX:
        return Fold.startsWith(path, literal, caseSensitive);
      case PATH:
        return Fold.equals(path, literal, caseSensitive);
      case PATH_SEPARATED_PREFIX:
        int n = literal.length();
        if (!Fold.startsWith(path, literal, caseSensitive)) return false;
        if (path.length() == n) return n > 0;
        return path.charAt(n) == '/';
      default:
        return Regexes.matches(pattern, path);
    }
  }

  /** How many leading chars of a matching {@code path} the condition consumed. */
  int matchedPrefixLength(String path) {
    int n = switch (kind) {
      case PREFIX, PATH_SEPARATED_PREFIX -> literal.length();
      case PATH, REGEX -> path.length();
    };
    return Math.min(n, path.length());
  }

  /**
   * {@code path} (which this condition matched) with its matched prefix replaced by {@code
   * replacement}. Never throws.
   */
  String replacePrefix(String path, String replacement) {
    int matched = matchedPrefixLength(path);
    if (kind == PathMatchKind.PATH_SEPARATED_PREFIX && replacement.endsWith("/")
        && matched < path.length() && path.charAt(matched) == '/') {
      matched++;
    }
    return replacement.concat(path.substring(matched));
  }

  /** Why {@code path} fails this condition, in words. */
  String whyNot(String path) {
    String ci = caseSensitive ? "" : " (ignoring case)";
    String p = Describe.quote(path);
    return switch (kind) {
      case PREFIX -> "path " + p + " does not start with " + Describe.quote(literal) + ci;
      case PATH -> "path " + p + " is not " + Describe.quote(literal) + ci;
      case PATH_SEPARATED_PREFIX -> literal.isEmpty()
          ? "path " + p + " does not start with \"/\""
          : "path " + p + " is neither " + Describe.quote(literal) + " nor under "
              + Describe.quote(literal + "/") + ci;
      case REGEX -> "path " + p + " does not match regex " + Describe.quote(value) + ci;
    };
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + value;
  }
}
