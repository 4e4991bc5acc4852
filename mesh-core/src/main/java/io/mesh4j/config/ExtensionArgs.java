package io.mesh4j.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The arguments of one extension reference in the config ({@code args:} under a custom matcher,
 * a custom {@code lb} or a policy): a read-only tree of maps, lists and scalars.
 *
 * <p>Values are {@link String}, {@link Long} (integers), {@link Double} (other numbers), {@link
 * Boolean}, {@code null} (YAML {@code ~}), an unmodifiable {@code List<Object>} or an unmodifiable
 * {@code Map<String, Object>} of the same. Map order is the config's order. The typed accessors
 * return {@code null} when the key is absent <em>or</em> holds another type, so a factory's
 * {@code create} may read without checks once its {@code validate} accepted the arguments.
 *
 * <p>Immutable and thread-safe; equal when the trees are equal.
 */
public final class ExtensionArgs {
  /** No arguments. */
  public static final ExtensionArgs EMPTY = new ExtensionArgs(Map.of());

  private final Map<String, Object> values;

  private ExtensionArgs(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Arguments holding a deep, immutable copy of {@code map}. Integer types become {@link Long},
   * other numbers {@link Double}; nested maps must have string keys.
   *
   * @throws IllegalArgumentException for a value of any other type
   * @throws NullPointerException if {@code map} or one of its keys is null
   */
  public static ExtensionArgs of(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    if (map.isEmpty()) return EMPTY;
    return new ExtensionArgs(copyMap(map, "args"));
  }

  private static Map<String, Object> copyMap(Map<?, ?> map, String path) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        throw new IllegalArgumentException(path + ": key " + e.getKey() + " (expected: a string)");
      }
      out.put(k, copy(e.getValue(), path + "." + k));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object copy(Object v, String path) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
    if (v instanceof Float f) return f.doubleValue();
    if (v instanceof Map<?, ?> m) return copyMap(m, path);
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (int i = 0; i < l.size(); i++) out.add(copy(l.get(i), path + "[" + i + "]"));
      return Collections.unmodifiableList(out);
    }
    throw new IllegalArgumentException(path + ": " + v.getClass().getSimpleName()
        + " (expected: a string, number, boolean, list or map)");
  }

  /** The whole tree, in config order. Unmodifiable. */
  public Map<String, Object> asMap() {
    return values;
  }

  /** The argument names, in config order. */
  public Set<String> keys() {
    return values.keySet();
  }

  /** Whether {@code key} is present (possibly with a null value). */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** The raw value of {@code key}, or {@code null}. */
  public Object get(String key) {
    return values.get(key);
  }

  /** The string at {@code key}; {@code null} when absent or not a string. */
  public String string(String key) {
    return values.get(key) instanceof String s ? s : null;
  }

  /** The boolean at {@code key}; {@code null} when absent or not a boolean. */
  public Boolean bool(String key) {
    return values.get(key) instanceof Boolean b ? b : null;
  }

  /** The integer at {@code key}; {@code null} when absent or not an integer. */
  public Long integer(String key) {
    return values.get(key) instanceof Long l ? l : null;
  }

  /** The number at {@code key} as a double; {@code null} when absent or not a number. */
  public Double number(String key) {
    Object v = values.get(key);
    return v instanceof Long l ? Double.valueOf(l) : v instanceof Double d ? d : null;
  }

  /**
   * The list of strings at {@code key}; {@code null} when absent, not a list, or holding anything
   * but strings.
   */
  public List<String> strings(String key) {
    if (!(values.get(key) instanceof List<?> l)) return null;
    List<String> out = new ArrayList<>(l.size());
    for (Object o : l) {
      if (!(o instanceof String s)) return null;
      out.add(s);
    }
    return List.copyOf(out);
  }

  /**
   * Reports every key not in {@code allowed} to {@code errors} as {@code unknown key (expected one
   * of: ...)}, as the config format does for its own keys. Returns whether there was none.
   */
  public boolean onlyKeys(ArgErrors errors, String... allowed) {
    boolean ok = true;
    for (String k : values.keySet()) {
      boolean known = false;
      for (String a : allowed) known |= a.equals(k);
      if (!known) {
        ok = false;
        errors.error(k, allowed.length == 0
            ? "unknown key (expected: no arguments)"
            : "unknown key (expected one of: " + String.join(", ", allowed) + ")");
      }
    }
    return ok;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExtensionArgs a && a.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
