package io.mesh4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigLoaderPropertyTest}'s structural mutations, over the fixture that sets every field
 * of the format (every section, TLS, identity sources, hedging and adaptive limits included)
 * instead of CONFIG.md's example, with keys drawn from every section the schema declares: 5,000
 * cases, each loaded or rejected with well-formed errors, never anything else.
 */
class EveryFieldMutationTest {
  static final JsonNode EVERY_FIELD = ConfigLoaderPropertyTest.tree(
      ConfigLoaderPropertyTest.read("io/mesh4j/config/every-field.yaml"));
  /** Every key any section declares, then the property test's odd ones. */
  static final String[] KEYS = keys();

  private static String[] keys() {
    Set<String> keys = new LinkedHashSet<>();
    for (ConfigSchema.Section s : ConfigSchema.SECTIONS) keys.addAll(List.of(s.keys()));
    keys.addAll(List.of(ConfigLoaderPropertyTest.KEYS));
    return keys.toArray(new String[0]);
  }

  @Test
  void aMutatedEveryFieldConfigLoadsOrIsRejectedWithConfigException() {
    ConfigLoaderPropertyTest.forEachCase(0x65766572794669L, 5000, EveryFieldMutationTest::mutated,
        ConfigLoaderPropertyTest::loadsOrReportsErrors);
  }

  static String mutated(SplittableRandom random) {
    JsonNode tree = EVERY_FIELD.deepCopy();
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) tree = mutate(tree, random);
    try {
      return random.nextBoolean()
          ? ConfigLoaderPropertyTest.YAML.writeValueAsString(tree)
          : ConfigLoaderPropertyTest.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One random change at a random container of {@code root}, with keys from {@link #KEYS}. */
  static JsonNode mutate(JsonNode root, SplittableRandom random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      int op = random.nextInt(3);
      if (op == 0 || names.isEmpty()) {
        o.set(KEYS[random.nextInt(KEYS.length)], ConfigLoaderPropertyTest.randomValue(random, 0));
      } else {
        String name = names.get(random.nextInt(names.size()));
        if (op == 1) o.remove(name);
        else o.set(name, ConfigLoaderPropertyTest.randomValue(random, 0));
      }
    } else if (target instanceof ArrayNode a) {
      int op = random.nextInt(4);
      if (op == 0 || a.isEmpty()) {
        a.add(ConfigLoaderPropertyTest.randomValue(random, 0));
      } else {
        int i = random.nextInt(a.size());
        if (op == 1) a.remove(i);
        else if (op == 2) a.add(a.get(i).deepCopy());
        else a.set(i, ConfigLoaderPropertyTest.randomValue(random, 0));
      }
    }
    return root;
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) out.add(node);
    for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) collect(it.next(), out);
  }
}
