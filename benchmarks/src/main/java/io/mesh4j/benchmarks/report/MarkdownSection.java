package io.mesh4j.benchmarks.report;

import java.util.Objects;

/**
 * A generated region of a Markdown document, delimited by {@code <!-- NAME:begin -->} and {@code
 * <!-- NAME:end -->} lines, so a runner can rewrite its own figures and leave the hand-written
 * text around them alone.
 *
 * <p>Stateless and thread-safe. Arguments must not be null ({@link NullPointerException}).
 */
public final class MarkdownSection {
  private MarkdownSection() {}

  /** The opening marker of section {@code name}. */
  public static String begin(String name) {
    return "<!-- " + Objects.requireNonNull(name, "name") + ":begin -->";
  }

  /** The closing marker of section {@code name}. */
  public static String end(String name) {
    return "<!-- " + Objects.requireNonNull(name, "name") + ":end -->";
  }

  /**
   * {@code document} with the text between the markers of {@code name} replaced by {@code body}.
   * When the document has no opening marker, the markers and body are appended at its end, after a
   * blank line. {@code body} should end with a newline.
   *
   * @throws IllegalArgumentException when the document opens the section but never closes it
   */
  public static String replace(String document, String name, String body) {
    Objects.requireNonNull(body, "body");
    validate(document, name);
    String begin = begin(name);
    String end = end(name);
    int b = document.indexOf(begin);
    int e = b < 0 ? -1 : document.indexOf(end, b);
    String block = begin + "\n" + body + end;
    if (b < 0) {
      String sep = document.isEmpty() || document.endsWith("\n\n") ? "" : document.endsWith("\n") ? "\n" : "\n\n";
      return document + sep + block + "\n";
    }
    return document.substring(0, b) + block + document.substring(e + end.length());
  }

  /**
   * Checks that {@code document} either lacks section {@code name} or opens and closes it once, so
   * a runner can refuse a damaged document before it spends minutes measuring.
   *
   * @throws IllegalArgumentException naming the marker that is missing or repeated
   */
  public static void validate(String document, String name) {
    Objects.requireNonNull(document, "document");
    String begin = begin(name);
    String end = end(name);
    int b = document.indexOf(begin);
    int e = document.indexOf(end);
    if (b < 0 && e < 0) return;
    if (e < 0) throw new IllegalArgumentException(begin + " without a following " + end);
    if (b < 0 || e < b) throw new IllegalArgumentException(end + " without a preceding " + begin);
    if (document.indexOf(begin, b + 1) >= 0 || document.indexOf(end, e + 1) >= 0) {
      throw new IllegalArgumentException(begin + " or " + end + " appears more than once");
    }
  }

  /** The text between the markers of {@code name}, or null when the document has no such section. */
  public static String body(String document, String name) {
    Objects.requireNonNull(document, "document");
    String begin = begin(name);
    int b = document.indexOf(begin);
    int e = b < 0 ? -1 : document.indexOf(end(name), b);
    if (b < 0 || e < 0) return null;
    int start = b + begin.length();
    if (start < e && document.charAt(start) == '\n') start++;
    return document.substring(start, e);
  }
}
