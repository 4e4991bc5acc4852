package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.config.ConfigWriter;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.Secrets;
import java.util.Iterator;
import java.util.Map;

/**
 * The config as the admin shows it: {@link ConfigWriter}'s tree with every default shown (so what
 * the admin shows is exactly what is in force, and without secrets it loads back into an equal
 * config), then every secret masked, in two passes:
 *
 * <ol>
 *   <li>Values keyed by an HTTP header name ({@code headers.add}, {@code respond.headers}) and the
 *       values of header and query matchers are masked when the name looks like a credential
 *       ({@link Secrets#isSecretHeader}).
 *   <li>Then, anywhere in the tree, the value of a field whose own name looks like a secret
 *       ({@link Secrets#isSecretField}) is masked, so a field added to the format later (and any
 *       extension's {@code args}) is covered without touching this class.
 * </ol>
 *
 * <p>Stateless; allocates a new tree per call.
 */
final class ConfigJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** The header and query matcher keys that hold a compared value (not {@code present}). */
  private static final String[] MATCHER_VALUES = {"exact", "prefix", "suffix", "contains", "regex"};

  private ConfigJson() {}

  /** The whole config, masked. */
  static ObjectNode config(MeshConfig c) {
    ObjectNode o = ConfigWriter.tree(c);
    for (String side : new String[] {"outbound", "inbound"}) {
      for (JsonNode vh : o.path(side).path("virtual_hosts")) {
        for (JsonNode r : vh.path("routes")) maskHeaders((ObjectNode) r);
      }
    }
    for (JsonNode rule : o.path("inbound").path("authz").path("rules")) {
      if (rule.get("match") instanceof ObjectNode m) maskMatchValues(m);
    }
    return maskFields(o);
  }

  /** One route in the file format (name, match, action key, modifiers), masked. */
  static ObjectNode route(RouteConfig r) {
    return maskFields(maskHeaders(ConfigWriter.route(r)));
  }

  /** Masks the header-keyed values and matcher values of one route node. */
  private static ObjectNode maskHeaders(ObjectNode route) {
    if (route.get("match") instanceof ObjectNode m) maskMatchValues(m);
    if (route.path("headers").get("add") instanceof ObjectNode add) maskHeaderMap(add);
    if (route.path("respond").get("headers") instanceof ObjectNode h) maskHeaderMap(h);
    return route;
  }

  private static ObjectNode maskMatchValues(ObjectNode match) {
    for (String list : new String[] {"headers", "query"}) {
      for (JsonNode n : match.path(list)) {
        if (n instanceof ObjectNode o && Secrets.isSecretHeader(o.path("name").asText(null))) {
          for (String k : MATCHER_VALUES) {
            if (o.has(k)) o.put(k, Secrets.MASK);
          }
        }
      }
    }
    return match;
  }

  private static void maskHeaderMap(ObjectNode headers) {
    Iterator<Map.Entry<String, JsonNode>> it = headers.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (Secrets.isSecretHeader(e.getKey())) e.setValue(F.textNode(Secrets.MASK));
    }
  }

  /** Replaces, anywhere under {@code node}, the value of a field with a secret-looking name. */
  static <T extends JsonNode> T maskFields(T node) {
    if (node instanceof ObjectNode o) {
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        if (Secrets.isSecretField(e.getKey()) && !v.isNull() && !isMask(v)) {
          e.setValue(F.textNode(Secrets.MASK));
        } else {
          maskFields(v);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (JsonNode v : a) maskFields(v);
    }
    return node;
  }

  private static boolean isMask(JsonNode v) {
    return v.isTextual() && v.textValue().equals(Secrets.MASK);
  }
}
