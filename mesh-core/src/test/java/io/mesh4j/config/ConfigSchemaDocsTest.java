package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated parts of the docs match {@link ConfigSchema}: the field tables in {@code
 * docs/config.md} and {@code docs/mesh4j.schema.json}. Regenerate both with {@value #REGENERATE}.
 * Every example config in the docs and examples validates against the JSON Schema.
 */
class ConfigSchemaDocsTest {
  static final String REGENERATE =
      "mvn -B -pl mesh-core test -Dtest=ConfigSchemaDocsTest -Dmesh4j.regenerate=true";
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path CONFIG_MD = ROOT.resolve("docs/config.md");
  private static final Path SCHEMA_JSON = ROOT.resolve("docs/mesh4j.schema.json");
  private static final Pattern BLOCK =
      Pattern.compile("<!-- schema:([a-z_]+) -->\\n(.*?)<!-- /schema:\\1 -->", Pattern.DOTALL);
  private static final Pattern YAML = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

  private static List<ConfigError> errorsOf(String yaml) {
    try {
      ConfigLoader.load(yaml);
      return List.of();
    } catch (ConfigException e) {
      return e.errors();
    }
  }

  private static boolean regenerate() {
    return Boolean.getBoolean("mesh4j.regenerate");
  }

  static String generatedConfigMd(String current) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    Matcher m = BLOCK.matcher(current);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      ConfigSchema.Section section = ConfigSchema.section(m.group(1));
      seen.merge(m.group(1), 1, Integer::sum);
      String table = section.fields().isEmpty() ? "No keys.\n" : section.markdown();
      m.appendReplacement(out, Matcher.quoteReplacement(
          "<!-- schema:" + section.id + " -->\n" + table + "<!-- /schema:" + section.id + " -->"));
    }
    m.appendTail(out);
    for (ConfigSchema.Section s : ConfigSchema.SECTIONS) {
      assertThat(seen.get(s.id))
          .as("docs/config.md must hold exactly one <!-- schema:%s --> block", s.id)
          .isEqualTo(1);
    }
    return out.toString();
  }

  static String generatedSchemaJson() throws IOException {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(ConfigSchema.jsonSchema()) + "\n";
  }

  private static void check(Path file, String expected) throws IOException {
    String actual = Files.exists(file) ? Files.readString(file) : "";
    if (regenerate()) {
      if (!actual.equals(expected)) Files.writeString(file, expected);
      return;
    }
    assertThat(actual)
        .as("%s is out of date with ConfigSchema; regenerate it: %s", ROOT.relativize(file),
            REGENERATE)
        .isEqualTo(expected);
  }

  @Test
  void configMdTablesAreGeneratedFromTheSchema() throws IOException {
    check(CONFIG_MD, generatedConfigMd(Files.readString(CONFIG_MD)));
  }

  @Test
  void jsonSchemaIsGeneratedFromTheSchema() throws IOException {
    check(SCHEMA_JSON, generatedSchemaJson());
  }

  @Test
  void readerKeysAreTheSchemaKeys() {
    // A key the schema declares is a key the reader accepts: an unknown one lists exactly these.
    List<ConfigError> errors =
        errorsOf("version: 1\nservice: a\nclusters:\n  - {name: c, nope: 1}\n");
    assertThat(errors).extracting(ConfigError::toString).containsExactly(
        "clusters[0].nope: unknown key (expected one of: "
            + String.join(", ", ConfigSchema.CLUSTER.keys()) + ") at line 4, column 21");
  }

  /** The full example configs, and the fragments that start at the top level of a config. */
  private static List<Map.Entry<String, String>> examples() throws IOException {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    List<Path> markdown = new ArrayList<>();
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(markdown::add);
    }
    markdown.add(ROOT.resolve("README.md"));
    // CONFIG.md lives beside the repository in the shared workspace, when there is one.
    Path shared = ROOT.resolve("../shared/CONFIG.md").normalize();
    if (Files.exists(shared)) markdown.add(shared);
    for (Path md : markdown) {
      Matcher m = YAML.matcher(Files.readString(md));
      for (int i = 0; m.find(); i++) out.add(Map.entry(md.getFileName() + " block " + i, m.group(1)));
    }
    try (Stream<Path> files = Files.walk(ROOT.resolve("examples"))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        out.add(Map.entry(ROOT.relativize(p).toString(),
            Files.readString(p, StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  @Test
  void everyExampleConfigValidatesAgainstTheJsonSchema() throws IOException {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    Schema full = registry.getSchema(generatedSchemaJson(), InputFormat.JSON);
    // A fragment is a config missing its required keys: the same schema without "required".
    var fragmentSchema = ConfigSchema.jsonSchema();
    fragmentSchema.remove("required");
    Schema fragment = registry.getSchema(fragmentSchema.toString(), InputFormat.JSON);
    int fullChecked = 0;
    int fragmentsChecked = 0;
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, String> e : examples()) {
      com.fasterxml.jackson.databind.JsonNode tree;
      try {
        tree = ConfigLoader.tree(e.getValue());
      } catch (ConfigException notOneDocument) {
        // Alternatives shown side by side (rewrite: {...} twice); a full example must parse.
        assertThat(e.getValue()).as(e.getKey()).doesNotContain("version:");
        continue;
      }
      if (tree == null || !tree.isObject()) continue;
      boolean isFull = tree.has("version");
      boolean topLevel = true;
      for (var names = tree.fieldNames(); names.hasNext(); ) {
        if (!List.of(ConfigSchema.ROOT.keys()).contains(names.next())) topLevel = false;
      }
      if (!isFull && (!topLevel || e.getValue().contains("[...]"))) continue; // elided // a deeper fragment or not a mesh config (k8s, xds)
      var errors = (isFull ? full : fragment).validate(tree.toString(), InputFormat.JSON);
      if (isFull) fullChecked++;
      else fragmentsChecked++;
      errors.forEach(err -> failures.add(e.getKey() + ": " + err));
      if (isFull && !e.getKey().startsWith("CONFIG.md")) {
        // (CONFIG.md's example elides clusters it routes to.) The schema is never stricter than the loader, nor looser on what it checks.
        assertThat(errorsOf(e.getValue())).as(e.getKey()).isEmpty();
      }
    }
    assertThat(failures).isEmpty();
    assertThat(fullChecked).as("full example configs").isGreaterThanOrEqualTo(3);
    assertThat(fragmentsChecked).as("top-level fragments").isGreaterThanOrEqualTo(8);
  }

  @Test
  void jsonSchemaRejectsWhatTheReaderRejects() throws IOException {
    Schema full = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(generatedSchemaJson(), InputFormat.JSON);
    String ok = "version: 1\nservice: a\nclusters:\n  - name: c\n    endpoints: [a:1]\n";
    assertThat(full.validate(ok, InputFormat.YAML)).isEmpty();
    for (String bad : List.of(
        "version: 1\nservice: a\nclusters:\n  - {name: c, panic_threshold: 101}\n",
        "version: 1\nservice: a\nclusters:\n  - {name: c, timeout: 5}\n",
        "version: 1\nservice: a\nclusters:\n  - {name: c, lb: fastest}\n",
        "version: 1\nservice: a\nclusters:\n  - {name: c, nope: 1}\n",
        "version: 2\nservice: a\n",
        "service: a\n")) {
      assertThat(full.validate(bad, InputFormat.YAML)).as(bad).isNotEmpty();
      assertThat(errorsOf(bad)).as(bad).isNotEmpty();
    }
  }
}
