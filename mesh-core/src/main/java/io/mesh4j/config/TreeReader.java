package io.mesh4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mesh4j.config.ActionConfig.Forward;
import io.mesh4j.config.ActionConfig.Pass;
import io.mesh4j.config.ActionConfig.Split;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a {@link MeshConfig} from a parsed YAML/JSON tree by hand, collecting every structural
 * problem (unknown key, wrong type, unparseable value, missing required value) with its path
 * instead of stopping at the first.
 *
 * <p>Where a value is broken the model gets a neutral placeholder, and the path is "tainted":
 * {@link ConfigLoader} drops the validator's errors at or under a tainted path, so one mistake is
 * reported once, by the reader, while every other part of the config is still validated.
 *
 * <p>Rules of the tree: a key whose value is {@code null} ({@code key:} or {@code key: ~}) reads as
 * an empty map where a map is expected and an empty list where a list is expected; a null scalar
 * is a type error. Not thread-safe: one instance reads one tree.
 */
final class TreeReader {
  private static final String[] ROOT_KEYS = ConfigSchema.ROOT.keys();
  private static final String[] ROUTE_KEYS = ConfigSchema.ROUTE.keys();
  private static final String[] ACTION_KEYS = {"to", "split", "redirect", "respond", "pass"};
  private static final String[] REDIRECT_KEYS = ConfigSchema.REDIRECT.keys();
  private static final String[] RESPOND_KEYS = ConfigSchema.RESPOND.keys();

  /** What the root of the document must be, for error messages. */
  static final String ROOT_EXPECTED = "a map with version: 1, service, clusters, ...";

  final List<ConfigError> errors = new ArrayList<>();
  final Set<String> tainted = new HashSet<>();
  /** Paths where the validator's error is a consequence of one already reported (not subtrees). */
  final Set<String> quiet = new HashSet<>();

  private enum Direction { OUTBOUND, INBOUND }

  /** The direction of the virtual hosts being read: what a route's action may be. */
  private Direction direction = Direction.OUTBOUND;

  // ================================================================== the tree primitives

  /** Records a problem that left nothing in the model to re-check (unknown key, conflict). */
  private void error(String path, String message) {
    errors.add(new ConfigError(path, message));
  }

  /** Records a bad value that the model holds a placeholder for; the validator skips its path. */
  private void bad(String path, String message) {
    errors.add(new ConfigError(path, message));
    tainted.add(path);
  }

  private static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(JsonNode v) {
    if (v.isTextual()) return Checks.quote(v.textValue());
    if (v.isNumber() || v.isBoolean()) return v.asText();
    if (v.isNull()) return "null";
    if (v.isObject()) return "a map";
    if (v.isArray()) return "a list";
    return "a " + v.getNodeType().name().toLowerCase(Locale.ROOT) + " value";
  }

  private void typeError(String path, JsonNode v, String expected) {
    String hint = "";
    if (expected.equals("a string") && (v.isNumber() || v.isBoolean())) {
      hint = "; quote it: \"" + v.asText() + "\"";
    }
    bad(path, describe(v) + " (expected: " + expected + hint + ")");
  }

  /** A map being read: reports its unknown keys when opened. */
  private final class Section implements RecordBinding.Source {
    final JsonNode node;
    final String path;
    /** The key whose path is this map's own (a list item written as that key's value alone). */
    private final String alias;

    Section(JsonNode node, String path, String[] keys) {
      this(node, path, keys, null);
    }

    Section(JsonNode node, String path, String[] keys, String alias) {
      this.node = node;
      this.path = path;
      this.alias = alias;
      Iterator<String> names = node.fieldNames();
      while (keys != null && names.hasNext()) {
        String name = names.next();
        if (!contains(keys, name)) {
          String segment = ConfigValidator.keySegment(name);
          String key = path.isEmpty() && segment.startsWith(".") ? name : path + segment;
          error(key, keys.length == 0
              ? "unknown key (expected: no keys)"
              : "unknown key (expected one of: " + String.join(", ", keys) + ")");
        }
      }
    }

