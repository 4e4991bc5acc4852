package io.mesh4j.route;

import io.mesh4j.config.Cidr;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.QueryMatchConfig;
import java.util.List;
import java.util.Objects;

/**
 * The compiled conditions of one {@link MatchConfig}: a request matches when every condition
 * holds. Used by routes and reusable by anything else that matches requests (authorization rules).
 *
 * <p>Conditions are checked in this order, which is also the order {@link #firstFailure} reports
 * them in: path, methods, headers (as listed), query parameters (as listed), source CIDRs,
 * principals, and last the custom condition ({@link RouteMatcher}), if any, so the built-in ones
 * filter cheaply first. A custom matcher that throws counts as not matching.
 *
 * <ul>
 *   <li>Path: see {@link MatchConfig.PathMatchKind}; {@code case_sensitive: false} applies to the
 *       path only. The query string is never part of the path.
 *   <li>Methods: the request method must equal one of them (upper-case, exact).
 *   <li>Headers: names ignore case, values do not; pseudo-headers {@code :method}, {@code :scheme},
 *       {@code :authority} (alias {@code host}) and {@code :path} (path plus {@code ?query}). A
 *       missing header fails every kind except {@code present: false}, even an inverted one; on
 *       {@code present}, {@code invert} negates the result.
 *   <li>Query: percent-decoded, {@code +} is not a space, the first value of a repeated name counts,
 *       malformed encoding is taken literally.
 *   <li>Source: the request's {@link RequestView#sourceAddress()} must be in one of the CIDRs; an
 *       unknown or unparseable source fails.
 *   <li>Principals: {@link RequestView#principal()} must equal one of them, or start with one that
 *       ends with {@code *} (the {@code *} removed); no principal fails.
 * </ul>
 *
 * <p>Immutable and thread-safe. {@link #matches} throws nothing on any request (a {@code null}
 * path counts as empty) and allocates nothing for path (except regex), method, header (except
 * regex and {@code :path} with a query), and query {@code exact}/{@code present} conditions. Source
 * conditions parse the address literal, which allocates.
 */
public final class RequestMatcher {
  private final MatchConfig config;
  private final PathCondition path;
  private final String[] methods;
  private final HeaderCondition[] headers;
  private final QueryCondition[] query;
  private final Cidr[] sources;
  private final String[] principals;
  private final String[] principalPrefixes;
  private final boolean hasPrincipals;
  private final RouteMatcher custom;

  private RequestMatcher(MatchConfig config, RouteMatcher custom) {
    this.config = config;
    this.custom = custom;
    if (config.custom() != null && custom == null) {
      throw new IllegalArgumentException("custom matcher " + config.custom().name()
          + " is not compiled (expected: RequestMatcher.compile(config, matcher))");
    }
    if (config.pathKind() != null && config.pathValue() == null) {
      throw new IllegalArgumentException("path condition " + config.pathKind() + " has no value");
    }
    this.path = config.pathKind() == null
        ? null
        : new PathCondition(config.pathKind(), config.pathValue(), config.caseSensitive());
    this.methods = config.methods().stream().sorted().toArray(String[]::new);
    List<HeaderMatchConfig> hs = config.headers();
    this.headers = hs.stream().map(HeaderCondition::new).toArray(HeaderCondition[]::new);
    List<QueryMatchConfig> qs = config.query();
    this.query = qs.stream().map(QueryCondition::new).toArray(QueryCondition[]::new);
    this.sources = config.source().toArray(new Cidr[0]);
    this.principals = config.principals().stream()
        .filter(p -> !p.endsWith("*")).toArray(String[]::new);
    this.principalPrefixes = config.principals().stream()
        .filter(p -> p.endsWith("*")).map(p -> p.substring(0, p.length() - 1))
        .toArray(String[]::new);
    this.hasPrincipals = !config.principals().isEmpty();
  }

  /**
   * Compiles {@code config}.
   *
   * @throws IllegalArgumentException if a regex does not compile or a condition lacks its operand
   *     (cannot happen for a validated config)
   * @throws NullPointerException if {@code config} is null
   */
  public static RequestMatcher compile(MatchConfig config) {
    return new RequestMatcher(Objects.requireNonNull(config, "config"), null);
  }

