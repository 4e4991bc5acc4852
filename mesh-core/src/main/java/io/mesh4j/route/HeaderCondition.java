package io.mesh4j.route;

import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.Secrets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A compiled header condition. Immutable.
 *
 * <p>The value is the header's value, repeated lines joined with {@code ","} ({@link
 * RequestView#header}); pseudo-headers are
 * read from the request itself: {@code :method}, {@code :scheme}, {@code :authority} (also under
 * the name {@code host}) and {@code :path}, which is the path plus {@code ?query} as in Envoy.
 * Names compare case-insensitively, values case-sensitively. A missing header fails every kind
 * except {@code present}, whatever {@code invert} says; for {@code present}, {@code invert} simply
 * negates the result. {@link #test} allocates nothing, except for regexes and for {@code :path}
 * on a request that has a query string (the value is then built by concatenation).
 */
final class HeaderCondition {
  private enum Source { HEADER, METHOD, SCHEME, AUTHORITY, PATH }

  final HeaderMatchConfig config;
  private final String name;
  private final Source source;
  private final Kind kind;
  private final String value;
  private final Pattern pattern;
  private final boolean present;
  private final boolean invert;

  HeaderCondition(HeaderMatchConfig config) {
    this.config = config;
    this.name = config.name().toLowerCase(Locale.ROOT);
    this.source = switch (name) {
      case ":method" -> Source.METHOD;
      case ":scheme" -> Source.SCHEME;
      case ":authority", "host" -> Source.AUTHORITY;
      case ":path" -> Source.PATH;
      default -> Source.HEADER;
    };
    this.kind = config.kind();
    this.value = config.value();
    if (kind != Kind.PRESENT && value == null) {
      throw new IllegalArgumentException("header " + name + ": " + kind + " needs a value");
    }
    this.pattern = kind == Kind.REGEX ? Pattern.compile(value) : null;
    this.present = config.present();
    this.invert = config.invert();
  }

  private String read(RequestView request) {
    switch (source) {
      case METHOD:
        return request.method();
      case SCHEME:
        return request.scheme();
      case AUTHORITY:
        return request.authority();
      case PATH:
        String path = request.path();
        String query = request.query();
        return query == null || path == null ? path : path + '?' + query;
      default:
        return request.header(name);
    }
  }

  boolean test(RequestView request) {
    return test(read(request));
  }

  private boolean test(String actual) {
    if (kind == Kind.PRESENT) return ((actual != null) == present) != invert;
    if (actual == null) return false;
    return compare(actual) != invert;
  }

  private boolean compare(String actual) {
    return switch (kind) {
      case EXACT -> actual.equals(value);
      case PREFIX -> actual.startsWith(value);
      case SUFFIX -> actual.endsWith(value);
      case CONTAINS -> actual.contains(value);
      case REGEX -> Regexes.matches(pattern, actual);
      case PRESENT -> true;
    };
  }

  /** Why {@code request} fails this condition, in words. */
  String whyNot(RequestView request) {
    String actual = read(request);
    String h = "header " + name;
    if (kind == Kind.PRESENT) {
      boolean mustBePresent = present != invert;
      return mustBePresent ? h + " is absent" : h + " is present (must be absent)";
    }
    if (actual == null) {
      return h + " is absent" + (invert ? " (an inverted match still needs the header)" : "");
    }
    // Secrets: neither the configured value nor the request's own is shown for a credential-like
    // name (the one rule of io.mesh4j.config.Secrets, as in /mesh/config).
    String a = h + " value " + Describe.quote(Secrets.headerValue(name, actual));
    String v = Describe.quote(Secrets.headerValue(name, value));
    if (invert) {
      return switch (kind) {
        case EXACT -> a + " equals " + v + " (inverted)";
        case PREFIX -> a + " starts with " + v + " (inverted)";
        case SUFFIX -> a + " ends with " + v + " (inverted)";
        case CONTAINS -> a + " contains " + v + " (inverted)";
        default -> a + " matches regex " + v + " (inverted)";
      };
    }
    return switch (kind) {
      case EXACT -> a + " is not " + v;
      case PREFIX -> a + " does not start with " + v;
      case SUFFIX -> a + " does not end with " + v;
      case CONTAINS -> a + " does not contain " + v;
      default -> a + " does not match regex " + v;
    };
  }
}