    @Override
    public String p(String key) {
      return key.equals(alias) ? path : child(path, key);
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public Map<String, String> stringMap(String key) {
      return headerMap(this, key);
    }

    @Override
    public Integer integer(JsonNode v, String path) {
      return TreeReader.this.integer(v, path);
    }

    @Override
    public String string(JsonNode v, String path) {
      return TreeReader.this.string(v, path);
    }

    @Override
    public void error(String path, String message) {
      TreeReader.this.error(path, message);
    }

    @Override
    public JsonNode raw(String key) {
      return node.get(key);
    }

    @Override
    public boolean has(String key) {
      return node.has(key);
    }

    @Override
    public String string(String key) {
      JsonNode v = node.get(key);
      return v == null ? null : TreeReader.this.string(v, p(key));
    }

    @Override
    public Integer integer(String key) {
      JsonNode v = node.get(key);
      return v == null ? null : TreeReader.this.integer(v, p(key));
    }

    @Override
    public Double number(String key) {
      JsonNode v = node.get(key);
      return v == null ? null : TreeReader.this.number(v, p(key));
    }

    @Override
    public Boolean bool(String key) {
      JsonNode v = node.get(key);
      if (v == null) return null;
      if (v.isBoolean()) return v.booleanValue();
      typeError(p(key), v, "true or false");
      return null;
    }

    @Override
    public Duration duration(String key) {
      JsonNode v = node.get(key);
      return v == null ? null : TreeReader.this.duration(v, p(key));
    }

    @Override
    public Section section(String key, String[] keys) {
      JsonNode v = node.get(key);
      return v == null ? null : TreeReader.this.section(v, p(key), keys);
    }

    @Override
    public List<JsonNode> list(String key) {
      JsonNode v = node.get(key);
      if (v == null) return null;
      if (v.isNull()) return List.of();
      if (!v.isArray()) {
        typeError(p(key), v, "a list");
        return null;
      }
      List<JsonNode> out = new ArrayList<>(v.size());
      v.elements().forEachRemaining(out::add);
      return out;
    }

    /** The list of strings at {@code key}, each mapped; bad elements are reported and dropped. */
    List<String> strings(String key, Function<String, String> normalize) {
      List<JsonNode> items = list(key);
      if (items == null) return null;
      List<String> out = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        String s = TreeReader.this.string(items.get(i), p(key) + "[" + i + "]");
        if (s == null) {
          tainted.add(p(key));
        } else {
          out.add(normalize.apply(s));
        }
      }
      return out;
    }

    @Override
    public List<String> strings(String key) {
      return strings(key, x -> x);
    }

    @Override
    public Section item(JsonNode n, String path, String[] keys) {
      return new Section(n, path, keys);
    }

    @Override
    public Section shorthand(String key, JsonNode text, String path) {
      return new Section(JsonNodeFactory.instance.objectNode().set(key, text), path, null, key);
    }

    @Override
    public List<Cidr> cidrs(String key) {
      return TreeReader.this.cidrs(this, key);
    }

    @Override
    public Object unbound(String key, ConfigSchema.Section section) {
      if (section == ConfigSchema.INBOUND) return virtualHosts(this, Direction.INBOUND);
      if (section == ConfigSchema.OUTBOUND) return virtualHosts(this, Direction.OUTBOUND);
      if (section == ConfigSchema.ROUTE) return key.equals("routes") ? routes(this) : routeAction(this);
      throw new IllegalStateException(section.id + " has neither a binding nor a reader");
    }

    @Override
    public void bad(String path, String message) {
      TreeReader.this.bad(path, message);
    }

    @Override
    public void typeError(String path, JsonNode v, String expected) {
      TreeReader.this.typeError(path, v, expected);
    }

    @Override
    public void taint(String path) {
      tainted.add(path);
    }

    @Override
    public void quiet(String path) {
      quiet.add(path);
    }

    /** The keys among {@code candidates} that are present, in candidate order. */
    List<String> present(String[] candidates) {
      List<String> out = new ArrayList<>(2);
      for (String c : candidates) {
        if (node.has(c)) out.add(c);
      }
      return out;
    }
  }

  private static boolean contains(String[] keys, String name) {
    for (String k : keys) {
      if (k.equals(name)) return true;
    }
    return false;
  }

  private Section section(JsonNode v, String path, String[] keys) {
    if (v.isNull()) return new Section(JsonNodeFactory.instance.objectNode(), path, keys);
    if (!v.isObject()) {
      typeError(path, v, "a map");
      return null;
    }
    return new Section(v, path, keys);
  }

  private String string(JsonNode v, String path) {
    if (v.isTextual()) return v.textValue();
    typeError(path, v, "a string");
    return null;
  }

  private Integer integer(JsonNode v, String path) {
    if (v.isIntegralNumber() && v.canConvertToInt()) return v.intValue();
    if (v.isFloatingPointNumber() && v.canConvertToExactIntegral() && v.canConvertToInt()) {
      return v.intValue();
    }
    typeError(path, v, v.isIntegralNumber() ? "an integer of at most 10 digits" : "an integer");
    return null;
  }

  private Double number(JsonNode v, String path) {
    if (v.isNumber()) return v.doubleValue();
    typeError(path, v, "a number");
    return null;
  }

