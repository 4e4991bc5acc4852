package io.mesh4j.xds.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads an Envoy v3 static bootstrap (YAML or JSON) into {@link EnvoyResources}: the listeners,
 * clusters and secrets of {@code static_resources}. YAML is converted to JSON with Jackson, then each resource
 * is parsed with protobuf's {@link JsonFormat} against the Envoy API, so a misspelt field is an
 * error, as it is for Envoy.
 *
 * <p>Typed configs ({@code typed_config}, {@code typed_per_filter_config}) are resolved with
 * {@link #typeRegistry()}: the HTTP connection manager, router, fault, CORS, RBAC, Lua, local rate
 * limit, health check and gRPC stats filters, the TCP proxy, access loggers, TLS contexts, upstream
 * HTTP protocol options and the previous-hosts retry predicate. A type outside it is a parse
 * error naming the type.
 *
 * <p>Stateless and thread-safe.
 */
public final class EnvoyBootstrap {
  private static final JsonFormat.TypeRegistry REGISTRY = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(HTTPFault.getDescriptor())
      .add(FilterConfig.getDescriptor())
      .add(Cors.getDescriptor())
      .add(RBAC.getDescriptor())
      .add(Lua.getDescriptor())
      .add(LocalRateLimit.getDescriptor())
      .add(HealthCheck.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.getDescriptor())
      .add(TcpProxy.getDescriptor())
      .add(FileAccessLog.getDescriptor())
      .add(StdoutAccessLog.getDescriptor())
      .add(StderrAccessLog.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .add(DownstreamTlsContext.getDescriptor())
      .add(RawBuffer.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(PreviousHostsPredicate.getDescriptor())
      .build();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(REGISTRY);
  private static final ObjectMapper JSON = new ObjectMapper();

  private EnvoyBootstrap() {}

  /**
   * What a bootstrap holds for mesh4j.
   *
   * @param resources the static listeners, clusters and secrets (no route configurations or
   *     load assignments: a static bootstrap inlines them)
   * @param issues IGNORED issues (resource type {@code Bootstrap}) for the top-level sections that
   *     configure the proxy process rather than routing: admin, dynamic_resources, stats ...
   * @param node {@code node.cluster}, else {@code node.id}, else {@code null}: the service's name
   */
  public record Parsed(EnvoyResources resources, List<TranslationIssue> issues, String node) {
    public Parsed {
      Objects.requireNonNull(resources, "resources");
      issues = List.copyOf(issues);
    }
  }

  /** The typed-config types this class resolves. */
  public static JsonFormat.TypeRegistry typeRegistry() {
    return REGISTRY;
  }

  /**
   * Parses a bootstrap.
   *
   * @throws EnvoyParseException when the text is not YAML/JSON, not a map, or a resource does not
   *     parse as an Envoy v3 Listener / Cluster
   * @throws NullPointerException if {@code text} is null
   */
  public static Parsed parse(String text) {
    JsonNode root = tree(text);
    if (!root.isObject()) throw new EnvoyParseException("expected a map at the top (a bootstrap)");
    List<TranslationIssue> issues = new ArrayList<>();
    String node = null;
    List<Listener> listeners = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<Secret> secrets = new ArrayList<>();
    boolean sawStatic = false;
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String key = e.getKey();
      if (Bootstrap.getDescriptor().getFields().stream()
          .noneMatch(f -> f.getName().equals(key) || f.getJsonName().equals(key))) {
        throw new EnvoyParseException(key + ": not a field of an Envoy v3 bootstrap");
      }
      switch (key) {
        case "static_resources", "staticResources" -> {
          sawStatic = true;
          JsonNode sr = e.getValue();
          if (!sr.isObject()) throw new EnvoyParseException(key + ": expected a map");
          for (Map.Entry<String, JsonNode> f : sr.properties()) {
            switch (f.getKey()) {
              case "listeners" -> listeners.addAll(EnvoyBootstrap.<Listener>cast(list(f.getValue(),
                  "static_resources.listeners", Listener.newBuilder())));
              case "clusters" -> clusters.addAll(EnvoyBootstrap.<Cluster>cast(list(f.getValue(),
                  "static_resources.clusters", Cluster.newBuilder())));
              case "secrets" -> secrets.addAll(EnvoyBootstrap.<Secret>cast(list(f.getValue(),
                  "static_resources.secrets", Secret.newBuilder())));
              default -> throw new EnvoyParseException("static_resources." + f.getKey()
                  + ": not a field of static_resources (expected listeners, clusters, secrets)");
            }
          }
        }
        case "node" -> {
          JsonNode n = e.getValue();
          if (n.hasNonNull("cluster") && !n.get("cluster").asText().isEmpty()) {
            node = n.get("cluster").asText();
          } else if (n.hasNonNull("id") && !n.get("id").asText().isEmpty()) {
            node = n.get("id").asText();
          }
        }
        case "dynamic_resources", "dynamicResources" -> issues.add(new TranslationIssue(
            Severity.IGNORED, "Bootstrap", "", "dynamic_resources", "import-envoy converts "
                + "static_resources only; to follow a control plane, use mesh-xds's client"));
        default -> issues.add(new TranslationIssue(Severity.IGNORED, "Bootstrap", "", key,
            "configures the proxy process, not routing"));
      }
    }
    if (!sawStatic) throw new EnvoyParseException("no static_resources");
    return new Parsed(new EnvoyResources(listeners, List.of(), clusters, List.of(), secrets), issues,
        node);
  }

  /**
   * Parses one Envoy message from YAML or JSON into {@code builder} (which is returned), resolving
   * typed configs with {@link #typeRegistry()}.
   *
   * @throws EnvoyParseException when the text does not parse as that message
   */
  public static <B extends Message.Builder> B merge(String yamlOrJson, B builder) {
    merge(tree(yamlOrJson), "", builder);
    return builder;
  }

  private static <B extends Message.Builder> List<Message> list(JsonNode n, String path, B prototype) {
    if (!n.isArray()) throw new EnvoyParseException(path + ": expected a list");
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      Message.Builder b = prototype.clone().clear();
      merge(n.get(i), path + "[" + i + "]", b);
      out.add(b.build());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> cast(List<Message> list) {
    return (List<T>) list;
  }

  private static void merge(JsonNode n, String path, Message.Builder b) {
    try {
      PARSER.merge(JSON.writeValueAsString(n), b);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim();
      throw new EnvoyParseException((path.isEmpty() ? "" : path + ": ") + m
          + enumFields(m, b.getDescriptorForType()));
    } catch (RuntimeException e) {
      throw new EnvoyParseException((path.isEmpty() ? "" : path + ": ")
          + String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim());
    }
  }

  private static JsonNode tree(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    JsonNode n;
    if (t.stripLeading().startsWith("{")) {
      try {
        n = JSON.readTree(t); // JSON, tabs and all
      } catch (JsonProcessingException e) {
        n = yaml(t); // YAML flow style
      }
    } else {
      n = yaml(t);
    }
    if (n == null || n.isMissingNode() || n.isNull()) throw new EnvoyParseException("empty document");
    return n;
  }

  private static JsonNode yaml(String t) {
    try {
      return new YAMLMapper().readTree(t);
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage().replaceAll("\\s+", " ").trim();
      var loc = e.getLocation();
      throw new EnvoyParseException("syntax error" + (loc != null ? " at line " + loc.getLineNr()
          + ", column " + loc.getColumnNr() : "") + ": " + m);
    }
  }

  private static final java.util.regex.Pattern BAD_ENUM =
      java.util.regex.Pattern.compile("Invalid enum value: .* for enum type: ([\\w.]+)$");

  /**
   * For protobuf's "Invalid enum value: X for enum type: T", which names no field: {@code " (field
   * a, b; expected one of ...)"} naming the fields of type T reachable from {@code root} or from
   * the message T is nested in; otherwise {@code ""}.
   */
  static String enumFields(String message, Descriptor root) {
    var m = BAD_ENUM.matcher(message);
    if (!m.find()) return "";
    String type = m.group(1);
    Set<String> fields = new java.util.TreeSet<>();
    EnumDescriptor found = null;
    Deque<Descriptor> todo = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    todo.add(root);
    int dot = type.lastIndexOf('.');
    Descriptor parent = dot > 0 ? REGISTRY.find(type.substring(0, dot)) : null;
    if (parent != null) todo.add(parent);
    while (!todo.isEmpty()) {
      Descriptor d = todo.poll();
      if (!seen.add(d.getFullName())) continue;
      for (FieldDescriptor f : d.getFields()) {
        if (f.getJavaType() == FieldDescriptor.JavaType.ENUM
            && f.getEnumType().getFullName().equals(type)) {
          fields.add(f.getName());
          found = f.getEnumType();
        } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          todo.add(f.getMessageType());
        }
      }
    }
    if (found == null) return "";
    StringBuilder names = new StringBuilder();
    for (EnumValueDescriptor v : found.getValues()) {
      if (names.length() > 0) names.append(", ");
      names.append(v.getName());
    }
    return " (field " + String.join(", ", fields) + "; expected one of " + names + ")";
  }
}
