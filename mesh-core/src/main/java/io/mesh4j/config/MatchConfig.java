package io.mesh4j.config;

import java.util.List;
import java.util.Set;

/**
 * The conditions of a route; all of them must hold. Immutable.
 *
 * @param pathKind how {@code pathValue} is matched, or {@code null} when any path matches
 * @param pathValue the prefix, exact path or regex (whole path); {@code null} with a null kind
 * @param caseSensitive whether the path match is case-sensitive (default true)
 * @param methods upper-case method names; empty means any method
 * @param headers header conditions (names lower-cased; pseudo-headers {@code :method},
 *     {@code :path}, {@code :authority}, {@code :scheme} allowed)
 * @param query query parameter conditions (names as written, matched against decoded names)
 * @param source CIDRs the request's source address must be in; empty means any source
 * @param principals peer identities (URI SAN such as a SPIFFE ID, or subject CN), exact or with a
 *     trailing {@code *}; empty means any (or no) principal
 * @param custom a registered custom condition ({@code custom: { name, args }}), checked after
 *     every other condition; {@code null} when absent
 */
public record MatchConfig(
    PathMatchKind pathKind,
    String pathValue,
    boolean caseSensitive,
    Set<String> methods,
    List<HeaderMatchConfig> headers,
    List<QueryMatchConfig> query,
    List<Cidr> source,
    List<String> principals,
    ExtensionRef custom) {

  /** Matches every request. */
  public static final MatchConfig ANY =
      new MatchConfig(null, null, true, Set.of(), List.of(), List.of(), List.of(), List.of(), null);

  public MatchConfig {
    methods = Set.copyOf(methods);
    headers = List.copyOf(headers);
    query = List.copyOf(query);
    source = List.copyOf(source);
    principals = List.copyOf(principals);
  }

  /** How a route's path condition compares the request path. */
  public enum PathMatchKind {
    /** Plain string prefix: {@code /foo} matches {@code /foobar}. */
    PREFIX,
    /** Exact path. */
    PATH,
    /** Whole segments: {@code /foo} matches {@code /foo} and {@code /foo/x}, not {@code /foobar}. */
    PATH_SEPARATED_PREFIX,
    /** A regular expression that must match the whole path. */
    REGEX
  }
}