  private Duration duration(JsonNode v, String path) {
    if (!v.isTextual()) {
      typeError(path, v, DurationParser.EXPECTED);
      return null;
    }
    try {
      return DurationParser.parse(v.textValue());
    } catch (IllegalArgumentException e) {
      bad(path, e.getMessage());
      return null;
    }
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static <T> T orElse(T v, T dflt) {
    return v != null ? v : dflt;
  }

  // ================================================================== the document

  /** Reads the whole document; errors land in {@link #errors}. */
  MeshConfig read(JsonNode root) {
    if (root == null || root.isMissingNode()) {
      error("", "empty document (expected: " + ROOT_EXPECTED + ")");
      return null;
    }
    if (!root.isObject()) {
      String hint = root.isTextual() ? "; to read a file, use ConfigLoader.load(Path)" : "";
      error("", describe(root) + " (expected: " + ROOT_EXPECTED + hint + ")");
      return null;
    }
    return ConfigSchema.MESH_RECORD.read(new Section(root, "", ROOT_KEYS));
  }

  // ================================================================== clusters

  /**
   * Reads {@code node} at {@code path} as {@code binding}'s section (a section on its own, as a
   * test binding is read); problems land in {@link #errors}; {@code null} when it is not a map.
   */
  <R extends Record> R read(JsonNode node, String path, RecordBinding<R> binding) {
    return bound(section(node, path, binding.section.keys()), binding);
  }

  /** A section bound to its record ({@link RecordBinding}), or {@code null} when absent. */
  private static <R extends Record> R bound(Section s, RecordBinding<R> binding) {
    return s == null ? null : binding.read(s);
  }

  // ================================================================== virtual hosts and routes

  /** The virtual hosts of {@code parent}, whose routes take direction {@code dir}. */
  private List<VirtualHostConfig> virtualHosts(Section parent, Direction dir) {
    Direction outer = direction;
    direction = dir;
    try {
      return orElse(ConfigSchema.VIRTUAL_HOST_RECORD.readList(parent, "virtual_hosts"), List.of());
    } finally {
      direction = outer;
    }
  }

  /** The routes of a virtual host, each named after its index unless named. */
  private List<RouteConfig> routes(Section s) {
    List<JsonNode> rs = s.list("routes");
    if (rs == null) return null;
    List<RouteConfig> routes = new ArrayList<>(rs.size());
    for (int j = 0; j < rs.size(); j++) routes.add(route(rs.get(j), s.p("routes") + "[" + j + "]", j));
    return routes;
  }

  private RouteConfig route(JsonNode n, String p, int index) {
    String dfltName = "routes[" + index + "]";
    if (!n.isObject()) {
      typeError(p, n, "a map with name, match and an action");
      return new RouteConfig(dfltName, null, direction == Direction.INBOUND ? Pass.INSTANCE : null,
          null, null, null, null, null, null, null, null, null, null);
    }
    RouteConfig r = ConfigSchema.ROUTE_RECORD.read(new Section(n, p, ROUTE_KEYS));
    return r.name() != null ? r : ConfigSchema.ROUTE_RECORD.with(r, "name", dfltName);
  }

  /** The route's action, one of {@link #ACTION_KEYS} as {@link #direction} allows; or null. */
  private ActionConfig routeAction(Section s) {
    List<String> actions = s.present(ACTION_KEYS);
    if (actions.size() > 1) {
      error(s.path, "more than one action: " + String.join(", ", actions)
          + " (expected exactly one of: " + (direction == Direction.OUTBOUND
              ? "to, split, redirect, respond" : "to, split, redirect, respond, pass") + ")");
    }
    if (actions.isEmpty()) return direction == Direction.INBOUND ? Pass.INSTANCE : null;
    ActionConfig action = action(s, actions.get(0));
    if (action == null) quiet.add(s.path);
    return action;
  }

  /** The action under {@code key}; {@code null} when it could not be read. */
  private ActionConfig action(Section s, String key) {
    switch (key) {
      case "to" -> {
        String c = s.string("to");
        return c == null ? null : new Forward(c);
      }
      case "split" -> {
        List<WeightedCluster> clusters = ConfigSchema.SPLIT_RECORD.readList(s, "split");
        return clusters == null ? null : new Split(clusters);
      }
      case "redirect" -> {
        return bound(s.section("redirect", REDIRECT_KEYS), ConfigSchema.REDIRECT_RECORD);
      }
      case "respond" -> {
        return bound(s.section("respond", RESPOND_KEYS), ConfigSchema.RESPOND_RECORD);
      }
      default -> {
        Section r = s.section("pass", ConfigSchema.PASS.keys());
        return r == null ? null : Pass.INSTANCE;
      }
    }
  }

  /** A map of header name (as written) to value. */
  private Map<String, String> headerMap(Section s, String key) {
    Section m = s.section(key, null);
    if (m == null) return null;
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : m.node.properties()) {
      String value = string(e.getValue(), m.path + ConfigValidator.keySegment(e.getKey()));
      if (value != null) out.put(e.getKey(), value);
    }
    return out;
  }

  private List<Cidr> cidrs(Section s, String key) {
    List<String> items = s.strings(key, x -> x);
    if (items == null) return null;
    List<Cidr> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      try {
        out.add(Cidr.parse(items.get(i)));
      } catch (IllegalArgumentException e) {
        bad(s.p(key) + "[" + i + "]", Checks.quote(items.get(i))
            + " (expected: an IP address or CIDR such as 10.0.0.0/8; "
            + Checks.printable(e.getMessage()) + ")");
      }
    }
    return out;
  }
}
