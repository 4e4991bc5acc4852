package io.mesh4j.route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled {@code rewrite: {regex, substitution}}: every match of the regex in the path is
 * replaced by the substitution, in which {@code \0}..{@code \9} stand for groups (RE2 and Envoy
 * style, one digit), {@code \\} for a backslash, and every other character, {@code $} included,
 * for itself. Immutable.
 */
final class RegexRewrite {
  final Pattern pattern;
  final String substitution;
  /** Literal {@code String}s and {@code Integer} group numbers, in order. */
  private final Object[] parts;

  /**
   * @throws IllegalArgumentException if the regex does not compile or the substitution names a
   *     group the regex does not have
   */
  RegexRewrite(String regex, String substitution) {
    this.pattern = Pattern.compile(regex);
    this.substitution = substitution;
    int groups = pattern.matcher("").groupCount();
    List<Object> out = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < substitution.length(); i++) {
      char c = substitution.charAt(i);
      if (c == '\\' && i + 1 < substitution.length()) {
        char next = substitution.charAt(i + 1);
        if (next >= '0' && next <= '9') {
          int group = next - '0';
          if (group > groups) {
            throw new IllegalArgumentException("substitution " + substitution + " uses group \\"
                + group + " but regex " + regex + " has " + groups + " group(s)");
          }
          if (literal.length() > 0) {
            out.add(literal.toString());
            literal.setLength(0);
          }
          out.add(group);
          i++;
          continue;
        }
        if (next == '\\') {
          literal.append('\\');
          i++;
          continue;
        }
      }
      literal.append(c);
    }
    if (literal.length() > 0) out.add(literal.toString());
    this.parts = out.toArray();
  }

  /**
   * {@code path} with every match replaced; unchanged when nothing matches or when the regex
   * overflows the stack on a pathological input.
   */
  String apply(String path) {
    try {
      Matcher m = pattern.matcher(path);
      if (!m.find()) return path;
      StringBuilder b = new StringBuilder(path.length() + 16);
      int last = 0;
      do {
        b.append(path, last, m.start());
        for (Object part : parts) {
          if (part instanceof Integer g) {
            String value = m.group(g);
            if (value != null) b.append(value);
          } else {
            b.append((String) part);
          }
        }
        last = m.end();
      } while (m.find());
      return b.append(path, last, path.length()).toString();
    } catch (StackOverflowError e) {
      return path;
    }
  }
}
