package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Whatever text it is given, the loader either returns a config that passes the validator or
 * throws {@link ConfigException} with well-formed errors; nothing else escapes. Three sources of
 * input: the CONFIG.md example's tree with random structural mutations (deep coverage of the
 * reader and validator), its text with random character edits (syntax paths), and arbitrary
 * strings: 20,000 cases in all.
 *
 * <p>Randomized with plain JUnit: each test draws its cases from a {@link SplittableRandom} with a
 * fixed seed, so every run checks the same inputs; case {@code i} depends only on the seed and
 * {@code i}. A failure names the test's seed and the case index. {@code -Dmesh4j.seed=N} runs every
 * test with seed {@code N} instead, for exploration; a failure there is reproduced with the same
 * flag.
 */
class ConfigLoaderPropertyTest {
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EXAMPLE_TEXT = read(ConfigLoaderTest.EXAMPLE);
  /** Quoted for Jackson's plain YAML 1.1 reader, which lacks the loader's [::1] handling. */
  static final JsonNode EXAMPLE_TREE = tree(EXAMPLE_TEXT.replace("::1/128", "\"::1/128\""));

  /** Every key of the format, so that mutations add keys the reader knows in wrong places. */
  static final String[] KEYS = {
    "version", "service", "clusters", "outbound", "inbound", "propagate", "admin", "name", "lb",
    "endpoints", "health_check", "outlier_detection", "circuit_breaker", "retry", "timeout",
    "panic_threshold", "slow_start", "hash_on", "address", "weight", "zone", "probe", "path",
    "interval", "unhealthy_threshold", "healthy_threshold", "expected_statuses",
    "consecutive_5xx", "consecutive_gateway_failure", "base_ejection_time",
    "max_ejection_percent", "max_ejection_time", "enforcing", "failure_rate_threshold",
    "slow_call_duration", "slow_call_rate_threshold", "sliding_window", "minimum_calls",
    "wait_in_open", "max_concurrent_requests", "attempts", "retry_on", "retriable_status_codes",
    "per_try_timeout", "backoff", "budget", "idempotent_only", "base", "max", "percent",
    "min_per_second", "header", "cookie", "source_ip", "virtual_hosts", "domains", "routes",
    "match", "to", "split", "redirect", "respond", "pass", "rewrite", "headers", "mirror", "fault",
    "rate_limit", "prefix", "path_separated_prefix", "regex", "case_sensitive", "methods",
    "query", "source", "principals", "exact", "suffix", "contains", "present", "invert",
    "cluster", "scheme", "host", "port", "prefix_rewrite", "strip_query", "code", "status",
    "body", "substitution", "add", "remove", "delay", "abort", "fixed", "requests_per_second",
    "burst", "authz", "default_action", "rules", "action", "trusted_proxies", "health_path",
    "enabled", "allow_from", "deadline_headers", "lbb", "", "x y", "\u00e9"
  };

  /** Scalars near every boundary and syntax rule the format has. */
  static final Object[] SCALARS = {
    "", " ", "0", "-1", "1.5", "10000", "10001", "65536", 0, 1, -1, 100, 101, 599, 600, 10000,
    10001, 65535, 65536, 99_999_999_999L, 1.5, 0.1, -0.5, 1e300, Double.NaN,
    Double.POSITIVE_INFINITY, true, false, null, "250ms", "0s", "-1s", "0.5ms", "1.5s", "8761h",
    "5", "2d", "/", "/api/", "/api", "api", "/a?b", "(", "[a", "*", "*.x", "x.*", "a*b", "*.",
    "127.0.0.1:8081", "[::1]:80", "::1:80", "h:0", "h:http", "localhost", "300.1.1.1:80",
    "10.0.0.0/8", "::1/128", "10.0.0.0/33", "::ffff:1.2.3.4", "GET", "ge t", "x-a", "X-A", "a b",
    "a\r\nb", "\u0000", "inventory", "inventory-v2", "nope", "ring_hash", "least_request",
    "random", "allow", "deny", "off", "on", "http", "https", "tcp", "200-299", "299-200", "2xx",
    "5xx", "retriable-status-codes", "connect-failure", "\uE000", "\uD83D\uDE00", "\\2", "\\1",
    "spiffe://x/*", "*/x", "x".repeat(300), "%s", "${x}", "routes[0]"
  };

