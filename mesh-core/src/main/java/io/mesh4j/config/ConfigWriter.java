package io.mesh4j.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@link MeshConfig} back into the config file format (version 1): the inverse of {@link
 * ConfigLoader}. The one writer of the format: the admin's {@code /mesh/config} and {@code
 * /mesh/routes} and {@code mesh4j import-envoy} all use it.
 *
 * <p>Guarantee: for every valid config {@code c}, {@code ConfigLoader.load(ConfigWriter.yaml(c))}
 * equals {@code c}, and so does loading {@link #tree} serialised as JSON, in either {@link
 * Defaults} style. Every component of the model is written, extension references included
 * ({@code match.custom}, {@code lb: { custom, args }}, {@code policies} at the top level, on
 * virtual hosts and on routes); a config that names extensions loads back with the same {@link
 * ExtensionCatalog} it was validated against. The one exception is a config built in code whose
 * extension arguments hold NaN or an infinity, which no config file can hold: {@link #yaml}
 * rejects it, {@link #tree} keeps the number as it is (for display).
 *
 * <p>Keys come in the order of {@code docs/config.md}; durations use the largest exact unit
 * ({@link #duration}). Nothing is masked: a caller that shows the tree to people (the admin) masks
 * secrets itself.
 *
 * <p>Stateless and thread-safe. Every tree returned is a fresh, mutable copy; every method throws
 * {@link NullPointerException} for a null argument.
 *
 * <pre>{@code
 * String text = ConfigWriter.yaml(config);                         // defaults left out
 * ObjectNode inForce = ConfigWriter.tree(config);                  // defaults shown
 * }</pre>
 */
public final class ConfigWriter {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .build());
  private static final Writer SHOWN = new Writer(true);
  private static final Writer OMITTED = new Writer(false);

  private ConfigWriter() {}

  /** Whether settings equal to the format's defaults are written. Both styles load back equal. */
  public enum Defaults {
    /**
     * Every setting, defaults included, as it is in force; optional sections that are absent
     * (a health check, a custom lb, policies) stay absent.
     */
    SHOWN,
    /** Only what differs from the defaults: what a person would write. */
    OMITTED
  }

  /** The whole config with every default shown, as a JSON tree of the file format. */
  public static ObjectNode tree(MeshConfig config) {
    return tree(config, Defaults.SHOWN);
  }

  /** The whole config as a JSON tree of the file format, in the given style. */
  public static ObjectNode tree(MeshConfig config, Defaults defaults) {
    Objects.requireNonNull(config, "config");
    return writer(defaults).config(config);
  }

  /**
   * The config as YAML text with defaults left out ({@link Defaults#OMITTED}). Strings that would
   * read as another type ({@code "true"}, {@code "42"}, {@code "null"}) are quoted.
   */
  public static String yaml(MeshConfig config) {
    return yaml(config, Defaults.OMITTED);
  }

  /**
   * The config as YAML text in the given style.
   *
   * @throws IllegalArgumentException if an extension's arguments hold NaN or an infinity (a
   *     config built in code may; no config file can, so no text would load back equal); the
   *     message names the argument's path
   */
  public static String yaml(MeshConfig config, Defaults defaults) {
    ObjectNode tree = tree(config, defaults);
    requireFiniteArgs(config);
    try {
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write YAML", e); // a plain JSON tree cannot fail
    }
  }

  /**
   * One route as it appears in a virtual host's {@code routes:} list (name, match, the action key,
   * modifiers, policies), every default shown.
   */
  public static ObjectNode route(RouteConfig route) {
    Objects.requireNonNull(route, "route");
    return SHOWN.route(route, -1);
  }

  /**
   * A duration in the config syntax with the largest unit that is exact ({@code 5m}, {@code 90s},
   * {@code 250ms}, {@code 0s}); the config holds whole milliseconds only, so sub-millisecond parts
   * are dropped.
   */
  public static String duration(Duration d) {
    return DurationParser.format(d.truncatedTo(ChronoUnit.MILLIS));
  }

  /** Throws for the first non-finite number in the arguments of an extension reference. */
  private static void requireFiniteArgs(MeshConfig c) {
    requireFinite(c.policies(), "policies");
    for (int i = 0; i < c.clusters().size(); i++) {
      ExtensionRef lb = c.clusters().get(i).lbCustom();
      if (lb != null) requireFinite(lb.args().asMap(), "clusters[" + i + "].lb.args");
    }
    requireFiniteHosts(c.outbound().virtualHosts(), "outbound.virtual_hosts");
    requireFiniteHosts(c.inbound().virtualHosts(), "inbound.virtual_hosts");
    for (int i = 0; i < c.inbound().authz().rules().size(); i++) {
      requireFinite(c.inbound().authz().rules().get(i).match(), "inbound.authz.rules[" + i + "]");
    }
  }

  private static void requireFiniteHosts(List<VirtualHostConfig> hosts, String path) {
    for (int i = 0; i < hosts.size(); i++) {
      VirtualHostConfig v = hosts.get(i);
      String vp = path + "[" + i + "]";
      requireFinite(v.policies(), vp + ".policies");
      for (int j = 0; j < v.routes().size(); j++) {
        RouteConfig r = v.routes().get(j);
        requireFinite(r.match(), vp + ".routes[" + j + "]");
        requireFinite(r.policies(), vp + ".routes[" + j + "].policies");
      }
    }
  }

  private static void requireFinite(MatchConfig m, String path) {
    if (m != null && m.custom() != null) {
      requireFinite(m.custom().args().asMap(), path + ".match.custom.args");
    }
  }

  private static void requireFinite(List<ExtensionRef> refs, String path) {
    for (int i = 0; i < refs.size(); i++) {
      requireFinite(refs.get(i).args().asMap(), path + "[" + i + "].args");
    }
  }

  private static void requireFinite(Object v, String path) {
    if (v instanceof Double d && !Double.isFinite(d)) {
      throw new IllegalArgumentException(path + ": " + d
          + " (expected: a finite number; a config file cannot hold NaN or infinity)");
    } else if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) requireFinite(l.get(i), path + "[" + i + "]");
    } else if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) requireFinite(e.getValue(), path + "." + e.getKey());
    }
  }

  private static Writer writer(Defaults defaults) {
    return switch (Objects.requireNonNull(defaults, "defaults")) {
      case SHOWN -> SHOWN;
      case OMITTED -> OMITTED;
    };
  }

  /** One style of writing; immutable. */
  private static final class Writer implements RecordBinding.Sink {
    /** Whether settings equal to their defaults are written. */
    private final boolean all;

    Writer(boolean all) {
      this.all = all;
    }

    ObjectNode config(MeshConfig c) {
      return ConfigSchema.MESH_RECORD.write(c, all, this);
    }

    /** A route's action, the one part of the config written by hand (see {@link #action}). */
    @Override
    public JsonNode unbound(ConfigSchema.Section section, Object value) {
      if (value instanceof ActionConfig a) return action(a);
      throw new IllegalStateException(section.id + " has neither a binding nor a writer");
    }

    // ----------------------------------------------------------------------------- routes

    /** {@code index} is the route's position in its list, or -1 when written alone. */
    ObjectNode route(RouteConfig r, int index) {
      return ConfigSchema.writeRoute(r, index, all, this);
    }

    /** A route's action as the one key it is written under. */
    private ObjectNode action(ActionConfig a) {
      ObjectNode o = F.objectNode();
      if (a instanceof ActionConfig.Forward f) {
        o.put("to", f.cluster());
      } else if (a instanceof ActionConfig.Split s) {
        o.set("split", ConfigSchema.SPLIT_RECORD.writeList(s.clusters(), all, this));
      } else if (a instanceof ActionConfig.Redirect d) {
        o.set("redirect", ConfigSchema.REDIRECT_RECORD.write(d, all, this));
      } else if (a instanceof ActionConfig.Respond d) {
        o.set("respond", ConfigSchema.RESPOND_RECORD.write(d, all, this));
      } else if (a instanceof ActionConfig.Pass) {
        o.putObject("pass");
      }
      return o;
    }
  }

  /** An argument value (see {@link ExtensionArgs}) as JSON. */
  static JsonNode argValue(Object v) {
    if (v == null) return F.nullNode();
    if (v instanceof String s) return F.textNode(s);
    if (v instanceof Boolean b) return F.booleanNode(b);
    if (v instanceof Long l) return F.numberNode(l);
    if (v instanceof Double d) return F.numberNode(d);
    if (v instanceof List<?> l) {
      ArrayNode a = F.arrayNode(l.size());
      for (Object e : l) a.add(argValue(e));
      return a;
    }
    if (v instanceof Map<?, ?> m) {
      ObjectNode o = F.objectNode();
      for (Map.Entry<?, ?> e : m.entrySet()) o.set((String) e.getKey(), argValue(e.getValue()));
      return o;
    }
    // ExtensionArgs admits nothing else; fail loudly rather than write what would not load back.
    throw new IllegalArgumentException("extension argument of type " + v.getClass().getName());
  }

  // ------------------------------------------------------------------------------- values

  private static void strings(ArrayNode a, Iterable<String> values) {
    for (String s : values) a.add(s);
  }

  private static void cidrs(ArrayNode a, List<Cidr> values) {
    for (Cidr c : values) a.add(c.toString());
  }
}
