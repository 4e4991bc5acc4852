package io.mesh4j.route;

/** Formats request values for explanations: quoted, escaped and shortened. */
final class Describe {
  private static final int MAX = 80;

  private Describe() {}

  /** {@code "value"} with controls escaped and long values cut to 80 chars plus a marker. */
  static String quote(String s) {
    if (s == null) return "(none)";
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 16).append('"');
    int n = Math.min(s.length(), MAX);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
    if (s.length() > MAX) b.append("... (").append(s.length()).append(" chars)");
    return b.toString();
  }
}
