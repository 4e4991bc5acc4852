package io.mesh4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.config.ConfigWriter;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.xds.translate.EnvoyBootstrap;
import io.mesh4j.xds.translate.EnvoyParseException;
import io.mesh4j.xds.translate.EnvoyTranslator;
import io.mesh4j.xds.translate.Translation;
import io.mesh4j.xds.translate.TranslationIssue;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import io.mesh4j.xds.translate.XdsBinding;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code mesh4j import-envoy ENVOY.yaml [--outbound NAMES] [--inbound NAMES] [--json]}: converts
 * an Envoy static bootstrap into a mesh4j config through {@link EnvoyTranslator}.
 *
 * <p>Text mode prints the mesh4j YAML on stdout and one line per issue on stderr. {@code --json}
 * prints one JSON document on stdout instead: {@code {"accepted", "config", "issues"}}. Exit codes:
 * 0 translated (possibly with IGNORED issues), 1 REJECTED issues (no config printed), 3 a usage
 * error or a file that cannot be read or parsed.
 */
final class ImportEnvoy {
  static final int OK = 0;
  static final int REJECTED = 1;
  static final int USAGE_OR_PARSE = 3;

  static final String USAGE =
      """
      usage:
        mesh4j import-envoy ENVOY.yaml [--outbound NAMES] [--inbound NAMES] [--json]

      import-envoy  converts an Envoy v3 static bootstrap (YAML or JSON: static_resources
                    listeners and clusters) into a mesh4j config: the YAML on stdout, what could
                    not be carried over on stderr (IGNORED: dropped as cosmetic; REJECTED: changes
                    behaviour and mesh4j cannot express it, so no config is printed).
                    Every listener is outbound unless --inbound names it; --outbound NAMES limits
                    the outbound side to those listeners. NAMES: comma-separated, repeatable.
                    --json prints {"accepted", "config", "issues"} on stdout instead.
                    The service name is the bootstrap's node.cluster, else node.id, else the
                    file name. Exit 0 converted, 1 rejected, 3 usage or parse error.""";

  private final PrintStream out;
  private final PrintStream err;

  ImportEnvoy(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  int run(List<String> argv) {
    Args a;
    Set<String> inbound;
    Set<String> outbound;
    try {
      a = Args.parse(argv, Set.of("--json"), Set.of("--outbound", "--inbound"));
      if (a.positionals.size() != 1) throw new UsageException("expected ENVOY.yaml");
      inbound = names(a.all("--inbound"));
      outbound = names(a.all("--outbound"));
    } catch (UsageException e) {
      err.println("mesh4j import-envoy: " + e.getMessage());
      err.println();
      err.println(USAGE);
      return USAGE_OR_PARSE;
    }
    Path file = Path.of(a.positionals.get(0));
    String text;
    try {
      text = Files.readString(file);
    } catch (MalformedInputException e) {
      err.println("mesh4j import-envoy: " + file + ": not UTF-8 text");
      return USAGE_OR_PARSE;
    } catch (IOException e) {
      err.println("mesh4j import-envoy: cannot read " + file + ": " + e.getMessage());
      return USAGE_OR_PARSE;
    }
    EnvoyBootstrap.Parsed parsed;
    try {
      parsed = EnvoyBootstrap.parse(text);
    } catch (EnvoyParseException e) {
      err.println("mesh4j import-envoy: " + file + ": " + e.getMessage());
      return USAGE_OR_PARSE;
    }

    List<TranslationIssue> issues = new ArrayList<>(parsed.issues());
    if (outbound.isEmpty()) {
      for (Listener l : parsed.resources().listeners()) {
        if (!inbound.contains(l.getName())) outbound.add(l.getName());
      }
    } else {
      for (Listener l : parsed.resources().listeners()) {
        if (!inbound.contains(l.getName()) && !outbound.contains(l.getName())) {
          issues.add(new TranslationIssue(Severity.IGNORED, "Listener", l.getName(), "",
              "not bound: neither --outbound nor --inbound names it"));
        }
      }
    }
    String service = parsed.node() != null ? parsed.node() : stem(file);
    MeshConfig base = new MeshConfig(MeshConfig.CURRENT_VERSION, meshName(service), List.of(),
        null, null, null, null, null, null, null);
    Translation t = EnvoyTranslator.translate(parsed.resources(),
        new XdsBinding(List.copyOf(outbound), List.copyOf(inbound)), base);
    issues.addAll(t.issues());

    if (a.flag("--json")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("accepted", t.accepted());
      json.put("config",
          t.accepted() ? ConfigWriter.tree(t.config(), ConfigWriter.Defaults.OMITTED) : null);
      List<Object> list = new ArrayList<>();
      for (TranslationIssue i : issues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", i.severity().name());
        m.put("resource_type", i.resourceType());
        m.put("resource_name", i.resourceName());
        m.put("field", i.field());
        m.put("message", i.message());
        list.add(m);
      }
      json.put("issues", list);
      try {
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    } else {
      for (TranslationIssue i : issues) {
        err.println((i.severity() == Severity.REJECTED ? "REJECTED " : "IGNORED  ") + i);
      }
      if (t.accepted()) {
        out.print(ConfigWriter.yaml(t.config()));
      } else {
        err.println("mesh4j import-envoy: " + t.rejected().size() + " setting"
            + (t.rejected().size() == 1 ? "" : "s") + " cannot be carried over; no config written");
      }
    }
    return t.accepted() ? OK : REJECTED;
  }

  private static Set<String> names(List<String> values) {
    Set<String> out = new LinkedHashSet<>();
    for (String v : values) {
      for (String n : v.split(",")) {
        String name = n.trim();
        if (name.isEmpty()) throw new UsageException("empty listener name in '" + v + "'");
        out.add(name);
      }
    }
    return out;
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /** A mesh4j name: letters, digits and {@code . _ - | :}; anything else becomes {@code _}. */
  private static String meshName(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || c == '|' || c == ':';
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "_" : b.toString();
  }
}
