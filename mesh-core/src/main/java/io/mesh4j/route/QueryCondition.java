package io.mesh4j.route;

import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.QueryMatchConfig.Kind;
import io.mesh4j.config.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A compiled query-parameter condition (see {@link QueryStrings} for decoding). The first value of
 * a repeated name counts; a name without {@code =} is present with the empty value. An absent
 * parameter fails {@code exact} and {@code regex}. Immutable; {@link #test} allocates nothing
 * except for regexes.
 */
final class QueryCondition {
  final QueryMatchConfig config;
  private final byte[] name;
  private final byte[] value;
  private final Pattern pattern;

  QueryCondition(QueryMatchConfig config) {
    this.config = config;
    this.name = config.name().getBytes(StandardCharsets.UTF_8);
    if (config.kind() != Kind.PRESENT && config.value() == null) {
      throw new IllegalArgumentException(
          "query " + config.name() + ": " + config.kind() + " needs a value");
    }
    this.value = config.kind() == Kind.EXACT ? config.value().getBytes(StandardCharsets.UTF_8) : null;
    this.pattern = config.kind() == Kind.REGEX ? Pattern.compile(config.value()) : null;
  }

  boolean test(String query) {
    long found = QueryStrings.find(query, name);
    return switch (config.kind()) {
      case PRESENT -> (found != QueryStrings.ABSENT) == config.present();
      case EXACT -> found != QueryStrings.ABSENT
          && QueryStrings.decodedEquals(
              query, QueryStrings.valueStart(found), QueryStrings.valueEnd(found), value);
      case REGEX -> found != QueryStrings.ABSENT
          && Regexes.matches(pattern, QueryStrings.decode(
              query, QueryStrings.valueStart(found), QueryStrings.valueEnd(found)));
    };
  }

  /** Why {@code query} fails this condition, in words. */
  String whyNot(String query) {
    String q = "query parameter " + config.name();
    long found = QueryStrings.find(query, name);
    if (config.kind() == Kind.PRESENT) {
      return config.present() ? q + " is absent" : q + " is present (must be absent)";
    }
    if (found == QueryStrings.ABSENT) return q + " is absent";
    String actual = Secrets.headerValue(config.name(),
        QueryStrings.decode(query, QueryStrings.valueStart(found), QueryStrings.valueEnd(found)));
    String expected = Describe.quote(Secrets.headerValue(config.name(), config.value()));
    return config.kind() == Kind.EXACT
        ? q + " value " + Describe.quote(actual) + " is not " + expected
        : q + " value " + Describe.quote(actual) + " does not match regex " + expected;
  }
}