  /**
   * Compiles {@code config} whose {@code custom} condition was created as {@code custom} (by its
   * {@link RouteMatcher.Factory}, once per snapshot).
   *
   * @param custom the compiled custom condition; {@code null} when {@code config} has none
   * @throws IllegalArgumentException as {@link #compile(MatchConfig)}, or when {@code config}
   *     names a custom condition and {@code custom} is null
   */
  public static RequestMatcher compile(MatchConfig config, RouteMatcher custom) {
    return new RequestMatcher(Objects.requireNonNull(config, "config"), custom);
  }

  /** The config this was compiled from. */
  public MatchConfig config() {
    return config;
  }

  /** Whether every condition holds for {@code request}. Never throws. */
  public boolean matches(RequestView request) {
    return matches(request, pathOf(request));
  }

  /**
   * The first condition {@code request} fails, in words ({@code path "/x" does not start with
   * "/api/"}, {@code header x-canary is absent}), or {@code null} when it matches. Allocates.
   */
  public String firstFailure(RequestView request) {
    return firstFailure(request, pathOf(request));
  }

  static String pathOf(RequestView request) {
    String p = request.path();
    return p == null ? "" : p;
  }

  PathCondition pathCondition() {
    return path;
  }

  boolean matches(RequestView request, String requestPath) {
    if (path != null && !path.test(requestPath)) return false;
    if (methods.length > 0 && !methodMatches(request.method())) return false;
    for (HeaderCondition h : headers) {
      if (!h.test(request)) return false;
    }
    if (query.length > 0) {
      String q = request.query();
      for (QueryCondition c : query) {
        if (!c.test(q)) return false;
      }
    }
    if (sources.length > 0 && !sourceMatches(request.sourceAddress())) return false;
    if (hasPrincipals && !principalMatches(request.principal())) return false;
    return custom == null || customMatches(request);
  }

  private boolean customMatches(RequestView request) {
    try {
      return custom.matches(request);
    } catch (RuntimeException e) {
      return false;
    }
  }

  String firstFailure(RequestView request, String requestPath) {
    if (path != null && !path.test(requestPath)) return path.whyNot(requestPath);
    if (methods.length > 0) {
      String m = request.method();
      if (!methodMatches(m)) {
        return "method " + (m == null ? "(none)" : Describe.quote(m)) + " not in "
            + "[" + String.join(", ", methods) + "]";
      }
    }
    for (HeaderCondition h : headers) {
      if (!h.test(request)) return h.whyNot(request);
    }
    if (query.length > 0) {
      String q = request.query();
      for (QueryCondition c : query) {
        if (!c.test(q)) return c.whyNot(q);
      }
    }
    if (sources.length > 0) {
      String s = request.sourceAddress();
      if (!sourceMatches(s)) {
        return s == null
            ? "source address is unknown (needed: " + config.source() + ")"
            : "source " + Describe.quote(s) + " not in " + config.source();
      }
    }
    if (hasPrincipals) {
      String p = request.principal();
      if (!principalMatches(p)) {
        return p == null
            ? "no peer principal (the connection presented no verified identity; needed: "
                + config.principals() + ")"
            : "principal " + Describe.quote(p) + " not in " + config.principals();
      }
    }
    if (custom != null && !customMatches(request)) {
      return "custom matcher " + config.custom() + " does not match";
    }
    return null;
  }

  private boolean methodMatches(String method) {
    if (method == null) return false;
    for (String m : methods) {
      if (m.equals(method)) return true;
    }
    return false;
  }

  private boolean sourceMatches(String source) {
    if (source == null) return false;
    byte[] address = Cidr.parseAddress(source);
    if (address == null) return false;
    for (Cidr c : sources) {
      if (c.contains(address)) return true;
    }
    return false;
  }

  private boolean principalMatches(String principal) {
    if (principal == null) return false;
    for (String p : principals) {
      if (p.equals(principal)) return true;
    }
    for (String p : principalPrefixes) {
      if (principal.startsWith(p)) return true;
    }
    return false;
  }

  @Override
  public String toString() {
    return "RequestMatcher{" + config + "}";
  }
}
