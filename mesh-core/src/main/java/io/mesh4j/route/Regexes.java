package io.mesh4j.route;

import java.util.regex.Pattern;

/** Whole-input regex matching that a hostile input cannot turn into an exception. */
final class Regexes {
  private Regexes() {}

  /**
   * Whether {@code pattern} matches all of {@code input}. A pattern whose backtracking overflows
   * the stack on a pathological input (java.util.regex recurses per repetition of some groups)
   * counts as not matching, so an odd request can never make routing throw.
   */
  static boolean matches(Pattern pattern, CharSequence input) {
    try {
      return pattern.matcher(input).matches();
    } catch (StackOverflowError e) {
      return false;
    }
  }

  /** Compiles {@code regex}; {@code caseSensitive=false} folds Unicode case. */
  static Pattern compile(String regex, boolean caseSensitive) {
    return caseSensitive
        ? Pattern.compile(regex)
        : Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }
}
