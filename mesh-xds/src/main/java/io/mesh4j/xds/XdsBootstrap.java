package io.mesh4j.xds;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.xds.translate.XdsBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How an {@link XdsClient} reaches its control plane and what it follows: the server address, the
 * node identity it presents, which listener or route-configuration names are the outbound and
 * inbound side ({@link XdsBinding}), optional TLS to the control plane, and the reconnect backoff.
 *
 * <p>Loaded from YAML or JSON ({@link #load(Path)}, {@link #parse(String)}) or built in code
 * ({@link #builder()}); either way it is validated completely, and every problem is reported with
 * its path in one {@link ConfigException}:
 *
 * <pre>{@code
 * server: 127.0.0.1:18000             # host:port of the ADS server (required)
 * tls:                                # optional; plaintext when absent
 *   trusted_ca: /etc/mesh/ca.pem      # PEM bundle that signs the server's certificate (required with tls)
 *   client_cert: /etc/mesh/me.pem     # optional client certificate (PEM) ...
 *   client_key: /etc/mesh/me.key      # ... and its PKCS#8 key (PEM); both or neither
 * node:
 *   id: frontend-7f9c                 # required
 *   cluster: frontend                 # optional
 *   metadata: { zone: eu-west-1a }    # optional, string values
 * outbound: [frontend-outbound]       # listener or route configuration names
 * inbound: [frontend-inbound]
 * backoff: { initial: 1s, max: 30s }  # reconnect backoff (defaults shown)
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class XdsBootstrap {
  /** Default first reconnect delay cap. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
  /** Default largest reconnect delay cap. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final List<String> ROOT_KEYS =
      List.of("server", "tls", "node", "outbound", "inbound", "backoff");

  private final String host;
  private final int port;
  private final String nodeId;
  private final String nodeCluster;
  private final Map<String, String> nodeMetadata;
  private final XdsBinding binding;
  private final Path trustedCa;
  private final Path clientCert;
  private final Path clientKey;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  private XdsBootstrap(Builder b, String host, int port) {
    this.host = host;
    this.port = port;
    this.nodeId = b.nodeId;
    this.nodeCluster = b.nodeCluster;
    this.nodeMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.nodeMetadata));
    this.binding = new XdsBinding(b.outbound, b.inbound);
    this.trustedCa = b.trustedCa;
    this.clientCert = b.clientCert;
    this.clientKey = b.clientKey;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
  }

  /** A builder for a bootstrap written in code. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads a bootstrap file (YAML or JSON).
   *
   * @throws ConfigException if it cannot be read or is invalid; paths are the file's keys
   */
  public static XdsBootstrap load(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(),
          List.of(new ConfigError("", "cannot read " + file + ": " + e)), e);
    }
    return parse(text, file.toString());
  }

  /**
   * Parses a bootstrap from YAML or JSON text.
   *
   * @throws ConfigException if it is invalid
   */
  public static XdsBootstrap parse(String text) {
    return parse(Objects.requireNonNull(text, "text"), null);
  }

  private static XdsBootstrap parse(String text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source,
          List.of(new ConfigError("", "not valid YAML/JSON: " + e.getOriginalMessage())), e);
    }
    List<ConfigError> errors = new ArrayList<>();
    Builder b = new Builder();
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = YAML.createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(source, List.of(new ConfigError("", "expected a map")), null);
    }
    unknownKeys(root, "", ROOT_KEYS, errors);
    b.server = text(root, "server", "server", errors);
    JsonNode tls = root.get("tls");
    if (tls != null && !tls.isNull()) {
      if (!tls.isObject()) {
        errors.add(new ConfigError("tls", "expected a map"));
      } else {
        unknownKeys(tls, "tls.", List.of("trusted_ca", "client_cert", "client_key"), errors);
        String ca = text(tls, "trusted_ca", "tls.trusted_ca", errors);
        String cert = text(tls, "client_cert", "tls.client_cert", errors);
        String key = text(tls, "client_key", "tls.client_key", errors);
        b.tlsRequested = true;
        b.trustedCa = ca == null ? null : Path.of(ca);
        b.clientCert = cert == null ? null : Path.of(cert);
        b.clientKey = key == null ? null : Path.of(key);
      }
    }
    JsonNode node = root.get("node");
    if (node != null && !node.isNull()) {
      if (!node.isObject()) {
        errors.add(new ConfigError("node", "expected a map"));
      } else {
        unknownKeys(node, "node.", List.of("id", "cluster", "metadata"), errors);
        b.nodeId = text(node, "id", "node.id", errors);
        b.nodeCluster = text(node, "cluster", "node.cluster", errors);
        JsonNode md = node.get("metadata");
        if (md != null && !md.isNull()) {
          if (!md.isObject()) {
            errors.add(new ConfigError("node.metadata", "expected a map of strings"));
          } else {
            for (Map.Entry<String, JsonNode> e : md.properties()) {
              if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                b.nodeMetadata.put(e.getKey(), e.getValue().asText());
              } else {
                errors.add(new ConfigError("node.metadata." + e.getKey(), "expected a string"));
              }
            }
          }
        }
      }
    }
    b.outbound = names(root, "outbound", errors);
    b.inbound = names(root, "inbound", errors);
    JsonNode backoff = root.get("backoff");
    if (backoff != null && !backoff.isNull()) {
      if (!backoff.isObject()) {
        errors.add(new ConfigError("backoff", "expected a map"));
      } else {
        unknownKeys(backoff, "backoff.", List.of("initial", "max"), errors);
        Duration initial = duration(backoff, "initial", "backoff.initial", errors);
        Duration max = duration(backoff, "max", "backoff.max", errors);
        if (initial != null) b.initialBackoff = initial;
        if (max != null) b.maxBackoff = max;
      }
    }
    errors.addAll(b.problems());
    if (!errors.isEmpty()) throw new ConfigException(source, errors, null);
    return b.build();
  }

  private static void unknownKeys(JsonNode map, String prefix, List<String> known,
      List<ConfigError> errors) {
    for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        errors.add(new ConfigError(prefix + k,
            "unknown key (expected one of: " + String.join(", ", known) + ")"));
      }
    }
  }

  private static String text(JsonNode map, String key, String path, List<ConfigError> errors) {
    JsonNode v = map.get(key);
    if (v == null || v.isNull()) return null;
    if (!v.isValueNode()) {
      errors.add(new ConfigError(path, "expected a string"));
      return null;
    }
    return v.asText();
  }

  private static List<String> names(JsonNode root, String key, List<ConfigError> errors) {
    JsonNode v = root.get(key);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) return out;
    if (v.isTextual()) {
      out.add(v.textValue());
      return out;
    }
    if (!v.isArray()) {
      errors.add(new ConfigError(key, "expected a list of listener or route configuration names"));
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode n = v.get(i);
      if (!n.isTextual()) {
        errors.add(new ConfigError(key + "[" + i + "]", "expected a name"));
      } else {
        out.add(n.textValue());
      }
    }
    return out;
  }

  private static Duration duration(JsonNode map, String key, String path, List<ConfigError> errors) {
    String t = text(map, key, path, errors);
    if (t == null) return null;
    try {
      return Durations.parse(t);
    } catch (IllegalArgumentException e) {
      errors.add(new ConfigError(path, e.getMessage()));
      return null;
    }
  }

  /** The control plane's host name or IP address. */
  public String host() {
    return host;
  }

  /** The control plane's port. */
  public int port() {
    return port;
  }

  /** {@code host:port}. */
  public String server() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** The node id presented to the control plane; never null. */
  public String nodeId() {
    return nodeId;
  }

  /** The node's cluster (service) name, or {@code null}. */
  public String nodeCluster() {
    return nodeCluster;
  }

  /** The node metadata (string values), in insertion order; never null. */
  public Map<String, String> nodeMetadata() {
    return nodeMetadata;
  }

  /** Which listener / route configuration names are outbound and inbound. */
  public XdsBinding binding() {
    return binding;
  }

  /** Whether the connection to the control plane uses TLS. */
  public boolean tls() {
    return trustedCa != null;
  }

  /** The PEM file of CA certificates that sign the control plane's certificate, or {@code null}. */
  public Path trustedCa() {
    return trustedCa;
  }

  /** The client certificate chain (PEM) presented to the control plane, or {@code null}. */
  public Path clientCert() {
    return clientCert;
  }

  /** The client certificate's PKCS#8 private key (PEM), or {@code null}. */
  public Path clientKey() {
    return clientKey;
  }

  /** The cap of the first reconnect delay (the n-th is capped at {@code initial * 2^n}). */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The largest reconnect delay cap. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  @Override
  public String toString() {
    return "XdsBootstrap{server=" + server() + ", node=" + nodeId + ", tls=" + tls()
        + ", outbound=" + binding.outbound() + ", inbound=" + binding.inbound() + "}";
  }

  /** Builds an {@link XdsBootstrap}. Not thread-safe. */
  public static final class Builder {
    private String server;
    private boolean tlsRequested;
    private Path trustedCa;
    private Path clientCert;
    private Path clientKey;
    private String nodeId;
    private String nodeCluster;
    private final Map<String, String> nodeMetadata = new LinkedHashMap<>();
    private List<String> outbound = new ArrayList<>();
    private List<String> inbound = new ArrayList<>();
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;

    private Builder() {}

    /** The ADS server as {@code host:port} (IPv6 as {@code [::1]:18000}); required. */
    public Builder server(String hostPort) {
      this.server = hostPort;
      return this;
    }

    /** Connect with TLS, trusting the CAs in this PEM file. */
    public Builder trustedCa(Path pem) {
      this.tlsRequested = true;
      this.trustedCa = pem;
      return this;
    }

    /** Present this client certificate chain and PKCS#8 key (PEM files) to the control plane. */
    public Builder clientCertificate(Path certPem, Path keyPem) {
      this.tlsRequested = true;
      this.clientCert = certPem;
      this.clientKey = keyPem;
      return this;
    }

    /** The node id; required. */
    public Builder nodeId(String id) {
      this.nodeId = id;
      return this;
    }

    /** The node's cluster name. */
    public Builder nodeCluster(String cluster) {
      this.nodeCluster = cluster;
      return this;
    }

    /** Adds one node metadata entry. */
    public Builder nodeMetadata(String key, String value) {
      nodeMetadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds outbound listener or route configuration names. */
    public Builder outbound(String... names) {
      outbound.addAll(List.of(names));
      return this;
    }

    /** Adds inbound listener or route configuration names. */
    public Builder inbound(String... names) {
      inbound.addAll(List.of(names));
      return this;
    }

    /** Reconnect backoff: the first delay is at most {@code initial}, doubling up to {@code max}. */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = Objects.requireNonNull(initial, "initial");
      this.maxBackoff = Objects.requireNonNull(max, "max");
      return this;
    }

    private List<ConfigError> problems() {
      List<ConfigError> errors = new ArrayList<>();
      if (server == null || server.isBlank()) {
        errors.add(new ConfigError("server", "required (expected: host:port)"));
      } else if (parseServer(server) == null) {
        errors.add(new ConfigError("server", "\"" + server + "\" (expected: host:port)"));
      }
      if (nodeId == null || nodeId.isBlank()) errors.add(new ConfigError("node.id", "required"));
      if (tlsRequested) {
        if (trustedCa == null) errors.add(new ConfigError("tls.trusted_ca", "required with tls"));
        if ((clientCert == null) != (clientKey == null)) {
          errors.add(new ConfigError(clientCert == null ? "tls.client_cert" : "tls.client_key",
              "client_cert and client_key go together"));
        }
        readable(trustedCa, "tls.trusted_ca", errors);
        readable(clientCert, "tls.client_cert", errors);
        readable(clientKey, "tls.client_key", errors);
      }
      if (outbound.isEmpty() && inbound.isEmpty()) {
        errors.add(new ConfigError("outbound",
            "name at least one listener or route configuration (outbound or inbound)"));
      }
      names(outbound, "outbound", errors);
      names(inbound, "inbound", errors);
      if (initialBackoff.compareTo(Duration.ofMillis(1)) < 0) {
        errors.add(new ConfigError("backoff.initial",
            Durations.format(initialBackoff) + " (expected: >= 1ms)"));
      }
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        errors.add(new ConfigError("backoff.max", Durations.format(maxBackoff)
            + " (expected: >= backoff.initial " + Durations.format(initialBackoff) + ")"));
      }
      return errors;
    }

    private static void names(List<String> names, String path, List<ConfigError> errors) {
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        if (n == null || n.isBlank()) {
          errors.add(new ConfigError(path + "[" + i + "]", "expected a non-blank name"));
        } else if (names.indexOf(n) != i) {
          errors.add(new ConfigError(path + "[" + i + "]", "\"" + n + "\" is listed twice"));
        }
      }
    }

    private static void readable(Path p, String path, List<ConfigError> errors) {
      if (p != null && !Files.isReadable(p)) {
        errors.add(new ConfigError(path, "cannot read " + p));
      }
    }

    /**
     * Validates and builds.
     *
     * @throws ConfigException listing every problem, with bootstrap file paths
     */
    public XdsBootstrap build() {
      List<ConfigError> errors = problems();
      if (!errors.isEmpty()) throw new ConfigException(errors);
      HostAndPort hp = parseServer(server);
      return new XdsBootstrap(this, hp.host(), hp.port());
    }
  }

  private record HostAndPort(String host, int port) {}

  /** The host and port, or {@code null} when {@code s} is not {@code host:port}. */
  private static HostAndPort parseServer(String s) {
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') return null;
      host = s.substring(1, close);
      port = s.substring(close + 2);
    } else {
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || s.indexOf(':') != colon) return null;
      host = s.substring(0, colon);
      port = s.substring(colon + 1);
    }
    if (host.isBlank() || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) return null;
    return new HostAndPort(host, p);
  }
}
