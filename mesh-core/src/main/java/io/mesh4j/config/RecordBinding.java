package io.mesh4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A config section read, built and written from its declarations alone: each key is the record
 * component of the same name in camel case ({@code max_ejection_percent} ↔ {@code
 * maxEjectionPercent}), of a shape the key's declared {@link ConfigSchema.Type} says:
 *
 * <ul>
 *   <li>a scalar: integer, number, boolean, string or duration;
 *   <li>{@code oneOf(...)}: an enum whose constants' {@code configName()} are the declared values
 *       (or a string that must be one of them, {@code tls.min_version});
 *   <li>{@code map(SECTION)}: a record with a binding of its own (declared earlier, or named by
 *       {@link Spec#nested}); what depends on where the section sits (virtual hosts and their
 *       routes, whose direction and index the reader knows; a route's action) a codec hands to
 *       the reader's and writer's own code ({@link Source#unbound}, {@link Sink#unbound});
 *   <li>{@code listOf(string())}: a {@code List<String>}, or a {@code List<Cidr>} (each item an
 *       address or CIDR); {@code listOf(integer(..))}: a {@code List<Integer>}; {@code
 *       listOf(oneOf(...))}: a {@code List} or {@code Set} of an enum; {@code freeMap(string())}:
 *       a {@code Map<String, String>}; {@code listOf(map(SECTION))}: a list of
 *       bound records, where {@code anyOf(string, map(SECTION))} lets an item be the text of its
 *       section's first key alone ({@code endpoints: [host:port]}).
 * </ul>
 *
 * <p>A key named otherwise than its component names the component in its {@link
 * Spec#component}. A key whose shape is not one component ({@code lb}: a name in {@code lb}, or {@code {custom:
 * ...}} in {@code lbCustom}) has an explicit {@link Codec}, declared with the binding. From this
 * {@link TreeReader} reads the section (every problem reported with its path), {@link
 * MeshConfigBuilder} checks and collects a builder's values and {@link ConfigWriter} writes the
 * record back; so a field added to a bound section costs its record component, its declaration
 * and, in the builder, a setter that names the key. A section and record that disagree fail when
 * the binding is created, naming the key. Immutable; reflection is used only to build and take
 * apart the record.
 */
final class RecordBinding<R extends Record> {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /**
   * A value a codec or builder gives a component that is {@code null} in the record on purpose
   * ({@code budget: off}), where {@code null} itself means "unset, take the default".
   */
  static final Object NONE = new Object() {
    @Override
    public String toString() {
      return "NONE";
    }
  };

  /**
   * One map of the document being read ({@link TreeReader}'s): typed reads that report a
   * malformed value with its path and give {@code null}.
   */
  interface Source {
    /** The path of {@code key} in this map. */
    String p(String key);

    /** The path of this map itself. */
    String path();

    boolean has(String key);

    /** The value of {@code key}; {@code null} when absent. */
    JsonNode raw(String key);

    String string(String key);

    Integer integer(String key);

    Double number(String key);

    Boolean bool(String key);

    Duration duration(String key);

    /** The list item {@code node} at {@code path} as an integer; reported and {@code null} if not. */
    Integer integer(JsonNode node, String path);

    /** The list item {@code node} at {@code path} as a string; reported and {@code null} if not. */
    String string(JsonNode node, String path);

    /** The list of strings at {@code key}; bad elements reported and dropped. */
    List<String> strings(String key);

    /** The list at {@code key}; {@code null} when absent or not a list. */
    List<JsonNode> list(String key);

    /**
     * The map of names to strings at {@code key} (names as written, in order); bad values
     * reported and dropped; {@code null} when absent or not a map.
     */
    Map<String, String> stringMap(String key);

    /** The list of addresses or CIDRs at {@code key}; bad elements reported and dropped. */
    List<Cidr> cidrs(String key);

    /** The map at {@code key} checked against {@code keys}; {@code null} when absent or not a map. */
    Source section(String key, String[] keys);

    /** The map {@code node} (a list item) at {@code path}, checked against {@code keys}. */
    Source item(JsonNode node, String path, String[] keys);

    /** A map of {@code key: text} standing for the item at {@code path} (which is the key's path). */
    Source shorthand(String key, JsonNode text, String path);

    /**
     * The value at {@code key} read by the reader's own code for {@code section}, which has no
     * binding yet: the section of a map ({@code match}, {@code authz}, a custom {@code lb}); for
     * {@code virtual_hosts}, the section holding them ({@code inbound}, {@code outbound}), whose
     * direction they take; for {@code route}, a virtual host's list of them (at {@code routes})
     * or a route's action (at any of its keys); for {@code policy}, the list.
     */
    Object unbound(String key, ConfigSchema.Section section);

    /** Reports a bad value the model holds a placeholder for. */
    void bad(String path, String message);

    /** Reports a problem that left nothing in the model to re-check (a conflict of keys). */
    void error(String path, String message);

    /** Reports that {@code v} is not {@code expected}. */
    void typeError(String path, JsonNode v, String expected);

    /** Marks {@code path} as reported, so that the validator's errors under it are dropped. */
    void taint(String path);

    /**
     * Marks {@code path} as reported at one of its keys, so that the validator's error at {@code
     * path} itself (not under it) is dropped: a condition that could not be read is not also
     * "missing".
     */
    void quiet(String path);
  }

  /** Writes the value of a section that has no binding yet ({@link ConfigWriter}'s own code). */
  interface Sink {
    JsonNode unbound(ConfigSchema.Section section, Object value);
  }

  /**
   * A key that is not one component of its declared shape: how it is read into the components it
   * fills and written back from the record (the default is what the components get when the key
   * is absent, from the binding's defaults).
   */
  record Codec<R>(Reader read, Writer<R> write) {}

  /** Reads {@code key} of {@code in} (present or not) into {@code values}. */
  interface Reader {
    void read(Source in, String key, Values values);
  }

  /** Writes {@code key} of {@code r} into {@code out}, or nothing; {@code all}: defaults shown. */
  interface Writer<R> {
    void write(R r, ObjectNode out, String key, boolean all, Sink sink);
  }

  /** The component values being read, by component name; {@code null} means unset. */
  static final class Values {
    private final Object[] values;
    private final RecordBinding<?> binding;

    Values(RecordBinding<?> binding, Object[] values) {
      this.binding = binding;
      this.values = values;
    }

    void set(String component, Object value) {
      values[binding.component(component)] = value;
    }

    Object get(String component) {
      return values[binding.component(component)];
    }
  }

  /** The optional parts of a binding, declared next to it. */
  static final class Spec<R> {
    private final Map<String, Codec<R>> codecs = new HashMap<>();
    private final Map<String, String[]> codecComponents = new HashMap<>();
    private final Map<String, Function<R, Object>> defaultsOf = new HashMap<>();
    private final Set<String> shown = new HashSet<>();
    private final Set<String> sparse = new HashSet<>();
    private final Map<String, String> componentOf = new HashMap<>();
    private final Map<String, RecordBinding<?>> nested = new HashMap<>();
    private String[] choice;
    private Consumer<Object[]> derive = values -> {};
    private String item = "a map";

    /** {@code key} is read and written by a codec, which fills {@code components}. */
    Spec<R> codec(String key, Reader read, Writer<R> write, String... components) {
      codecs.put(key, new Codec<>(read, write));
      codecComponents.put(key, components);
      return this;
    }

    /**
     * {@code key} is bound to {@code component} rather than to its camel-case namesake ({@code
     * path_with_escaped_slashes_action} ↔ {@code escapedSlashes}), with the shape its declaration
     * gives.
     */
    Spec<R> component(String key, String component) {
      componentOf.put(key, component);
      return this;
    }

    /**
     * The section is a choice of exactly one of its keys ({@code hash_on: {header: x}}): the
     * present key's name, upper-cased, is the constant of enum component {@code kind}; a string
     * key's value is component {@code value}, and a key declared {@code oneOf("true")} is a flag
     * that must be {@code true} (and leaves {@code value} null). None or several keys: the
     * section is reported and read as {@code null}.
     */
    Spec<R> choice(String kind, String value) {
      this.choice = new String[] {kind, value};
      return this;
    }

    /**
     * {@code key}'s section is read and written by {@code binding} here rather than by the
     * section's own ({@code retry} on a route: the override, whose unset keys are {@code null}).
     */
    Spec<R> nested(String key, RecordBinding<?> binding) {
      nested.put(key, binding);
      return this;
    }

    /**
     * {@code keys} are read and written together by one codec, called at the first of them (a
     * route's action: one of {@code to}, {@code split}, ...), which fills {@code components}.
     */
    Spec<R> codec(String[] keys, Reader read, Writer<R> write, String... components) {
      codec(keys[0], read, write, components);
      for (int i = 1; i < keys.length; i++) {
        codec(keys[i], (in, key, values) -> {}, (r, out, key, all, sink) -> {}, components);
      }
      return this;
    }

    /** {@code key} is written even when it has its default value. */
    Spec<R> shown(String key) {
      shown.add(key);
      return this;
    }

    /**
     * {@code keys} are left out at their defaults even when defaults are shown: an empty list of
     * conditions, which reads as absent (a match's {@code headers}, {@code source}, ...).
     */
    Spec<R> sparse(String... keys) {
      sparse.addAll(List.of(keys));
      return this;
    }

    /**
     * The default of {@code key} depends on the record's other values (the writer leaves it out
     * when it equals {@code defaultOf}): the writing side of a default the record's constructor
     * derives.
     */
    Spec<R> defaultOf(String key, Function<R, Object> defaultOf) {
      defaultsOf.put(key, defaultOf);
      return this;
    }

    /**
     * Defaults that depend on other keys when read or built: {@code derive} fills, in the values
     * given (by component position, {@code null} where unset), the ones it derives.
     */
    Spec<R> derive(Consumer<Object[]> derive) {
      this.derive = Objects.requireNonNull(derive, "derive");
      return this;
    }

    /** What a list item of this section must be, for the reader's type error. */
    Spec<R> item(String expected) {
      this.item = expected;
      return this;
    }
  }

  /** How one key maps to the record. */
  private enum Shape {
    SCALAR, ENUM, STRING_ENUM, BOUND, UNBOUND, STRINGS, CIDRS, INTEGERS, ENUMS, STRING_MAP,
    BOUND_LIST, CODEC,
    CHOICE
  }

  /** One key of the section. */
  private static final class Key {
    final ConfigSchema.Field field;
    final Shape shape;
    /** The component's position; -1 for a codec. */
    final int index;
    /** The nested binding of BOUND and BOUND_LIST. */
    final RecordBinding<?> nested;
    /**
     * BOUND_LIST: an item may be its section's first key alone; ENUMS: the component is a {@code
     * Set}; CHOICE: the key is a {@code true}-only flag.
     */
    final boolean flag;
    /** ENUM: config name → constant, constant → config name. */
    final Map<String, Object> constants;
    final Map<Object, String> names;
    final Codec<?> codec;
    final boolean shown;
    final Function<?, Object> defaultOf;

    Key(ConfigSchema.Field field, Shape shape, int index, RecordBinding<?> nested,
        boolean flag, Map<String, Object> constants, Codec<?> codec, boolean shown,
        Function<?, Object> defaultOf) {
      this.field = field;
      this.shape = shape;
      this.index = index;
      this.nested = nested;
      this.flag = flag;
      this.constants = constants;
      Map<Object, String> n = new HashMap<>();
      if (constants != null) constants.forEach((k, v) -> n.put(v, k));
      this.names = n;
      this.codec = codec;
      this.shown = shown;
      this.defaultOf = defaultOf;
    }

    String name() {
      return field.name();
    }
  }

  final ConfigSchema.Section section;
  final R defaults;
  private final Class<R> type;
  private final List<ConfigSchema.Field> fields;
  private final Key[] keys;
  private final Map<String, Key> byName = new HashMap<>();
  private final String[] componentNames;
  private final RecordComponent[] components;
  private final Constructor<R> canonical;
  /** The components of {@link #defaults}, by position. */
  private final Object[] defaultValues;
  private final Consumer<Object[]> derive;
  private final String item;
  /** The keys left out at their defaults even when defaults are shown ({@link Spec#sparse}). */
  private final Set<String> sparse;
  /** A choice section's kind and value component positions ({@link Spec#choice}); else null. */
  private final int[] choice;

  RecordBinding(ConfigSchema.Section section, Class<R> type, R defaults) {
    this(section, type, defaults, new Spec<>());
  }

  /**
   * With defaults that depend on other keys: {@code derive} fills, in the values given (by
   * component position, {@code null} where unset), the ones it derives; the rest take {@code
   * defaults}.
   */
  RecordBinding(ConfigSchema.Section section, Class<R> type, R defaults,
      Consumer<Object[]> derive) {
    this(section, type, defaults, new Spec<R>().derive(derive));
  }

  RecordBinding(ConfigSchema.Section section, Class<R> type, R defaults, Spec<R> spec) {
    this.derive = spec.derive;
    this.section = section;
    this.type = type;
    this.item = spec.item;
    this.sparse = Set.copyOf(spec.sparse);
    this.defaults = Objects.requireNonNull(defaults, "defaults");
    this.fields = section.fields();
    this.components = type.getRecordComponents();
    this.componentNames = new String[components.length];
    for (int i = 0; i < components.length; i++) componentNames[i] = components[i].getName();
    Set<String> named = new HashSet<>(spec.codecs.keySet());
    named.addAll(spec.shown);
    named.addAll(spec.sparse);
    named.addAll(spec.defaultsOf.keySet());
    named.addAll(spec.componentOf.keySet());
    named.addAll(spec.nested.keySet());
    for (String key : named) {
      if (!section.fields().stream().anyMatch(f -> f.name().equals(key))) {
        throw new IllegalStateException(section.id + " has no key " + key + " (named by its"
            + " binding)");
      }
    }
    boolean[] covered = new boolean[components.length];
    this.keys = new Key[fields.size()];
    if (spec.choice != null) {
      this.choice = new int[] {indexOf(spec.choice[0]), indexOf(spec.choice[1])};
      if (choice[0] < 0 || choice[1] < 0 || !components[choice[0]].getType().isEnum()) {
        throw new IllegalStateException(section.id + ": " + type.getSimpleName() + " has no enum "
            + spec.choice[0] + " and component " + spec.choice[1] + " for its choice");
      }
      covered[choice[0]] = covered[choice[1]] = true;
    } else {
      this.choice = null;
    }
    for (int k = 0; k < keys.length; k++) {
      ConfigSchema.Field f = fields.get(k);
      Codec<R> codec = spec.codecs.get(f.name());
      if (choice != null) {
        Class<?> kind = components[choice[0]].getType();
        Object constant = null;
        for (Object c : kind.getEnumConstants()) {
          if (((Enum<?>) c).name().equals(f.name().toUpperCase(Locale.ROOT))) constant = c;
        }
        boolean flag = f.type().kind == ConfigSchema.Type.Kind.ENUM
            && f.type().values.equals(List.of("true"));
        if (constant == null || !(flag || f.type().kind == ConfigSchema.Type.Kind.STRING)) {
          throw new IllegalStateException(section.id + "." + f.name() + ": a choice key must name"
              + " a constant of " + kind.getSimpleName() + " and be a string or oneOf(\"true\")");
        }
        keys[k] = new Key(f, Shape.CHOICE, -1, null, flag, Map.of(f.name(), constant), null,
            false, null);
      } else if (codec != null) {
        for (String c : spec.codecComponents.get(f.name())) {
          int i = indexOf(c);
          if (i < 0) {
            throw new IllegalStateException(section.id + "." + f.name() + ": its codec fills " + c
                + ", which is not a component of " + type.getSimpleName());
          }
          covered[i] = true;
        }
        keys[k] = new Key(f, Shape.CODEC, -1, null, false, null, codec, spec.shown.contains(f.name()),
            spec.defaultsOf.get(f.name()));
      } else {
        String name = spec.componentOf.getOrDefault(f.name(), camel(f.name()));
        int i = indexOf(name);
        if (i < 0) {
          throw new IllegalStateException(section.id + "." + f.name() + ": "
              + type.getSimpleName() + " has no component " + name + " (components: "
              + String.join(", ", componentNames) + "; or declare a codec for the key)");
        }
        if (covered[i]) {
          throw new IllegalStateException(section.id + "." + f.name() + ": "
              + type.getSimpleName() + "." + componentNames[i] + " is bound twice");
        }
        covered[i] = true;
        keys[k] = key(f, components[i], i, spec);
      }
      byName.put(f.name(), keys[k]);
    }
    for (int i = 0; i < covered.length; i++) {
      if (!covered[i]) {
        throw new IllegalStateException(type.getSimpleName() + "." + componentNames[i]
            + " has no key in " + section.id + " (declare one, or name it in a codec)");
      }
    }
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) types[i] = components[i].getType();
    try {
      this.canonical = type.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(type + " has no canonical constructor", e);
    }
    this.defaultValues = new Object[components.length];
    for (int i = 0; i < components.length; i++) defaultValues[i] = get(defaults, i);
    section.bind(this);
  }

  /** The key of {@code f}, bound to component {@code i}: its shape checked against the type. */
  private Key key(ConfigSchema.Field f, RecordComponent c, int i, Spec<R> spec) {
    ConfigSchema.Type t = f.type();
    Class<?> java = box(c.getType());
    String where = section.id + "." + f.name() + " (" + type.getSimpleName() + "." + c.getName()
        + ")";
    boolean shown = spec.shown.contains(f.name());
    Function<R, Object> defaultOf = spec.defaultsOf.get(f.name());
    Class<?> scalar = scalarType(t);
    if (scalar != null) {
      if (scalar != java) throw new IllegalStateException(where + ": " + java.getSimpleName()
          + " is not " + t.kind);
      return new Key(f, Shape.SCALAR, i, null, false, null, null, shown, defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.ENUM && java == String.class) {
      return new Key(f, Shape.STRING_ENUM, i, null, false, null, null, shown, defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.ENUM && java.isEnum()) {
      return new Key(f, Shape.ENUM, i, null, false, constants(where, java, t), null, shown,
          defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.MAP && Record.class.isAssignableFrom(java)) {
      RecordBinding<?> nested = spec.nested.getOrDefault(f.name(), t.section.binding());
      if (nested == null) return new Key(f, Shape.UNBOUND, i, null, false, null, null, shown, defaultOf);
      if (nested.type != java) {
        throw new IllegalStateException(where + ": " + t.section.id + " is bound to "
            + nested.type.getSimpleName());
      }
      return new Key(f, Shape.BOUND, i, nested, false, null, null, shown, defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.FREE_MAP && t.item.kind == ConfigSchema.Type.Kind.STRING
        && java == Map.class) {
      return new Key(f, Shape.STRING_MAP, i, null, false, null, null, shown, defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.LIST && (java == List.class || java == Set.class)
        && t.item.kind == ConfigSchema.Type.Kind.ENUM && element(c).isEnum()) {
      return new Key(f, Shape.ENUMS, i, null, java == Set.class,
          constants(where, element(c), t.item), null, shown, defaultOf);
    }
    if (t.kind == ConfigSchema.Type.Kind.LIST && java == List.class) {
      Class<?> element = element(c);
      ConfigSchema.Type item = t.item;
      if (item.kind == ConfigSchema.Type.Kind.STRING && element == String.class) {
        return new Key(f, Shape.STRINGS, i, null, false, null, null, shown, defaultOf);
      }
      if (item.kind == ConfigSchema.Type.Kind.STRING && element == Cidr.class) {
        return new Key(f, Shape.CIDRS, i, null, false, null, null, shown, defaultOf);
      }
      if (item.kind == ConfigSchema.Type.Kind.INTEGER && element == Integer.class) {
        return new Key(f, Shape.INTEGERS, i, null, false, null, null, shown, defaultOf);
      }
      ConfigSchema.Type map = item;
      boolean shorthand = false;
      if (item.kind == ConfigSchema.Type.Kind.ANY_OF && item.anyOf.size() == 2
          && item.anyOf.get(0).kind == ConfigSchema.Type.Kind.STRING
          && item.anyOf.get(1).kind == ConfigSchema.Type.Kind.MAP) {
        map = item.anyOf.get(1);
        shorthand = true;
      }
      if (map.kind == ConfigSchema.Type.Kind.MAP && map.section.binding() != null
          && map.section.binding().type == element) {
        return new Key(f, Shape.BOUND_LIST, i, map.section.binding(), shorthand, null, null, shown,
            defaultOf);
      }
    }
    if (t.kind == ConfigSchema.Type.Kind.ANY_OF && java == String.class
        && t.anyOf.stream().allMatch(a -> a.kind == ConfigSchema.Type.Kind.STRING
            || a.kind == ConfigSchema.Type.Kind.ENUM)) {
      return new Key(f, Shape.SCALAR, i, null, false, null, null, shown, defaultOf);
    }
    throw new IllegalStateException(where + ": a " + c.getGenericType().getTypeName()
        + " cannot hold " + t.doc() + " (bind a record that has a binding, or declare a codec)");
  }

  /** An enum's constants by {@code configName()}, in declaration order, as declared by {@code t}. */
  private static Map<String, Object> constants(String where, Class<?> java, ConfigSchema.Type t) {
    Map<String, Object> constants = new LinkedHashMap<>();
    try {
      Method m = java.getMethod("configName");
      for (Object e : java.getEnumConstants()) constants.put((String) m.invoke(e), e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(where + ": the enum has no configName()", e);
    }
    if (!constants.keySet().equals(new HashSet<>(t.values))) {
      throw new IllegalStateException(where + ": declares " + t.values + ", the enum has "
          + constants.keySet());
    }
    return constants;
  }

  private static Class<?> element(RecordComponent c) {
    Type g = c.getGenericType();
    if (g instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> e) {
      return e;
    }
    return Object.class;
  }

  private static Class<?> box(Class<?> c) {
    if (c == int.class) return Integer.class;
    if (c == double.class) return Double.class;
    if (c == boolean.class) return Boolean.class;
    return c;
  }

  private int indexOf(String component) {
    for (int i = 0; i < componentNames.length; i++) if (componentNames[i].equals(component)) return i;
    return -1;
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

  private static Class<?> scalarType(ConfigSchema.Type t) {
    return switch (t.kind) {
      case INTEGER -> Integer.class;
      case NUMBER -> Double.class;
      case BOOLEAN -> Boolean.class;
      case STRING -> String.class;
      case DURATION -> Duration.class;
      default -> null;
    };
  }

  /** The declared values as {@code a, b or c}, for error messages. */
  static String orList(List<String> values) {
    if (values.size() == 1) return values.get(0);
    return String.join(", ", values.subList(0, values.size() - 1)) + " or "
        + values.get(values.size() - 1);
  }

  int size() {
    return components.length;
  }

  /** The component position of {@code key} ({@code max_ejection_percent}) or component name. */
  int index(String key) {
    Key k = byName.get(key);
    if (k != null && k.index >= 0) return k.index;
    int i = indexOf(camel(key));
    if (i < 0) throw new IllegalArgumentException(section.id + " has no key " + key);
    return i;
  }

  private int component(String name) {
    int i = indexOf(name);
    if (i < 0) throw new IllegalArgumentException(type.getSimpleName() + " has no component " + name);
    return i;
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
    return construct(values.clone());
  }

  /** {@code r} with {@code key} (a key bound to one component) set to {@code value}. */
  R with(R r, String key, Object value) {
    Object[] values = new Object[components.length];
    for (int i = 0; i < values.length; i++) {
      Object v = get(r, i);
      values[i] = v == null ? NONE : v;
    }
    values[index(key)] = value;
    return construct(values);
  }

  /** As {@link #with}, filling {@code args} in place. */
  private R construct(Object[] args) {
    derive.accept(args);
    for (int i = 0; i < args.length; i++) {
      if (args[i] == null) args[i] = defaultValues[i];
      else if (args[i] == NONE) args[i] = null;
    }
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
   * key: problem}, or {@code null}: the declared numeric range, a duration's sign and precision,
   * a string's declared values.
   */
  String problem(String key, Object value) {
    Key k = byName.get(key);
    if (k == null) return null;
    ConfigSchema.Type t = k.field.type();
    String p = null;
    if (value instanceof Integer v) {
      p = t.check(v);
    } else if (value instanceof Double v) {
      p = t.check(v);
    } else if (value instanceof Duration d) {
      p = t.min != null && t.min > 0 ? Checks.positive(d) : Checks.nonNegative(d);
    } else if (k.shape == Shape.STRING_ENUM && !t.values.contains(value)) {
      p = value + " (expected: " + orList(t.values) + ")";
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
    Object[] values = new Object[components.length];
    for (int i = 0; i < keyValues.length; i += 2) {
      put(values, prefix, (String) keyValues[i], keyValues[i + 1]);
    }
    return with(values);
  }

  /** As {@link #of(String, Object...)}, from a builder's map of the keys it was given. */
  R of(String prefix, java.util.Map<String, ?> keyValues) {
    Object[] values = new Object[components.length];
    keyValues.forEach((key, value) -> put(values, prefix, key, value));
    return with(values);
  }

  private void put(Object[] values, String prefix, String key, Object value) {
    Objects.requireNonNull(value, prefix + "." + key);
    String problem = problem(key, value);
    if (problem != null) throw new IllegalArgumentException(prefix + "." + problem);
    values[index(key)] = value;
  }

  /**
   * The validator's checks of {@code r}'s own numbers and durations, as declared (a range, a
   * duration's sign; an integer's keyword stand-in passes), each problem given to {@code error}
   * with {@code path.key}; nested sections and cross-key rules are the caller's.
   */
  void check(R r, String path, BiConsumer<String, String> error) {
    for (Key k : keys) {
      if (k.shape != Shape.SCALAR) continue;
      ConfigSchema.Type t = k.field.type();
      String p = path + "." + k.name();
      Object v = get(r, k.index);
      String problem = null;
      if (t.kind == ConfigSchema.Type.Kind.DURATION) {
        boolean positive = t.min != null && t.min > 0;
        if (v == null) {
          problem = "missing (expected: a duration " + (positive ? "> 0" : ">= 0") + ")";
        } else {
          problem = positive ? Checks.positive((Duration) v) : Checks.nonNegative((Duration) v);
        }
      } else if (v instanceof Integer n && (t.keyword == null || n != t.keywordValue)) {
        problem = t.check(n);
      } else if (v instanceof Double n) {
        problem = t.check(n);
      }
      if (problem != null) error.accept(p, problem);
    }
  }

  // ================================================================== reading

  /**
   * Reads the section: each key as declared (a malformed value reported, with its path, and left
   * unset), a missing required number reported here (a missing required string is the
   * validator's, which says what it refers to); unset keys derived or defaulted as by {@link
   * #with}.
   */
  R read(Source in) {
    if (choice != null) return readChoice(in);
    Object[] values = new Object[components.length];
    Values named = null;
    for (Key k : keys) {
      if (k.shape == Shape.CODEC) {
        if (named == null) named = new Values(this, values);
        @SuppressWarnings("unchecked")
        Codec<R> codec = (Codec<R>) k.codec;
        codec.read().read(in, k.name(), named);
      } else {
        values[k.index] = read(in, k);
      }
    }
    return construct(values);
  }

  private R readChoice(Source in) {
    List<String> present = new ArrayList<>(2);
    for (Key k : keys) if (in.has(k.name())) present.add(k.name());
    if (present.size() != 1) {
      in.error(in.path(), (present.isEmpty() ? "empty" : "more than one of: "
          + String.join(", ", present)) + " (expected exactly one of: "
          + String.join(", ", section.keys()) + ")");
      return null;
    }
    Key k = byName.get(present.get(0));
    Object[] values = new Object[components.length];
    values[choice[0]] = k.constants.get(k.name());
    if (k.flag) {
      Boolean b = in.bool(k.name());
      if (b == null) return null;
      if (!b) {
        in.bad(in.p(k.name()), "false (expected: true)");
        return null;
      }
      values[choice[1]] = NONE;
    } else {
      String v = in.string(k.name());
      if (v == null) return null;
      values[choice[1]] = v;
    }
    return construct(values);
  }

  private static Object read(Source in, Key k) {
    String key = k.name();
    ConfigSchema.Type t = k.field.type();
    switch (k.shape) {
      case SCALAR -> {
        if (k.field.required() && !in.has(key) && t.kind != ConfigSchema.Type.Kind.STRING
            && t.kind != ConfigSchema.Type.Kind.ANY_OF) {
          in.bad(in.p(key), "missing (expected: " + t.expected() + ")");
        }
        return switch (t.kind) {
          case INTEGER -> t.keyword == null ? in.integer(key) : integerOrKeyword(in, key, t);
          case NUMBER -> in.number(key);
          case BOOLEAN -> in.bool(key);
          case DURATION -> in.duration(key);
          default -> in.string(key);
        };
      }
      case ENUM -> {
        String text = in.string(key);
        if (text == null) return null;
        Object value = k.constants.get(text);
        if (value == null) {
          in.bad(in.p(key), Checks.quote(text) + " (expected: " + orList(t.values) + ")");
        }
        return value;
      }
      case STRING_ENUM -> {
        JsonNode v = in.raw(key);
        if (v == null) return null;
        // YAML reads 1.2 as a number
        String text = v.isNumber() ? v.asText() : in.string(key);
        if (text == null) return null;
        if (!t.values.contains(text)) {
          in.bad(in.p(key), Checks.quote(text) + " (expected: " + orList(t.values) + ")");
          return null;
        }
        return text;
      }
      case BOUND -> {
        Source s = in.section(key, k.nested.section.keys());
        return s == null ? null : k.nested.read(s);
      }
      case UNBOUND -> {
        return in.has(key) ? in.unbound(key, t.section) : null;
      }
      case STRINGS -> {
        return in.strings(key);
      }
      case CIDRS -> {
        return in.cidrs(key);
      }
      case STRING_MAP -> {
        return in.stringMap(key);
      }
      case INTEGERS -> {
        List<JsonNode> items = in.list(key);
        if (items == null) return null;
        List<Integer> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          Integer n = in.integer(items.get(i), in.p(key) + "[" + i + "]");
          if (n != null) out.add(n);
          else in.taint(in.p(key));
        }
        return out;
      }
      case ENUMS -> {
        List<JsonNode> items = in.list(key);
        if (items == null) return null;
        Collection<Object> out = k.flag ? new LinkedHashSet<>()
            : new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          String p = in.p(key) + "[" + i + "]";
          String text = in.string(items.get(i), p);
          if (text == null) {
            in.taint(in.p(key));
            continue;
          }
          Object value = k.constants.get(text);
          if (value != null) {
            out.add(value);
          } else {
            in.bad(p, Checks.quote(text) + " (expected one of: "
                + String.join(", ", k.constants.keySet()) + ")");
          }
        }
        return out;
      }
      case BOUND_LIST -> {
        return list(in, key, k.nested, k.flag);
      }
      default -> throw new IllegalStateException(k.shape.name());
    }
  }

  /** The list of these sections at {@code key} of {@code in}; {@code null} when absent. */
  List<R> readList(Source in, String key) {
    return list(in, key, this, false);
  }

  /** As {@link #readList(Source, String)}; {@code shorthand}: an item may be its first key's text. */
  List<R> readList(Source in, String key, boolean shorthand) {
    return list(in, key, this, shorthand);
  }

  private static <T extends Record> List<T> list(Source in, String key, RecordBinding<T> b,
      boolean shorthand) {
    List<JsonNode> items = in.list(key);
    if (items == null) return null;
    List<T> out = new ArrayList<>(items.size());
    String[] keys = b.section.keys();
    for (int i = 0; i < items.size(); i++) {
      JsonNode n = items.get(i);
      String p = in.p(key) + "[" + i + "]";
      if (n.isObject()) {
        out.add(b.read(in.item(n, p, keys)));
      } else if (shorthand && n.isTextual()) {
        out.add(b.read(in.shorthand(keys[0], n, p)));
      } else {
        in.typeError(p, n, b.item);
        out.add(b.defaults); // keeps the indices of the items after it
      }
    }
    return out;
  }

  /** An integer that may also be spelled as its type's keyword ({@code adaptive}). */
  private static Integer integerOrKeyword(Source in, String key, ConfigSchema.Type t) {
    JsonNode v = in.raw(key);
    if (v == null) return null;
    String expected = "an integer >= " + t.min + ", or " + t.keyword;
    if (v.isTextual()) {
      if (v.textValue().equals(t.keyword)) return t.keywordValue;
      in.bad(in.p(key), Checks.quote(v.textValue()) + " (expected: " + expected + ")");
      return null;
    }
    if (!v.isNumber()) {
      in.typeError(in.p(key), v, expected);
      return null;
    }
    Integer n = in.integer(key);
    if (n != null && n == t.keywordValue) {
      in.bad(in.p(key), n + " (expected: " + expected + ")");
      return null;
    }
    return n;
  }

  // ================================================================== writing

  /** Sections that have no binding yet cannot be written without the writer's own code. */
  private static final Sink NO_SINK = (s, v) -> {
    throw new IllegalStateException(s.id + " has no binding");
  };

  /**
   * The record as a map of the file format; with {@code all} false, defaults left out (a required
   * or shown key is always written, a {@code null} never).
   */
  ObjectNode write(R r, boolean all) {
    return write(r, all, NO_SINK);
  }

  /** As {@link #write(Record, boolean)}, sections without a binding written by {@code sink}. */
  ObjectNode write(R r, boolean all, Sink sink) {
    ObjectNode o = F.objectNode();
    if (choice != null) {
      Object kind = get(r, choice[0]);
      for (Key k : keys) {
        if (k.constants.get(k.name()) != kind) continue;
        if (k.flag) o.put(k.name(), true);
        else o.put(k.name(), (String) get(r, choice[1]));
      }
      return o;
    }
    for (Key k : keys) {
      String key = k.name();
      if (k.shape == Shape.CODEC) {
        @SuppressWarnings("unchecked")
        Codec<R> codec = (Codec<R>) k.codec;
        codec.write().write(r, o, key, all, sink);
        continue;
      }
      Object v = get(r, k.index);
      if (v == null) continue;
      if ((!all || sparse.contains(key)) && !k.field.required() && !k.shown) {
        @SuppressWarnings("unchecked")
        Function<R, Object> defaultOf = (Function<R, Object>) k.defaultOf;
        Object d = defaultOf != null ? defaultOf.apply(r) : defaultValues[k.index];
        if (Objects.equals(v, d)) continue;
      }
      ConfigSchema.Type t = k.field.type();
      switch (k.shape) {
        case ENUM -> o.put(key, k.names.get(v));
        case BOUND -> o.set(key, writeNested(k.nested, v, all, sink));
        case UNBOUND -> o.set(key, sink.unbound(t.section, v));
        case STRINGS -> {
          ArrayNode a = o.putArray(key);
          for (Object s : (List<?>) v) a.add((String) s);
        }
        case CIDRS -> {
          ArrayNode a = o.putArray(key);
          for (Object c : (List<?>) v) a.add(c.toString());
        }
        case STRING_MAP -> {
          ObjectNode m = o.putObject(key);
          ((Map<?, ?>) v).forEach((name, value) -> m.put((String) name, (String) value));
        }
        case INTEGERS -> {
          ArrayNode a = o.putArray(key);
          for (Object n : (List<?>) v) a.add((Integer) n);
        }
        case ENUMS -> {
          ArrayNode a = o.putArray(key);
          Collection<?> set = (Collection<?>) v;
          if (k.flag) {
            // a set: in declaration order, so the output does not depend on hashing
            k.constants.forEach((name, c) -> {
              if (set.contains(c)) a.add(name);
            });
          } else {
            for (Object c : set) a.add(k.names.get(c));
          }
        }
        case BOUND_LIST -> {
          ArrayNode a = o.putArray(key);
          String first = k.nested.section.keys()[0];
          for (Object item : (List<?>) v) {
            ObjectNode n = writeNested(k.nested, item, all, sink);
            if (k.flag && !all && n.size() == 1 && n.path(first).isTextual()) {
              a.add(n.get(first));
            } else {
              a.add(n);
            }
          }
        }
        default -> {
          if (t.keyword != null && v instanceof Integer n && n == t.keywordValue) o.put(key, t.keyword);
          else if (v instanceof Integer n) o.put(key, n);
          else if (v instanceof Double n) o.put(key, n);
          else if (v instanceof Boolean b) o.put(key, b);
          else if (v instanceof Duration d) o.put(key, ConfigWriter.duration(d));
          else o.put(key, v.toString());
        }
      }
    }
    return o;
  }

  /** The records as a list of maps, as {@link #write(Record, boolean, Sink)} writes each. */
  ArrayNode writeList(List<R> records, boolean all, Sink sink) {
    ArrayNode a = F.arrayNode(records.size());
    for (R r : records) a.add(write(r, all, sink));
    return a;
  }

  @SuppressWarnings("unchecked")
  private static <T extends Record> ObjectNode writeNested(RecordBinding<T> b, Object v,
      boolean all, Sink sink) {
    return b.write((T) v, all, sink);
  }

  @Override
  public String toString() {
    return "RecordBinding[" + section.id + " ↔ " + type.getSimpleName() + "]";
  }
}
