package io.mesh4j.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A config section whose keys are, in order, the components of one record ({@code
 * consecutive_5xx} ↔ {@code consecutive5xx}, {@code max_ejection_percent} ↔ {@code
 * maxEjectionPercent}), each a scalar (integer, number, boolean, string or duration). From the
 * section's declarations alone it reads the section ({@link TreeReader}), checks and collects a
 * builder's values ({@link MeshConfigBuilder}) and writes the record back ({@link ConfigWriter}),
 * so a field added to such a section is its record component, its declaration and a builder
 * setter that names the key. A section and record that disagree fail when this class is
 * initialised, naming the key. Immutable; reflection is used only to build and take apart the
 * record.
 */
final class RecordBinding<R extends Record> {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  final ConfigSchema.Section section;
  final R defaults;
  private final List<ConfigSchema.Field> fields;
  private final RecordComponent[] components;
  private final Constructor<R> canonical;
  private final Consumer<Object[]> derive;

  RecordBinding(ConfigSchema.Section section, Class<R> type, R defaults) {
    this(section, type, defaults, values -> {});
  }

  /**
   * With defaults that depend on other keys: {@code derive} fills, in the values given (by key
   * position, {@code null} where unset), the ones it derives; the rest take {@code defaults}.
   */
  RecordBinding(ConfigSchema.Section section, Class<R> type, R defaults,
      Consumer<Object[]> derive) {
    this.derive = Objects.requireNonNull(derive, "derive");
    this.section = section;
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    this.fields = section.fields();
    this.components = type.getRecordComponents();
    if (components.length != fields.size()) {
      throw new IllegalStateException(section.id + " declares " + fields.size() + " keys, "
          + type.getSimpleName() + " has " + components.length + " components");
    }
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      ConfigSchema.Field f = fields.get(i);
      if (!camel(f.name()).equals(components[i].getName())) {
        throw new IllegalStateException(section.id + "." + f.name() + " is not "
            + type.getSimpleName() + "." + components[i].getName() + " (keys and components"
            + " must come in the same order)");
      }
      if (javaType(f.type()) == null) {
        throw new IllegalStateException(section.id + "." + f.name() + ": not a scalar type");
      }
      types[i] = components[i].getType();
    }
    try {
      this.canonical = type.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(type + " has no canonical constructor", e);
    }
  }

  /** {@code max_ejection_percent} → {@code maxEjectionPercent}. */
  static String camel(String key) {
    StringBuilder sb = new StringBuilder(key.length());
    boolean up = false;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private static Class<?> javaType(ConfigSchema.Type t) {
    return switch (t.kind) {
      case INTEGER -> Integer.class;
      case NUMBER -> Double.class;
      case BOOLEAN -> Boolean.class;
      case STRING -> String.class;
      case DURATION -> Duration.class;
      default -> null;
    };
  }

  int size() {
    return fields.size();
  }

  /** The position of {@code key}. */
  int index(String key) {
    for (int i = 0; i < fields.size(); i++) if (fields.get(i).name().equals(key)) return i;
    throw new IllegalArgumentException(section.id + " has no key " + key);
  }

  /** The value of component {@code i} of {@code r}. */
  Object get(R r, int i) {
    try {
      return components[i].getAccessor().invoke(r);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The record with {@code values[i]} where it is non-null, derived defaults where the binding
   * has them and the declared defaults elsewhere.
   */
  R with(Object[] values) {
    Object[] args = values.clone();
    derive.accept(args);
    for (int i = 0; i < args.length; i++) if (args[i] == null) args[i] = get(defaults, i);
    try {
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The problem with {@code value} for {@code key} on its own (the builder's check), as {@code
   * key: problem}, or {@code null}: the declared numeric range, a duration's sign and precision.
   */
  String problem(String key, Object value) {
    ConfigSchema.Type t = fields.get(index(key)).type();
    String p = null;
    if (value instanceof Integer v) {
      p = t.check(v);
    } else if (value instanceof Double v) {
      p = t.check(v);
    } else if (value instanceof Duration d) {
      p = t.min != null && t.min > 0 ? Checks.positive(d) : Checks.nonNegative(d);
    }
    return p == null ? null : key + ": " + p;
  }

  /**
   * The builder's record from {@code key, value} pairs: each value non-null and checked as
   * declared ({@link #problem}), the error naming {@code prefix.key}; unset keys derived or
   * defaulted as by {@link #with}.
   *
   * @throws IllegalArgumentException naming the first bad value
   */
  R of(String prefix, Object... keyValues) {
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < keyValues.length; i += 2) {
      String key = (String) keyValues[i];
      Object value = Objects.requireNonNull(keyValues[i + 1], prefix + "." + key);
      String problem = problem(key, value);
      if (problem != null) throw new IllegalArgumentException(prefix + "." + problem);
      values[index(key)] = value;
    }
    return with(values);
  }

  /**
   * Reads the section: each key through {@code read} (which reports a malformed value and gives
   * {@code null}), the default where a key is absent or malformed.
   */
  R read(Function<ConfigSchema.Field, Object> read) {
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) values[i] = read.apply(fields.get(i));
    return with(values);
  }

  /**
   * The record as a map of the file format; with {@code all} false, defaults left out (a required
   * key is always written, a {@code null} never).
   */
  ObjectNode write(R r, boolean all) {
    ObjectNode o = F.objectNode();
    for (int i = 0; i < fields.size(); i++) {
      Object v = get(r, i);
      if (!all && !fields.get(i).required() && Objects.equals(v, get(defaults, i))) continue;
      String key = fields.get(i).name();
      ConfigSchema.Type t = fields.get(i).type();
      if (t.keyword != null && v instanceof Integer n && n == t.keywordValue) o.put(key, t.keyword);
      else if (v instanceof Integer n) o.put(key, n);
      else if (v instanceof Double n) o.put(key, n);
      else if (v instanceof Boolean b) o.put(key, b);
      else if (v instanceof Duration d) o.put(key, ConfigWriter.duration(d));
      else if (v != null) o.put(key, v.toString());
    }
    return o;
  }
}
