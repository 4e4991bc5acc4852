package io.mesh4j.xds.translate;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.Map;
import java.util.Set;

/**
 * The rule that nothing is dropped silently: every field set in a message is either handled by the
 * translator's code, listed as cosmetic (IGNORED, with the reason) or REJECTED as not supported.
 * Fields unknown to this API version (a newer control plane) are REJECTED too.
 */
final class Fields {
  static final String NOT_SUPPORTED = "not supported by mesh4j";

  private Fields() {}

  /**
   * Reports every set field of {@code m} that is neither in {@code handled} nor in
   * {@code ignored} (name → reason) as REJECTED, and every one in {@code ignored} as IGNORED.
   *
   * @param path the message's own field path ({@code ""} for the resource itself)
   */
  static void walk(Issues.Scope s, String path, MessageOrBuilder m, Set<String> handled,
      Map<String, String> ignored) {
    for (FieldDescriptor f : m.getAllFields().keySet()) {
      String name = f.getName();
      if (handled.contains(name)) continue;
      String reason = ignored.get(name);
      if (reason != null) {
        s.ignore(join(path, name), reason);
      } else {
        s.reject(join(path, name), NOT_SUPPORTED);
      }
    }
    for (Integer number : m.getUnknownFields().asMap().keySet()) {
      s.reject(join(path, "#" + number), "unknown field number " + number
          + " (from a newer Envoy API than mesh4j knows)");
    }
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static String index(String path, String field, int i) {
    return join(path, field) + "[" + i + "]";
  }
}