  static String read(String resource) {
    try (InputStream in = ConfigLoaderPropertyTest.class.getClassLoader()
        .getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs {@code check} on {@code cases} inputs made by {@code generator}, each from its own random
   * stream derived from {@code baseSeed} (or the {@code mesh4j.seed} system property when set);
   * wraps any failure in one that names the case index, the seed and the input.
   */
  static void forEachCase(long baseSeed, int cases, Function<SplittableRandom, String> generator,
      Consumer<String> check) {
    String override = System.getProperty("mesh4j.seed", "").trim();
    long seed = override.isEmpty() ? baseSeed : Long.parseLong(override);
    SplittableRandom seeds = new SplittableRandom(seed);
    for (int i = 0; i < cases; i++) {
      SplittableRandom random = new SplittableRandom(seeds.nextLong());
      String input = null;
      try {
        input = generator.apply(random);
        check.accept(input);
      } catch (RuntimeException | Error e) {
        throw new AssertionError("case " + i + " (seed " + seed + "; rerun with -Dmesh4j.seed="
            + seed + "): " + show(input), e);
      }
    }
  }

  /** {@code s} with control characters and surrogates escaped, cut to 4,000 characters. */
  static String show(String s) {
    if (s == null) return "null";
    StringBuilder out = new StringBuilder("\"");
    int shown = Math.min(s.length(), 4000);
    for (int i = 0; i < shown; i++) {
      char c = s.charAt(i);
      if (c == '\n') out.append("\\n");
      else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04X", (int) c));
      } else out.append(c);
    }
    out.append('"');
    if (shown < s.length()) out.append("... (").append(s.length()).append(" chars)");
    return out.toString();
  }

  /** Loads {@code text} and checks the outcome is one of the two allowed ones. */
  static void loadsOrReportsErrors(String text) {
    MeshConfig config;
    try {
      config = ConfigLoader.load(text);
    } catch (ConfigException e) {
      assertThat(e.errors()).isNotEmpty();
      for (ConfigError error : e.errors()) {
        assertThat(error.message()).isNotEmpty().doesNotContain("\n", "\r");
        assertThat(error.path()).doesNotContain("\n", "\r");
      }
      assertThat(e.getMessage()).hasLineCount(e.errors().size() + 1);
      return;
    }
    assertThat(config).isNotNull();
    assertThat(ConfigValidator.validate(config)).isEmpty();
  }

  // ------------------------------------------------------------------ structural mutations

  @Test
  void aMutatedTreeLoadsOrIsRejectedWithConfigException() {
    forEachCase(0x6d757461746564L, 5000, ConfigLoaderPropertyTest::mutatedTreeText,
        ConfigLoaderPropertyTest::loadsOrReportsErrors);
  }

  /** The example's tree after one to four mutations, written as YAML or as JSON. */
  static String mutatedTreeText(SplittableRandom random) {
    JsonNode tree = EXAMPLE_TREE.deepCopy();
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) tree = mutate(tree, random);
    try {
      return random.nextBoolean()
          ? YAML.writeValueAsString(tree)
          : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Applies one random change at a random node of {@code root}; returns the new root. */
  static JsonNode mutate(JsonNode root, SplittableRandom random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    if (containers.isEmpty()) return randomValue(random, 0);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      int op = random.nextInt(4);
      if (op == 0 || names.isEmpty()) {
        o.set(KEYS[random.nextInt(KEYS.length)], randomValue(random, 0));
      } else {
        String name = names.get(random.nextInt(names.size()));
        if (op == 1) o.remove(name);
        else o.set(name, randomValue(random, 0));
      }
    } else if (target instanceof ArrayNode a) {
      int op = random.nextInt(4);
      if (op == 0 || a.isEmpty()) {
        a.add(randomValue(random, 0));
      } else {
        int i = random.nextInt(a.size());
        if (op == 1) a.remove(i);
        else if (op == 2) a.add(a.get(i).deepCopy());
        else a.set(i, randomValue(random, 0));
      }
    }
    return root;
  }

  static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) out.add(node);
    Iterator<JsonNode> it = node.elements();
    while (it.hasNext()) collect(it.next(), out);
  }

  static JsonNode randomValue(SplittableRandom random, int depth) {
    int kind = random.nextInt(depth > 1 ? 1 : 10);
    if (kind == 8) {
      ObjectNode o = F.objectNode();
      for (int i = random.nextInt(3); i > 0; i--) {
        o.set(KEYS[random.nextInt(KEYS.length)], randomValue(random, depth + 1));
      }
      return o;
    }
    if (kind == 9) {
      ArrayNode a = F.arrayNode();
      for (int i = random.nextInt(3); i > 0; i--) a.add(randomValue(random, depth + 1));
      return a;
    }
    Object v = SCALARS[random.nextInt(SCALARS.length)];
    if (v == null) return F.nullNode();
    if (v instanceof String s) return F.textNode(s);
    if (v instanceof Integer n) return F.numberNode(n);
    if (v instanceof Long n) return F.numberNode(n);
    if (v instanceof Double n) return F.numberNode(n);
    return F.booleanNode((Boolean) v);
  }

  // ------------------------------------------------------------------ text mutations

  static final String EDIT_CHARS = " \t\n:-[]{},#&*!|>'\"%@`?\\/0123456789abc\u0000\u00e9";

  @Test
  void anEditedTextLoadsOrIsRejectedWithConfigException() {
    forEachCase(0x656469746564L, 4000, ConfigLoaderPropertyTest::editedText,
        ConfigLoaderPropertyTest::loadsOrReportsErrors);
  }

  /** The example's text after one to five character or whole-line edits. */
  static String editedText(SplittableRandom random) {
    StringBuilder text = new StringBuilder(EXAMPLE_TEXT);
    int edits = 1 + random.nextInt(5);
    for (int i = 0; i < edits; i++) {
      int at = random.nextInt(text.length() + 1);
      char c = EDIT_CHARS.charAt(random.nextInt(EDIT_CHARS.length()));
      switch (random.nextInt(4)) {
        case 0 -> text.insert(at, c);
        case 1 -> {
          if (at < text.length()) text.deleteCharAt(at);
        }
        case 2 -> {
          if (at < text.length()) text.setCharAt(at, c);
        }
        default -> {
          // Delete or duplicate a whole line.
          int start = text.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
          int end = text.indexOf("\n", at);
          if (end < 0) end = text.length();
          if (random.nextBoolean()) text.delete(start, end);
          else text.insert(start, text.substring(start, end) + "\n");
        }
      }
    }
    return text.toString();
  }

  // ------------------------------------------------------------------ arbitrary text

  @Test
  void arbitraryTextLoadsOrIsRejectedWithConfigException() {
    forEachCase(0x617262L, 8000, r -> arbitraryString(r, 200),
        ConfigLoaderPropertyTest::loadsOrReportsErrors);
  }

  @Test
  void arbitraryTextAfterAValidHeaderLoadsOrIsRejectedWithConfigException() {
    forEachCase(0x686561646572L, 3000, r -> arbitraryString(r, 200),
        text -> loadsOrReportsErrors(
            "version: 1\nservice: s\nclusters:\n  - name: a\n    " + text));
  }

  /** Characters the YAML and JSON grammars give a meaning to. */
  static final String SYNTAX_CHARS = " \t\r\n:-[]{},#&*!|>'\"%@`?\\/.=~+0123456789eE";

  /** Characters that trip decoders and line counting: BOM, NEL, separators, noncharacters. */
  static final String SPECIAL_CHARS = "\uFEFF\u0085\u2028\u2029\u00A0\u200B\uFFFD\uFFFE\uFFFF";

  /**
   * A string of at most {@code maxLength} UTF-16 units: empty and full length are edge cases;
   * otherwise short strings are as likely as long ones. Characters mix printable ASCII, syntax,
   * control characters, any BMP unit (so lone surrogates too), explicit lone surrogates,
   * supplementary characters as proper pairs and special code points.
   */
  static String arbitraryString(SplittableRandom random, int maxLength) {
    int length = switch (random.nextInt(20)) {
      case 0 -> 0;
      case 1 -> maxLength;
      default -> random.nextInt(random.nextBoolean() ? Math.min(maxLength, 16) + 1 : maxLength + 1);
    };
    StringBuilder s = new StringBuilder(length);
    while (s.length() < length) {
      int kind = random.nextInt(16);
      if (kind < 5) {
        s.append((char) random.nextInt(0x20, 0x7f));
      } else if (kind < 9) {
        s.append(SYNTAX_CHARS.charAt(random.nextInt(SYNTAX_CHARS.length())));
      } else if (kind < 10) {
        s.append((char) (random.nextBoolean() ? random.nextInt(0x20) : random.nextInt(0x7f, 0xa0)));
      } else if (kind < 13) {
        s.append((char) random.nextInt(0x10000));
      } else if (kind < 14) {
        s.append((char) random.nextInt(Character.MIN_SURROGATE, Character.MAX_SURROGATE + 1));
      } else if (kind < 15) {
        if (s.length() + 2 > length) continue;
        s.appendCodePoint(random.nextInt(Character.MIN_SUPPLEMENTARY_CODE_POINT,
            Character.MAX_CODE_POINT + 1));
      } else {
        s.append(SPECIAL_CHARS.charAt(random.nextInt(SPECIAL_CHARS.length())));
      }
    }
    return s.toString();
  }
}
