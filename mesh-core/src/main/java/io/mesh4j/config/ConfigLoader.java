package io.mesh4j.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a mesh4j config (format version 1) from YAML or JSON, applies the defaults and validates
 * it, reporting every problem at once.
 *
 * <pre>{@code
 * MeshConfig config = ConfigLoader.load(Path.of("mesh.yaml"));
 * }</pre>
 *
 * <p>Every problem is collected with its path and the rejected value, in the form
 * {@code clusters[1].endpoints[0].weight: 0 (expected: 1-10000)}: syntax errors (with line and
 * column), unknown keys, wrong types, unparseable durations, and everything
 * {@link ConfigValidator} checks. Structural problems come first, in document order, then semantic
 * ones; a value already reported as malformed is not reported again by the validator. Settings
 * that are valid but have no effect ({@link ConfigValidator#warnings}) are logged at WARN.
 *
 * <p>{@link ConfigException} is the only exception these methods throw (apart from
 * {@link NullPointerException} for a null argument): an unreadable file, bad UTF-8, a YAML or
 * JSON syntax error and an invalid config all become one. Text is decoded as UTF-8 (a leading
 * byte-order mark is ignored). A document that starts with {@code {} or {@code [} is read as
 * JSON, falling back to YAML flow style. One document per input; YAML anchors and aliases are
 * rejected (Jackson's tree model cannot resolve them faithfully).
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
  // Only a streaming parser factory: the tree is built by readValue, so YAML configs never load
  // ObjectMapper and the databind machinery behind it (about 200 classes at startup).
  private static final YAMLFactory YAML =
      (YAMLFactory) new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** The JSON reader, created on the first JSON document (most configs are YAML). */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  private ConfigLoader() {}

  /**
   * Loads the config file at {@code file}.
   *
   * @throws ConfigException if it cannot be read or is invalid; the message names the file
   */
  public static MeshConfig load(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw unreadable(source, "cannot read " + source + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw unreadable(source, "cannot read " + source + ": permission denied", e);
    } catch (IOException | RuntimeException e) {
      throw unreadable(source, "cannot read " + source + ": " + e, e);
    }
    return load(decode(bytes, source), source);
  }

  /**
   * Loads a config from its YAML or JSON text (not a file name: see {@link #load(Path)}).
   *
   * @throws ConfigException if it is invalid
   */
  public static MeshConfig load(String text) {
    Objects.requireNonNull(text, "text");
    return load(text, (String) null);
  }

  /**
   * Loads a config from UTF-8 bytes read to the end of {@code in}; the stream is not closed.
   *
   * @throws ConfigException if reading fails or the config is invalid
   */
  public static MeshConfig load(InputStream in) {
    Objects.requireNonNull(in, "in");
    byte[] bytes;
    try {
      bytes = in.readAllBytes();
    } catch (IOException | RuntimeException e) {
      throw unreadable(null, "cannot read the config stream: " + e, e);
    }
    return load(decode(bytes, null), (String) null);
  }

  /**
   * Loads a config from the characters read to the end of {@code reader}; it is not closed.
   *
   * @throws ConfigException if reading fails or the config is invalid
   */
  public static MeshConfig load(Reader reader) {
    Objects.requireNonNull(reader, "reader");
    StringWriter text = new StringWriter();
    try {
      reader.transferTo(text);
    } catch (IOException | RuntimeException e) {
      throw unreadable(null, "cannot read the config: " + e, e);
    }
    return load(text.toString(), (String) null);
  }

  /**
   * Loads a config from a classpath resource ({@code mesh.yaml} or {@code /config/mesh.yaml}),
   * looked up with the thread's context class loader, or this library's when there is none.
   *
   * @throws ConfigException if the resource is missing, unreadable or invalid
   */
  public static MeshConfig loadResource(String resource) {
    Objects.requireNonNull(resource, "resource");
    String name = resource.startsWith("/") ? resource.substring(1) : resource;
    String source = "classpath:" + name;
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) loader = ConfigLoader.class.getClassLoader();
    byte[] bytes;
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw unreadable(source, "classpath resource not found: " + name, null);
      }
      bytes = in.readAllBytes();
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException c) throw c;
      throw unreadable(source, "cannot read " + source + ": " + e, e);
    }
    return load(decode(bytes, source), source);
  }

  // ------------------------------------------------------------------ implementation

  private static ConfigException unreadable(String source, String message, Throwable cause) {
    return new ConfigException(source, List.of(new ConfigError("", message)), cause);
  }

  private static String decode(byte[] bytes, String source) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (MalformedInputException e) {
      throw unreadable(source, "not valid UTF-8 (expected: UTF-8 text)", e);
    } catch (CharacterCodingException e) {
      throw unreadable(source, "not valid UTF-8 (expected: UTF-8 text): " + e, e);
    }
  }

  /**
   * Loads the config file at {@code file}, checking the extensions it names against {@code
   * extensions} instead of those {@link java.util.ServiceLoader} finds (see {@link
   * ConfigValidator#validate(MeshConfig, ExtensionCatalog)}).
   *
   * @throws ConfigException if it cannot be read or is invalid; the message names the file
   */
  public static MeshConfig load(Path file, ExtensionCatalog extensions) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(extensions, "extensions");
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw unreadable(source, "cannot read " + source + ": no such file", e);
    } catch (AccessDeniedException e) {
      throw unreadable(source, "cannot read " + source + ": permission denied", e);
    } catch (IOException | RuntimeException e) {
      throw unreadable(source, "cannot read " + source + ": " + e, e);
    }
    return load(decode(bytes, source), source, extensions);
  }

  /**
   * Loads a config from its YAML or JSON text, checking the extensions it names against {@code
   * extensions} (see {@link #load(Path, ExtensionCatalog)}).
   *
   * @throws ConfigException if it is invalid
   */
  public static MeshConfig load(String text, ExtensionCatalog extensions) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(extensions, "extensions");
    return load(text, null, extensions);
  }

  private static MeshConfig load(String text, String source) {
    return load(text, source, null);
  }

  private static MeshConfig load(String text, String source, ExtensionCatalog extensions) {
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
    JsonNode root;
    try {
      root = parse(text);
    } catch (SyntaxError e) {
      throw new ConfigException(source, List.of(e.error), e.getCause());
    }
    TreeReader reader = new TreeReader();
    MeshConfig config = reader.read(root);
    List<ConfigError> errors = new ArrayList<>(reader.errors);
    if (config != null) {
      List<ConfigError> found = extensions == null
          ? ConfigValidator.validate(config)
          : ConfigValidator.validate(config, extensions);
      for (ConfigError e : found) {
        if (!suppressed(e.path(), reader)) errors.add(e);
      }
    }
    if (!errors.isEmpty()) throw new ConfigException(source, locate(text, source, errors), null);
    for (ConfigError w : ConfigValidator.warnings(config)) {
      LOG.warn("mesh4j config{}: {}", source == null ? "" : " " + source, w);
    }
    return config;
  }

  /** Whether the validator's error at {@code path} repeats one the reader already reported. */
  private static boolean suppressed(String path, TreeReader reader) {
    if (reader.quiet.contains(path) || reader.tainted.contains(path)) return true;
    for (int i = 1; i < path.length(); i++) {
      char c = path.charAt(i);
      if ((c == '.' || c == '[') && reader.tainted.contains(path.substring(0, i))) return true;
    }
    return false;
  }

  /** A syntax problem, as the one error of the document. */
  private static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;
    @SuppressWarnings("serial")
    final ConfigError error;

    SyntaxError(ConfigError error, Throwable cause) {
      super(error.message(), cause, false, false);
      this.error = error;
    }
  }

  /** The tree the loader reads from {@code text} (YAML 1.2 flow colons accepted), for tests. */
  static JsonNode tree(String text) {
    try {
      return parse(text);
    } catch (SyntaxError e) {
      throw new ConfigException(List.of(e.error));
    }
  }

  private static JsonNode parse(String text) throws SyntaxError {
    int first = 0;
    while (first < text.length() && Character.isWhitespace(text.charAt(first))) first++;
    char c = first < text.length() ? text.charAt(first) : ' ';
    if (c != '{' && c != '[') return parseYaml(text, null);
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException | RuntimeException jsonError) {
      try {
        return parseYaml(text, null);
      } catch (SyntaxError yamlError) {
        int next = first + 1;
        while (next < text.length() && Character.isWhitespace(text.charAt(next))) next++;
        boolean looksLikeJson = next >= text.length() || "\"}[]{0123456789-".indexOf(text.charAt(next)) >= 0;
        throw looksLikeJson ? syntax("JSON", jsonError) : yamlError;
      }
    }
  }

  /**
   * Stands in for a {@code :} that starts a plain scalar in a flow collection, as in
   * {@code [::1/128]}. YAML 1.2 allows that; SnakeYAML (YAML 1.1) does not. A private-use
   * character keeps every column where it was, so later syntax errors still point right.
   */
  private static final char COLON_STAND_IN = '\uE000';

  /** Bounds the re-parses {@link #parseYaml} makes to accept YAML 1.2 colons. */
  private static final int MAX_COLON_FIXES = 64;

  /** With {@code where} non-null, also records the location of every path (see {@link #locate}). */
  private static JsonNode parseYaml(String text, Map<String, JsonLocation> where)
      throws SyntaxError {
    boolean canStandIn = text.indexOf(COLON_STAND_IN) < 0;
    boolean standIns = false;
    if (canStandIn) {
      String replaced = standInFlowColons(text);
      standIns = replaced != text;
      text = replaced;
    }
    for (int fixes = 0; ; fixes++) {
      try {
        return parseYamlOnce(text, standIns, where);
      } catch (SyntaxError e) {
        int at = canStandIn && fixes < MAX_COLON_FIXES ? flowColonAt(text, e.getCause()) : -1;
        if (at < 0) throw e;
        text = text.substring(0, at) + COLON_STAND_IN + text.substring(at + 1);
        standIns = true;
      }
    }
  }

  /**
   * Replaces each {@code :} that follows {@code [}, {@code {} or {@code ,} (spaces between
   * allowed) and is followed by a character that can continue a plain scalar, as the first
   * {@code :} of {@code [::1/128]}, saving a failed parse in the common case. Harmless where it
   * is not needed: inside a quoted or block scalar or a comment the stand-in is turned back into
   * {@code :} with the text around it; a flow indicator {@code :} is followed by a space.
   * Returns {@code text} itself when there is nothing to replace.
   */
  private static String standInFlowColons(String text) {
    char[] chars = null;
    for (int i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
      if (i + 1 >= text.length()) break;
      char next = text.charAt(i + 1);
      if (Character.isWhitespace(next) || ",[]{}#".indexOf(next) >= 0) continue;
      int prev = i - 1;
      while (prev >= 0 && (text.charAt(prev) == ' ' || text.charAt(prev) == '\t')) prev--;
      if (prev < 0 || "[{,".indexOf(text.charAt(prev)) < 0) continue;
      if (chars == null) chars = text.toCharArray();
      chars[i] = COLON_STAND_IN;
    }
    return chars == null ? text : new String(chars);
  }

  /**
   * The offset of the {@code :} SnakeYAML rejected when it starts a YAML 1.2 plain scalar in a
   * flow collection ({@code ::1} in {@code [::1/128]}); -1 for any other error.
   */
  private static int flowColonAt(String text, Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
        int index = m.getProblemMark().getIndex();
        if (index < 0 || index >= text.codePointCount(0, text.length())) return -1;
        int at = text.offsetByCodePoints(0, index);
        if (text.charAt(at) != ':' || at + 1 >= text.length()) return -1;
        char next = text.charAt(at + 1);
        if (Character.isWhitespace(next) || ",[]{}#".indexOf(next) >= 0) return -1;
        int prev = at - 1;
        while (prev >= 0 && (text.charAt(prev) == ' ' || text.charAt(prev) == '\t')) prev--;
        return prev >= 0 && "[{,:".indexOf(text.charAt(prev)) >= 0 ? at : -1;
      }
    }
    return -1;
  }

  /**
   * Parses one YAML document into a tree in a single pass, rejecting what Jackson's tree would
   * misrepresent: aliases (read back as the alias name) and further documents (silently dropped).
   * With {@code standIns}, every {@link #COLON_STAND_IN} becomes {@code :} again.
   */
  private static JsonNode parseYamlOnce(
      String text, boolean standIns, Map<String, JsonLocation> where) throws SyntaxError {
    try (JsonParser p = YAML.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) return null;
      JsonNode root = readValue(p, t, standIns, where, "");
      if (p.nextToken() != null) {
        throw at(p.currentTokenLocation(), "YAML",
            "a second document (expected: one document per config)", null);
      }
      return root;
    } catch (JsonProcessingException | RuntimeException e) {
      throw syntax("YAML", e);
    } catch (IOException e) {
      throw syntax("YAML", e);
    }
  }

  /**
   * The value starting at {@code t}. Recursion is bounded by SnakeYAML's nesting limit. With
   * {@code where} non-null (only after a config was rejected), records where each value at or
   * under {@code path} starts.
   */
  private static JsonNode readValue(JsonParser p, JsonToken t, boolean standIns,
      Map<String, JsonLocation> where, String path) throws IOException, SyntaxError {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (where != null) where.putIfAbsent(path, p.currentTokenLocation());
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = f.objectNode();
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          if (standIns) name = name.replace(COLON_STAND_IN, ':');
          String child = where == null ? null : path.isEmpty() ? name : path + "." + name;
          o.set(name, readValue(p, p.nextToken(), standIns, where, child));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = f.arrayNode();
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(readValue(p, t, standIns, where, where == null ? null : path + "[" + i + "]"));
          i++;
        }
        return a;
      }
      case VALUE_STRING -> {
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
          throw at(p.currentTokenLocation(), "YAML",
              "alias *" + Checks.printable(p.getText()) + " (expected: no YAML anchors or aliases; write the value"
                  + " out)", null);
        }
        String s = p.getText();
        return f.textNode(standIns ? s.replace(COLON_STAND_IN, ':') : s);
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> f.numberNode(p.getIntValue());
          case LONG -> f.numberNode(p.getLongValue());
          default -> f.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return f.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return f.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return f.booleanNode(false);
      }
      case VALUE_NULL -> {
        return f.nullNode();
      }
      default -> {
        // VALUE_EMBEDDED_OBJECT: a !!binary scalar or the like; no config key takes one.
        Object value = p.getEmbeddedObject();
        return value instanceof byte[] b ? f.binaryNode(b) : f.pojoNode(value);
      }
    }
  }

  /**
   * {@code errors}, each with the location of its path in {@code text}: the start of the value at
   * the path, or of the nearest enclosing value the text has ({@code clusters[0]} for a missing
   * {@code clusters[0].name}). Parses {@code text} a second time, so a config that loads pays
   * nothing for it.
   */
  static List<ConfigError> locate(String text, String source, List<ConfigError> errors) {
    Map<String, JsonLocation> where = new HashMap<>();
    try {
      int first = 0;
      while (first < text.length() && Character.isWhitespace(text.charAt(first))) first++;
      boolean json = first < text.length() && (text.charAt(first) == '{' || text.charAt(first) == '[');
      if (json) {
        try (JsonParser p = Json.MAPPER.createParser(text)) {
          JsonToken t = p.nextToken();
          if (t != null) readValue(p, t, false, where, "");
        } catch (IOException | SyntaxError | RuntimeException notJson) {
          where.clear();
          json = false;
        }
      }
      if (!json) parseYaml(text, where);
    } catch (SyntaxError | RuntimeException e) {
      return errors; // the text parsed once; if it does not again, report without locations
    }
    List<ConfigError> located = new ArrayList<>(errors.size());
    for (ConfigError e : errors) {
      JsonLocation at = e.path().isEmpty() || !e.location().isEmpty() ? null : find(where, e.path());
      located.add(at == null || at.getLineNr() < 1 ? e : e.at(source == null
          ? "line " + at.getLineNr() + ", column " + at.getColumnNr()
          : source + ":" + at.getLineNr() + ":" + at.getColumnNr()));
    }
    return located;
  }

  /**
   * The location of {@code path}, else of its nearest ancestor the text has (the document itself
   * for a missing top-level key); null for none.
   */
  private static JsonLocation find(Map<String, JsonLocation> where, String path) {
    String p = path;
    while (true) {
      JsonLocation at = where.get(p);
      if (at != null || p.isEmpty()) return at;
      p = p.substring(0, Math.max(0, Math.max(p.lastIndexOf('.'), p.lastIndexOf('['))));
    }
  }

  private static SyntaxError syntax(String format, Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
        String problem = m.getProblem() != null ? m.getProblem() : firstLine(m.getMessage());
        return new SyntaxError(
            new ConfigError("", format + " syntax error at line " + (m.getProblemMark().getLine() + 1)
                + ", column " + (m.getProblemMark().getColumn() + 1) + ": " + oneLine(problem)), e);
      }
    }
    if (e instanceof JsonProcessingException j) {
      return at(j.getLocation(), format, oneLine(firstLine(j.getOriginalMessage())), e);
    }
    return new SyntaxError(
        new ConfigError("", format + " syntax error: " + oneLine(firstLine(String.valueOf(e.getMessage())))), e);
  }

  private static SyntaxError at(JsonLocation loc, String format, String problem, Throwable cause) {
    String where = loc == null || loc.getLineNr() < 1
        ? ""
        : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    return new SyntaxError(new ConfigError("", format + " syntax error" + where + ": " + problem), cause);
  }

  private static String firstLine(String s) {
    if (s == null) return "unreadable";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String oneLine(String s) {
    return Checks.printable(s.replace('\r', ' ').replace('\n', ' ').strip());
  }
}
