package io.mesh4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments split into positionals, boolean flags and (repeatable) options with a
 * value. Unknown options are usage errors, so a typo never silently changes the answer.
 */
final class Args {
  final List<String> positionals = new ArrayList<>();
  private final Map<String, List<String>> options = new HashMap<>();
  private final List<String> flags = new ArrayList<>();

  static Args parse(List<String> argv, Set<String> flagNames, Set<String> optionNames) {
    Args a = new Args();
    for (int i = 0; i < argv.size(); i++) {
      String s = argv.get(i);
      if (s.startsWith("-") && s.length() > 1 && !s.equals("-")) {
        String name = s;
        String value = null;
        int eq = s.indexOf('=');
        if (s.startsWith("--") && eq > 0) {
          name = s.substring(0, eq);
          value = s.substring(eq + 1);
        }
        if (flagNames.contains(name)) {
          if (value != null) throw new UsageException(name + " takes no value");
          a.flags.add(name);
        } else if (optionNames.contains(name)) {
          if (value == null) {
            if (i + 1 >= argv.size()) throw new UsageException(name + " needs a value");
            value = argv.get(++i);
          }
          a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        } else {
          throw new UsageException("unknown option " + name);
        }
      } else {
        a.positionals.add(s);
      }
    }
    return a;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  List<String> all(String name) {
    return options.getOrDefault(name, List.of());
  }

  String one(String name) {
    List<String> v = all(name);
    if (v.size() > 1) throw new UsageException(name + " given more than once");
    return v.isEmpty() ? null : v.get(0);
  }
}
