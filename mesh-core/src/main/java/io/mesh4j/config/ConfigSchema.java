package io.mesh4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The config format declared once: every section's keys, each with its type, default, constraint
 * and doc line. {@link TreeReader} takes its key sets (unknown-key errors and their "expected one
 * of" lists) from here, {@link ConfigValidator} its integer ranges, and the generated
 * {@code docs/config.md} tables and {@code docs/mesh4j.schema.json} come from here
 * ({@code ConfigSchemaDocsTest} fails when they drift). A section bound to its record ({@code
 * clusters[]} and what it holds, {@code inbound}, {@code identity_sources[]}, the route
 * policies' scalar sections) is also read, range-checked, built and written from here alone
 * through its {@link RecordBinding}, declared below with the codecs of its few keys that are not
 * one component.
 *
 * <p>A small DSL rather than annotations on record components: several sections have no record
 * of their own (a route's {@code to/split/redirect} keys fill one {@link ActionConfig}; {@code
 * backoff}, {@code budget} and {@code delay} are nested), and many keys accept two shapes ({@code
 * endpoints: [host:port]} or maps, {@code budget: off}) that an annotation cannot say. Immutable.
 */
final class ConfigSchema {
  private ConfigSchema() {}

  // ================================================================== the model

  /** What a key's value must be. */
  static final class Type {
    enum Kind { INTEGER, NUMBER, BOOLEAN, STRING, DURATION, ENUM, LIST, MAP, ANY_OF, FREE_MAP }

    final Kind kind;
    final Long min;
    final Long max;
    final boolean exclusiveMin;
    final List<String> values;
    final Type item;
    final Section section;
    final List<Type> anyOf;
    final String text;
    /**
     * An integer's alternative spelling ({@code adaptive}), or null; the record holds it as
     * {@link #keywordValue}, which the file may not spell as a number.
     */
    final String keyword;
    final int keywordValue;

    private Type(Kind kind, Long min, Long max, boolean exclusiveMin, List<String> values,
        Type item, Section section, List<Type> anyOf, String text) {
      this(kind, min, max, exclusiveMin, values, item, section, anyOf, text, null, 0);
    }

    private Type(Kind kind, Long min, Long max, boolean exclusiveMin, List<String> values,
        Type item, Section section, List<Type> anyOf, String text, String keyword,
        int keywordValue) {
      this.keyword = keyword;
      this.keywordValue = keywordValue;
      this.kind = kind;
      this.min = min;
      this.max = max;
      this.exclusiveMin = exclusiveMin;
      this.values = values;
      this.item = item;
      this.section = section;
      this.anyOf = anyOf;
      this.text = text;
    }

    private static Type of(Kind kind, String text) {
      return new Type(kind, null, null, false, List.of(), null, null, List.of(), text);
    }

    /** The same type described differently in the docs. */
    Type described(String docText) {
      return new Type(kind, min, max, exclusiveMin, values, item, section, anyOf, docText,
          keyword, keywordValue);
    }

    /** The validator's message for {@code v}, or {@code null} when it fits (integers only). */
    String check(long v) {
      if (min != null && max != null) return Checks.range(v, min, max);
      if (min != null) return Checks.atLeast(v, min);
      return null;
    }

    /** The validator's message for {@code v}, or {@code null} when it fits (numbers only). */
    String check(double v) {
      if (kind != Kind.NUMBER) return null;
      if (min != null && max != null && min == 0 && max == 100) return Checks.percent(v);
      if (exclusiveMin && min != null && (!(v > min) || Double.isInfinite(v))) {
        return Checks.number(v) + " (expected: > " + min + ")";
      }
      return null;
    }

    /** What a missing required value should have been: {@code 200-599}, {@code > 0}. */
    String expected() {
      if (min != null && max != null) return min + "-" + max;
      if (min != null) return (exclusiveMin ? "> " : ">= ") + min;
      return text;
    }

    String doc() {
      return text;
    }

    ObjectNode json(JsonNodeFactory f) {
      ObjectNode n = f.objectNode();
      switch (kind) {
        case INTEGER -> {
          ObjectNode i = n;
          if (keyword != null) {
            ArrayNode a = n.putArray("anyOf");
            i = a.addObject();
            a.addObject().putArray("enum").add(keyword);
          }
          i.put("type", "integer");
          if (min != null) i.put("minimum", min);
          if (max != null) i.put("maximum", max);
        }
        case NUMBER -> {
          n.put("type", "number");
          if (min != null) n.put(exclusiveMin ? "exclusiveMinimum" : "minimum", min);
          if (max != null) n.put("maximum", max);
        }
        case BOOLEAN -> n.put("type", "boolean");
        case STRING -> n.put("type", "string");
        case DURATION -> {
          n.put("type", "string");
          n.put("pattern", "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$");
        }
        case ENUM -> {
          ArrayNode e = n.putArray("enum");
          for (String v : values) {
            if (v.matches("[0-9]+")) e.add(Integer.parseInt(v));
            else e.add(v);
          }
        }
        case LIST -> {
          n.put("type", "array");
          n.set("items", item.json(f));
        }
        case MAP -> n.put("$ref", "#/$defs/" + section.id);
        case FREE_MAP -> {
          n.put("type", "object");
          if (item != null) n.set("additionalProperties", item.json(f));
        }
        case ANY_OF -> {
          ArrayNode a = n.putArray("anyOf");
          for (Type t : anyOf) a.add(t.json(f));
        }
      }
      return n;
    }
  }

  static Type integer() {
    return Type.of(Type.Kind.INTEGER, "integer");
  }

  static Type integer(long min, long max) {
    return new Type(Type.Kind.INTEGER, min, max, false, List.of(), null, null, List.of(),
        "integer " + min + ".." + max);
  }

  static Type atLeast(long min) {
    return new Type(Type.Kind.INTEGER, min, null, false, List.of(), null, null, List.of(),
        "integer >= " + min);
  }

  /**
   * An integer {@code >= min}, or {@code keyword}, which the record holds as {@code
   * keywordValue} (a value below {@code min} that the file may not spell as a number).
   */
  static Type atLeastOr(long min, String keyword, int keywordValue) {
    return new Type(Type.Kind.INTEGER, min, null, false, List.of(), null, null, List.of(),
        "integer >= " + min + " or `" + keyword + "`", keyword, keywordValue);
  }

  static Type percent() {
    return new Type(Type.Kind.NUMBER, 0L, 100L, false, List.of(), null, null, List.of(),
        "number 0..100");
  }

  static Type positiveNumber() {
    return new Type(Type.Kind.NUMBER, 0L, null, true, List.of(), null, null, List.of(),
        "number > 0");
  }

  static Type number(long min, long max) {
    return new Type(Type.Kind.NUMBER, min, max, false, List.of(), null, null, List.of(),
        "number " + min + ".." + max);
  }

  static Type bool() {
    return Type.of(Type.Kind.BOOLEAN, "boolean");
  }

  static Type string() {
    return Type.of(Type.Kind.STRING, "string");
  }

  static Type string(String docText) {
    return Type.of(Type.Kind.STRING, docText);
  }

  static Type duration(boolean positive) {
    return new Type(Type.Kind.DURATION, positive ? 1L : 0L, null, false, List.of(), null, null,
        List.of(), positive ? "duration > 0" : "duration >= 0");
  }

  static Type oneOf(String... values) {
    StringBuilder sb = new StringBuilder();
    for (String v : values) {
      if (sb.length() > 0) sb.append(" \\| ");
      sb.append(v.matches("[0-9]+") ? v : "`" + v + "`");
    }
    return new Type(Type.Kind.ENUM, null, null, false, List.of(values), null, null, List.of(),
        sb.toString());
  }

  static Type listOf(Type item) {
    return new Type(Type.Kind.LIST, null, null, false, List.of(), item, null, List.of(),
        "list of " + item.doc());
  }

  static Type map(Section section) {
    return new Type(Type.Kind.MAP, null, null, false, List.of(), null, section, List.of(),
        "map: " + section.keyList());
  }

  /** A map with any keys (extension {@code args}); values of {@code valueType} when given. */
  static Type freeMap(Type valueType, String docText) {
    return new Type(Type.Kind.FREE_MAP, null, null, false, List.of(), valueType, null, List.of(),
        docText);
  }

  static Type anyOf(String docText, Type... types) {
    return new Type(Type.Kind.ANY_OF, null, null, false, List.of(), null, null,
        List.of(types), docText);
  }

  /** One key of a section. */
  record Field(String name, Type type, boolean required, String defaultText, String doc) {
    /** The validator's message for an integer value, or {@code null} when it is in range. */
    String check(long v) {
      return type.check(v);
    }
  }

  /** The keys of one map in the config, in documentation order. */
  static final class Section {
    final String id;
    final String title;
    private final Map<String, Field> fields = new LinkedHashMap<>();
    private String[] keys;
    private RecordBinding<?> binding;

    Section(String id, String title) {
      this.id = id;
      this.title = title;
    }

    Section field(String name, Type type, String defaultText, String doc) {
      fields.put(name, new Field(name, type, false, defaultText, doc));
      keys = null;
      return this;
    }

    Section required(String name, Type type, String doc) {
      fields.put(name, new Field(name, type, true, "required", doc));
      keys = null;
      return this;
    }

    /** The key names, in order: the reader's "expected one of" list. Callers must not modify. */
    String[] keys() {
      String[] k = keys;
      if (k == null) keys = k = fields.keySet().toArray(new String[0]);
      return k;
    }

    /** Called by the section's {@link RecordBinding} when it is created; the first one stays. */
    void bind(RecordBinding<?> b) {
      if (binding == null) binding = b;
    }

    /** The binding of this section to its record, or {@code null} while it has none. */
    RecordBinding<?> binding() {
      return binding;
    }

    Field field(String name) {
      Field f = fields.get(name);
      if (f == null) throw new IllegalArgumentException(id + " has no key " + name);
      return f;
    }

    List<Field> fields() {
      return List.copyOf(fields.values());
    }

    String keyList() {
      StringBuilder sb = new StringBuilder();
      for (String k : fields.keySet()) {
        if (sb.length() > 0) sb.append(", ");
        sb.append('`').append(k).append('`');
      }
      return sb.toString();
    }

    /** The markdown reference table of this section. */
    String markdown() {
      StringBuilder sb = new StringBuilder();
      sb.append("| key | type | default | range / notes |\n| --- | --- | --- | --- |\n");
      for (Field f : fields.values()) {
        sb.append("| `").append(f.name()).append("` | ").append(f.type().doc()).append(" | ")
            .append(f.defaultText()).append(" | ").append(f.doc()).append(" |\n")
            .toString();
      }
      return sb.toString().replace(" |  |\n", " | |\n");
    }

    ObjectNode json(JsonNodeFactory f) {
      ObjectNode n = f.objectNode();
      n.put("type", "object");
      n.put("title", title);
      ObjectNode props = n.putObject("properties");
      List<String> required = new ArrayList<>();
      for (Field field : fields.values()) {
        ObjectNode p = field.type().json(f);
        String doc = field.doc().isEmpty() ? field.type().doc() : field.doc();
        p.put("description", plain(doc));
        props.set(field.name(), p);
        if (field.required()) required.add(field.name());
      }
      if (!required.isEmpty()) {
        ArrayNode r = n.putArray("required");
        required.forEach(r::add);
      }
      n.put("additionalProperties", false);
      return n;
    }
  }

  private static String plain(String markdown) {
    return markdown.replace("`", "").replace("\\|", "|").replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1");
  }

  // ================================================================== the format

  private static final Type PATH = string("path");
  private static final Type REGEX = string("regex");
  private static final Type CIDRS = listOf(string("CIDR")).described("list of CIDRs");
  private static final Type NAMES = listOf(string()).described("list of strings");

  static final Section CUSTOM_MATCH = new Section("custom_match", "custom matcher reference")
      .required("name", string(), "a registered custom matcher")
      .field("args", freeMap(null, "map"), "`{}`", "checked by the matcher itself");

  static final Section CUSTOM_LB = new Section("custom_lb", "custom lb reference")
      .required("custom", string(), "a registered custom load-balancing policy")
      .field("args", freeMap(null, "map"), "`{}`", "checked by the policy itself");

  static final Section POLICY = new Section("policy", "policy reference")
      .required("name", string(), "a registered request policy")
      .field("args", freeMap(null, "map"), "`{}`", "checked by the policy itself");

  private static final Type POLICIES = listOf(anyOf("policy reference", string(), map(POLICY)))
      .described("list of [policy references](#extensions)");

  static final Section LOCALITY = new Section("locality", "locality")
      .field("region", string(), "none", "non-empty, no spaces or `/`")
      .field("zone", string(), "none", "non-empty, no spaces or `/`")
      .field("sub_zone", string(), "none", "non-empty, no spaces or `/`");

  static final Section LOCALITY_LB = new Section("locality_lb", "locality_lb")
      .field("mode", oneOf("zone_aware", "failover", "weighted"), "`zone_aware`",
          "[locality.md](locality.md): Envoy zone-aware routing, Istio locality failover, or"
              + " Envoy locality-weighted load balancing; priority levels apply in every mode")
      .field("min_cluster_size", atLeast(1), "`6`",
          "`zone_aware` stays off while priority 0 has fewer endpoints")
      .field("overprovisioning_factor", number(1, 100), "`1.4`",
          "a level whose healthy fraction × this reaches 1 keeps all its traffic");

  static final Section ENDPOINT = new Section("endpoint", "endpoint")
      .required("address", string("string `host:port`"),
          "host: an IPv4 literal, an IPv6 literal in brackets (`[::1]:8080`), or a DNS name"
              + " (labels of letters, digits, `-`, `_`); port 1..65535")
      .field("weight", integer(1, Checks.MAX_WEIGHT), "`1`", "")
      .field("zone", string(), "none", "non-empty; shorthand for `locality: {zone}`")
      .field("locality", map(LOCALITY), "none",
          "where the endpoint runs; its `zone` must agree with a `zone` key given too")
      .field("priority", integer(0, EndpointConfig.MAX_PRIORITY), "`0`",
          "0 is preferred; needs the cluster's `locality_lb`")
      .field("locality_weight", integer(1, Checks.MAX_WEIGHT), "`1`",
          "`locality_lb.mode: weighted` only; equal for every endpoint of one locality and"
              + " priority");

  static final Section HEALTH_CHECK = new Section("health_check", "health_check")
      .field("probe", anyOf("`http` \\| `tcp` \\| a registered probe", oneOf("http", "tcp"),
          string()), "`http`", "`tcp` connects only")
      .field("path", PATH, "`/health`", "the HTTP path probed")
      .field("interval", duration(true), "`5s`", "jittered")
      .field("timeout", duration(true), "`1s`", "at most `interval`")
      .field("unhealthy_threshold", atLeast(1), "`3`",
          "consecutive failures before a healthy endpoint goes unhealthy")
      .field("healthy_threshold", atLeast(1), "`2`",
          "consecutive successes before an unhealthy one comes back")
      .field("expected_statuses",
          listOf(anyOf("status or range", integer(100, 599), string("range")))
              .described("list of a status (`204`) or range (`200-299`)"),
          "`[200-299]`", "100..599, low to high");

  static final Section OUTLIER = new Section("outlier_detection", "outlier_detection")
      .field("consecutive_5xx", atLeast(0), "`5`", "`0` disables")
      .field("consecutive_gateway_failure", atLeast(0), "`5`",
          "502/503/504 and connect failures; `0` disables")
      .field("base_ejection_time", duration(true), "`30s`",
          "an ejection lasts this times the number of ejections so far")
      .field("max_ejection_percent", integer(0, 100), "`10`",
          "but at least one endpoint may always be ejected")
      .field("max_ejection_time", duration(true), "`300s`", "at least `base_ejection_time`")
      .field("enforcing", bool(), "`true`",
          "`false` is a dry run: ejections are detected and counted, never enforced");

  static final Section CIRCUIT_BREAKER = new Section("circuit_breaker", "circuit_breaker")
      .field("failure_rate_threshold", integer(1, 100), "`50`",
          "percent of failed calls in the window that opens the circuit")
      .field("slow_call_duration", duration(true), "`2s`", "calls slower than this count as slow")
      .field("slow_call_rate_threshold", integer(1, 100), "`100`",
          "percent of slow calls that opens the circuit")
      .field("sliding_window", integer(1, Checks.MAX_SLIDING_WINDOW), "`100`",
          "calls in the count-based window")
      .field("minimum_calls", atLeast(1).described("integer"), "`20`",
          "1..`sliding_window`; calls before the rates are computed")
      .field("wait_in_open", duration(true), "`10s`",
          "how long the circuit stays open before probing")
      .field("max_concurrent_requests",
          atLeastOr(1, "adaptive", CircuitBreakerConfig.ADAPTIVE_MAX_CONCURRENT_REQUESTS),
          "`1024`", "`adaptive`: a limit that follows the cluster's latencies (gradient2,"
              + " 3..1000); see [resilience](resilience.md#adaptive-concurrency)");

  static final Section BACKOFF = new Section("backoff", "retry.backoff")
      .field("base", duration(true), "`25ms`", "full-jitter exponential")
      .field("max", duration(true), "`250ms`",
          ">= `base`; defaults to 10 × `base` when only `base` is given (as in Envoy)");

  static final Section BUDGET = new Section("budget", "retry.budget")
      .field("percent", percent(), "`20`", "retries allowed: this percent of requests (10 s"
          + " sliding window)")
      .field("min_per_second", atLeast(0), "`10`", "plus this many per second regardless");

  static final Section RETRY = new Section("retry", "retry")
      .field("attempts", integer(1, Checks.MAX_ATTEMPTS), "`2`",
          "total tries, the first included (`1` never retries)")
      .field("retry_on", listOf(oneOf(retryOnValues())).described("list"),
          "`[connect-failure, refused-stream, reset, gateway-error]`",
          "`connect-failure`, `refused-stream`, `reset`, `gateway-error` (502/503/504), `5xx`,"
              + " `retriable-status-codes`, and the gRPC `cancelled`, `deadline-exceeded`,"
              + " `internal`, `resource-exhausted`, `unavailable`")
      .field("retriable_status_codes", listOf(integer(100, 599))
              .described("list of integers 100..599"), "`[]`",
          "in a cluster's policy, must be non-empty when `retry_on` has"
              + " `retriable-status-codes`, and empty otherwise")
      .field("per_try_timeout", duration(true), "none",
          "one try's deadline; the cluster `timeout` still bounds all tries")
      .field("backoff", map(BACKOFF), "`25ms`, `250ms`", "[below](#retrybackoff)")
      .field("budget", anyOf("map: `percent`, `min_per_second`; or `off`", map(BUDGET),
          oneOf("off"), oneOf("false").described("false")), "`20`, `10`",
          "`off` (or `false`) disables the budget; a partial map takes the other default;"
              + " [below](#retrybudget)")
      .field("idempotent_only", bool(), "`true`",
          "POST/PATCH (and bodies that cannot be replayed) are retried only when the request"
              + " certainly never left, unless it carries `Idempotency-Key`");

  static final Section HASH_ON = new Section("hash_on", "hash_on")
      .field("header", string(), "", "hash this request header (name lower-cased)")
      .field("cookie", string(), "", "hash this cookie")
      .field("source_ip", oneOf("true").described("`true`"), "", "hash the client address");

  static final Section TLS_VERIFY = new Section("tls_verify", "tls.verify")
      .field("spiffe_ids", NAMES.described("list of SPIFFE IDs"), "`[]`",
          "the server's SPIFFE ID (URI SAN) must be one of these: exact, or a prefix ending with"
              + " `*`; not with `subject_alt_names`")
      .field("subject_alt_names", NAMES.described("list of names"), "`[]`",
          "the server's certificate must have one of these DNS, URI or IP SANs (exact)");

  static final Section TLS = new Section("tls", "cluster tls")
      .field("mode", oneOf("mutual", "simple", "disabled"), "`disabled`",
          "`mutual` presents the workload certificate and verifies the server; `simple` only"
              + " verifies the server; see [security.md](security.md)")
      .field("sni", string("host name"), "the request's host", "the server name sent in the"
          + " handshake")
      .field("verify", map(TLS_VERIFY).described("map"), "any identity the bundle vouches for",
          "checked after the chain; host names are never matched against endpoint addresses")
      .field("min_version", oneOf("1.2", "1.3").described("`1.2` \\| `1.3`"), "`1.2`", "")
      .field("source", string("identity source name"), "required unless `disabled`",
          "an `identity_sources` entry");

  static final Section PEM = new Section("pem", "identity_sources[].pem")
      .required("cert_chain", PATH, "PEM certificate chain, leaf first")
      .required("private_key", PATH, "PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC); the"
          + " path is masked in `/mesh/config`, the key is never read into any output")
      .required("trust_bundle", PATH, "PEM CA certificates peers must chain to")
      .field("refresh", duration(true), "`5s`", "how often the files are checked for a change"
          + " (atomic replacement expected; a mismatched pair is retried, never served)");

  static final Section WORKLOAD_API = new Section("workload_api", "identity_sources[].workload_api")
      .field("socket", string("address"), "`$SPIFFE_ENDPOINT_SOCKET`", "the agent's Workload API:"
          + " `unix:///absolute/path` (or `unix:/absolute/path`)")
      .field("spiffe_id", string("SPIFFE ID"), "the agent's first (default) SVID", "serve the"
          + " SVID with this ID: `spiffe://trust-domain/path`")
      .field("initial_timeout", duration(true), "`30s`", "how long the mesh build (or reload)"
          + " waits for the first SVID before it fails");

  static final Section IDENTITY_SOURCE = new Section("identity_source", "identity source")
      .required("name", string(), "unique; letters, digits, `. _ - \\| :`")
      .field("pem", map(PEM).described("map"), "none: a source registered in code under"
          + " `name`", "PEM files watched for changes; not with `workload_api`")
      .field("workload_api", map(WORKLOAD_API).described("map"), "none",
          "the SPIFFE Workload API (SPIRE's agent); needs `io.mesh4j:mesh-spiffe` on the class"
              + " path; not with `pem`");

  static final Section INBOUND_TLS = new Section("inbound_tls", "inbound.tls")
      .field("mode", oneOf("strict", "permissive"), "`strict`", "`strict`: only mutual-TLS"
          + " requests reach the application (others get 403); `permissive`: plaintext too,"
          + " counted apart")
      .required("source", string("identity source name"), "an `identity_sources` entry:"
          + " the certificate `Mesh.serverTls()` serves and the bundle clients must chain to");
  static final Section PEAK_EWMA = new Section("peak_ewma", "peak_ewma")
      .field("decay_time", duration(true), "`10s`",
          "time constant of the latency estimate: a faster sample moves it by"
              + " `1 - exp(-elapsed/decay_time)`, a slower one replaces it at once; with no"
              + " samples it decays toward 0 (Finagle's and Linkerd's default)");

  static final Section CLUSTER = new Section("cluster", "cluster")
      .required("name", string(), "unique; letters, digits, `. _ - \\| :`")
      .field("lb", anyOf(
              "`weighted_round_robin` \\| `least_request` \\| `ring_hash` \\| `random` \\|"
                  + " `peak_ewma`;"
                  + " or map: `custom`, `args`",
              oneOf(lbValues()), map(CUSTOM_LB)), "`weighted_round_robin`",
          "the map form names a registered custom policy ([extensions](#extensions))")
      .field("endpoints", listOf(anyOf("endpoint", string("`host:port`"), map(ENDPOINT)))
              .described("list"), "`[]`",
          "each `host:port` or a map (below); may be empty when an endpoint source supplies"
              + " them")
      .field("health_check", map(HEALTH_CHECK).described("map"),
          "absent: no active checks, endpoints count as healthy", "below")
      .field("outlier_detection", map(OUTLIER).described("map"),
          "absent: no passive ejection", "below")
      .field("circuit_breaker", map(CIRCUIT_BREAKER).described("map"),
          "absent: only the default limit of 1024 concurrent requests", "below")
      .field("retry", map(RETRY).described("map"), "the default policy (below)", "below")
      .field("timeout", duration(true), "`15s`", "the whole request, all tries")
      .field("panic_threshold", integer(0, 100), "`50`",
          "percent usable below which all endpoints are used; `0` disables")
      .field("slow_start", duration(false), "`0s` (off)",
          "ramp a new or recovered endpoint's weight over this window")
      .field("locality_lb", map(LOCALITY_LB).described("map"), "absent: localities and"
              + " priorities do not steer traffic",
          "[below](#locality_lb); replaces `panic_threshold`'s cluster-wide panic with a panic"
              + " per priority level")
      .field("hash_on", map(HASH_ON).described(
              "map: exactly one of `header: <name>`, `cookie: <name>`, `source_ip: true`"),
          "none", "what `ring_hash` hashes; a [warning](#warnings) with another `lb`; header"
              + " names are lower-cased")
      .field("peak_ewma", map(PEAK_EWMA).described("map"), "`decay_time: 10s` with"
              + " `lb: peak_ewma`", "only with `lb: peak_ewma` (an error otherwise);"
              + " [below](#peak_ewma)")
      .field("tls", map(TLS).described("map"), "plaintext",
          "TLS to the endpoints; [below](#tls)");

  static final Section HEADER_MATCH = new Section("header_match", "header condition")
      .required("name", string(),
          "a header name, or `:method`, `:path`, `:authority`, `:scheme`; lower-cased")
      .field("exact", string(), "", "the value equals it")
      .field("prefix", string("non-empty string"), "", "")
      .field("suffix", string("non-empty string"), "", "")
      .field("contains", string("non-empty string"), "", "")
      .field("regex", REGEX, "", "the whole value matches")
      .field("present", bool(), "", "`true`: the header is present; `false`: it is absent")
      .field("invert", bool(), "`false`", "negates the result for a present header");

  static final Section QUERY_MATCH = new Section("query_match", "query condition")
      .required("name", string(), "non-empty")
      .field("exact", string(), "", "the first value equals it")
      .field("regex", REGEX, "", "the whole first value matches")
      .field("present", bool(), "", "");

  static final Section MATCH = new Section("match", "match")
      .field("prefix", PATH, "", "plain string prefix: `/foo` matches `/foobar`")
      .field("path", PATH, "", "exact")
      .field("path_separated_prefix", PATH, "",
          "whole segments: `/foo` matches `/foo` and `/foo/x`, not `/foobar`; no trailing `/`"
              + " (except `/` itself)")
      .field("regex", REGEX, "", "must match the whole path")
      .field("case_sensitive", bool(), "`true`", "applies to the path condition")
      .field("methods", NAMES, "any", "HTTP method tokens, upper-cased")
      .field("headers", listOf(map(HEADER_MATCH)).described("list of header conditions"),
          "none", "[below](#header-condition)")
      .field("query", listOf(map(QUERY_MATCH)).described("list of query conditions"), "none",
          "[below](#query-condition)")
      .field("source", CIDRS, "any",
          "the peer address on the server side, the local address on the client side")
      .field("principals", NAMES, "any",
          "**inbound only**: the peer identity (URI SAN such as a SPIFFE ID, or subject CN),"
              + " exact or a prefix ending with `*` (`spiffe://cluster.local/ns/prod/*`)")
      .field("custom", map(CUSTOM_MATCH), "none",
          "a registered custom condition, checked after every other one"
              + " ([extensions](#extensions)); routes only, an error in `authz` rules");

  static final Section SPLIT = new Section("split", "split entry")
      .field("cluster", string(), "", "defined under `clusters`, listed once; not with `local`")
      .field("weight", integer(0, Checks.MAX_WEIGHT), "required", "the weights sum to more than 0")
      .field("local", bool(), "`false`", "inbound only: this share goes to the application");

  static final Section REDIRECT = new Section("redirect", "redirect")
      .field("scheme", oneOf("http", "https"), "the request's", "")
      .field("host", string(), "the request's", "host name, IPv4 or `[IPv6]` literal, without port")
      .field("port", integer(1, 65535), "the request's", "")
      .field("path", PATH, "the request's", "replaces the whole path")
      .field("prefix_rewrite", PATH, "",
          "replaces the part the route's `prefix`/`path`/`path_separated_prefix` matched; only"
              + " on such routes; not with `path`")
      .field("strip_query", bool(), "`false`", "")
      .field("code", oneOf("301", "302", "303", "307", "308"), "`301`", "");

  static final Section RESPOND = new Section("respond", "respond")
      .required("status", integer(200, 599), "")
      .field("body", string(), "empty", "")
      .field("headers", freeMap(string(), "map of header name to value"), "none",
          "names keep their spelling and are unique case-insensitively");

  static final Section PASS = new Section("pass", "pass");

  static final Section REWRITE = new Section("rewrite", "rewrite")
      .field("prefix", PATH, "", "replaces what the route's `prefix`/`path`/"
          + "`path_separated_prefix` matched (only on such routes); not with `regex`")
      .field("regex", REGEX, "", "replaces every match in the path with `substitution`")
      .field("substitution", string(), "", "`\\1`..`\\9` name the regex's groups (a reference"
          + " past the group count is an error)")
      .field("host", string("`host` or `host:port`"), "", "replaces the authority sent upstream");

  static final Section HEADERS = new Section("headers", "headers")
      .field("add", freeMap(string(), "map name → value"), "none",
          "appends a value; names keep their spelling")
      .field("remove", NAMES.described("list of names"), "none", "applied before `add`");

  static final Section MIRROR = new Section("mirror", "mirror")
      .required("cluster", string(), "defined under `clusters`")
      .field("percent", percent(), "`100`", "fire-and-forget copy; never delays or changes the"
          + " real response");

  static final Section HEDGE = new Section("hedge", "hedge")
      .field("delay", duration(true), "", "wait this long for the first attempt's response headers"
          + " (exactly one of `delay`, `percentile`)")
      .field("percentile", string("`p50`..`p99.9`"), "", "wait the cluster's recent latency at this"
          + " percentile (responses of the last ~1000 attempts; 10 ms until 100 are recorded)")
      .field("max", integer(1, 3), "`1`", "hedges in flight besides the first attempt; idempotent"
          + " requests only, each one charged to the retry budget");

  static final Section DELAY = new Section("delay", "fault.delay")
      .field("fixed", duration(true), "", "")
      .required("percent", percent(), "a forgotten percent must not fault every request");

  static final Section ABORT = new Section("abort", "fault.abort")
      .required("status", integer(200, 599), "")
      .required("percent", percent(), "a forgotten percent must not fault every request");

  static final Section FAULT = new Section("fault", "fault")
      .field("delay", map(DELAY), "none", "at least one of `delay`, `abort`")
      .field("abort", map(ABORT), "none", "");

  static final Section RATE_LIMIT_KEY = new Section("rate_limit_key", "rate_limit.key")
      .field("header", string("header name"), "", "the value of this request header (name"
          + " lower-cased); a request without it shares one \"absent\" bucket")
      .field("source", oneOf("true").described("`true`"), "", "the source address (the trusted"
          + " peer, as `match.source` sees it)")
      .field("principal", oneOf("true").described("`true`"), "", "the peer's verified identity;"
          + " requests without a client certificate share one \"absent\" bucket");

  static final Section RATE_LIMIT = new Section("rate_limit", "rate_limit")
      .required("requests_per_second", positiveNumber(), "the refill rate")
      .field("burst", atLeast(1), "`requests_per_second` rounded up (at least 1)",
          "the bucket's capacity")
      .field("key", map(RATE_LIMIT_KEY).described(
              "map: exactly one of `header: <name>`, `source: true`, `principal: true`"), "none:"
              + " one bucket for the route", "a bucket per client; see"
              + " [resilience](resilience.md#per-client-rate-limits)")
      .field("max_keys", atLeast(1), "`10000`", "with `key`: clients' buckets kept at once (least"
          + " recently used dropped); a bucket idle long enough to have refilled expires");

  static final Section CONCURRENCY_LIMIT = new Section("concurrency_limit", "concurrency_limit")
      .field("algorithm", oneOf("gradient2", "vegas"), "`vegas`", "how the limit follows the"
          + " latencies; see [resilience](resilience.md#adaptive-concurrency)")
      .field("min", atLeast(1), "`3`", "the lowest the limit goes")
      .field("max", atLeast(1), "`1000`", ">= `min`; the highest the limit goes");

  static final Section ROUTE = new Section("route", "route")
      .field("name", string(), "`routes[i]` (its index)",
          "unique within the virtual host; non-empty, no CR/LF/NUL")
      .field("match", map(MATCH).described("[match](#match)"), "matches everything",
          "every condition must hold")
      .field("to", string("cluster name"), "", "action: forward to one cluster (exactly one action;"
          + " inbound default: `pass`; outbound: required)")
      .field("split", listOf(map(SPLIT)).described("list of split entries"), "",
          "action: weighted clusters")
      .field("redirect", map(REDIRECT).described("map"), "", "action")
      .field("respond", map(RESPOND).described("map"), "", "action")
      .field("pass", map(PASS).described("`{}`"), "", "action, inbound only")
      .field("rewrite", map(REWRITE).described("map"), "none", "forwarding routes only")
      .field("headers", map(HEADERS).described("map"), "none", "request header changes")
      .field("timeout", duration(true), "the cluster's", "forwarding routes; inbound also `pass`"
          + " routes, where it is the request's deadline for the calls made serving it (see"
          + " [tracing.md](tracing.md))")
      .field("retry", map(RETRY).described("map, the [retry](#retry) keys"), "the cluster's",
          "forwarding routes only; each key given replaces that field of the cluster's policy")
      .field("mirror", map(MIRROR).described("map"), "none", "forwarding routes only")
      .field("hedge", map(HEDGE).described("map"), "none", "forwarding routes only; see"
          + " [resilience](resilience.md#hedging)")
      .field("fault", map(FAULT).described("map"), "none", "")
      .field("rate_limit", map(RATE_LIMIT).described("map"), "none", "")
      .field("policies", POLICIES, "`[]`", "run after the global and the virtual host's ones")
      .field("verify", map(TLS_VERIFY).described("map, the [tls.verify](#tls) keys"),
          "the clusters' `tls.verify` alone", "outbound forwarding routes whose clusters (and"
              + " mirror) all have `tls`: a request on the route is sent only over a connection"
              + " whose server identity also satisfies this; see"
              + " [security.md](security.md#outbound-route-identity-checks)");

  static final Section VIRTUAL_HOST = new Section("virtual_host", "virtual host")
      .required("name", string(), "unique within its direction; letters, digits, `. _ - \\| :`")
      .field("domains", NAMES, "`[name]`",
          "non-empty; exact host, `*.suffix`, `prefix.*` or `*`; no port; lower-cased")
      .field("routes", listOf(map(ROUTE)).described("list of [routes](#routes)"), "`[]`",
          "tried in order")
      .field("policies", POLICIES, "`[]`",
          "run for every route of this virtual host, after the global ones");

  private static final Type VIRTUAL_HOSTS = listOf(map(VIRTUAL_HOST))
      .described("list of virtual hosts");

  static final Section OUTBOUND = new Section("outbound", "outbound")
      .field("virtual_hosts", VIRTUAL_HOSTS, "`[]`", "");

  static final Section RULE = new Section("rule", "authz rule")
      .field("name", string(), "`rules[i]`", "unique")
      .required("action", oneOf("allow", "deny"), "")
      .required("match", map(MATCH).described("[match](#match)"), "`principals` allowed");

  static final Section AUTHZ = new Section("authz", "authz")
      .field("default_action", oneOf("allow", "deny"), "`allow`", "when no rule matches")
      .field("rules", listOf(map(RULE)).described("list of rules"), "`[]`",
          "the first matching rule decides");

  static final Section INBOUND = new Section("inbound", "inbound")
      .field("virtual_hosts", VIRTUAL_HOSTS, "`[]`", "")
      .field("authz", map(AUTHZ).described("map"), "allow all", "[below](#inbound-authz)")
      .field("trusted_proxies", CIDRS, "`[]`", "proxies whose `X-Forwarded-For` is believed;"
          + " empty: the socket peer is always the source")
      .field("health_path", PATH, "`/mesh/health`", "the path of the health endpoint peers probe")
      .field("headers_with_underscores_action", oneOf("allow", "drop_header", "reject_request"),
          "`drop_header`", "gateway: a request header whose name has `_` is forwarded, dropped"
              + " or answered with 400 (Envoy's option); see [gateway.md](gateway.md)")
      .field("tls", map(INBOUND_TLS).described("map"), "none",
          "peer authentication: `strict` or `permissive`; [below](#inboundtls)")
      .field("concurrency_limit", map(CONCURRENCY_LIMIT).described("map"), "none: no limit",
          "requests handled at once, adapted to their latency; above it a request is answered"
              + " 503 with `x-mesh-overloaded: true` before the application sees it");

  static final Section PROPAGATE = new Section("propagate", "propagate")
      .field("headers", NAMES.described("list of header names"), "`[]`",
          "lower-cased, each once")
      .field("deadline_headers", NAMES.described("list of header names"), "`[]`",
          "headers carrying the inbound request's deadline: the first present and valid one (in"
              + " this order) sets it, and every call made while handling the request gets at most"
              + " the time left, sent on in the header it came in (else the first listed)."
              + " `grpc-timeout` uses gRPC's format (`250m`, `2S`), any other header whole"
              + " milliseconds (as `x-envoy-expected-rq-timeout-ms`); see [tracing.md](tracing.md)");

  static final Section ADMIN = new Section("admin", "admin")
      .field("enabled", bool(), "`false`", "serves `/mesh/*`")
      .field("allow_from", CIDRS, "`[127.0.0.1/32, ::1/128]`", "who may reach them")
      .field("allowed_hosts", listOf(string()).described("list of host names"), "`[]`",
          "`Host` values, besides loopback literals and `localhost`, that mutations and"
              + " `/mesh/config`/`/mesh/explain` may be addressed to (no port; case and a trailing"
              + " dot ignored); see [admin.md](admin.md)");

  static final Section PATH_NORMALIZATION = new Section("path_normalization",
      "path_normalization")
      .field("normalize_path", bool(), "`true`",
          "decode escaped unreserved characters and resolve dot segments (RFC 3986); `false`"
              + " keeps the path as sent and **refuses** (400) one that would need either (a"
              + " [warning](#warnings)): a dot segment is never passed")
      .field("merge_slashes", bool(), "`true`", "`//a` is `/a`; `false` keeps empty segments"
          + " (a [warning](#warnings): an upstream that merges them serves another path)")
      .field("path_with_escaped_slashes_action", oneOf(escapedSlashesValues()),
          "`reject_request`", "for `%2F` and `%5C`: refuse (400), keep as an escape (one"
              + " segment), answer 307 to the unescaped path (refused when it would start with"
              + " `//`), or unescape and go on");

  static final Section ROOT = new Section("mesh", "mesh4j config")
      .required("version", oneOf("1").described("integer"), "must be `1`")
      .required("service", string(),
          "this application's own service name (metrics, headers)")
      .field("locality", map(LOCALITY), "the builder's locality provider, else the"
              + " `MESH4J_LOCALITY` environment variable (`region/zone/sub_zone`)",
          "where this service runs; [locality.md](locality.md)")
      .field("clusters", listOf(map(CLUSTER)).described("list of [cluster](#clusters)"), "`[]`",
          "")
      .field("outbound", map(OUTBOUND), "none", "rules for the calls this service makes")
      .field("inbound", map(INBOUND).described(
              "map: `virtual_hosts`, `authz`, `trusted_proxies`, `health_path`, "
                  + "`headers_with_underscores_action`, `tls`, `concurrency_limit`"), "none",
          "rules for the requests it receives")
      .field("propagate", map(PROPAGATE), "none", "")
      .field("admin", map(ADMIN), "disabled", "")
      .field("path_normalization", map(PATH_NORMALIZATION), "all defaults",
          "how request paths are made canonical, both sides; see [servlet.md](servlet.md)")
      .field("policies", POLICIES, "`[]`",
          "request policies run first for every routed request, on the sides each policy"
              + " declares")
      .field("identity_sources", listOf(map(IDENTITY_SOURCE))
              .described("list of [identity sources](#identity_sources)"), "`[]`",
          "workload certificates and trust bundles, named by `tls.source`");

  /** Sections read, built and written from their declarations alone ({@link RecordBinding}). */
  static final RecordBinding<OutlierDetectionConfig> OUTLIER_RECORD = new RecordBinding<>(
      OUTLIER, OutlierDetectionConfig.class, OutlierDetectionConfig.DEFAULT);

  static final RecordBinding<CircuitBreakerConfig> CIRCUIT_BREAKER_RECORD = new RecordBinding<>(
      CIRCUIT_BREAKER, CircuitBreakerConfig.class, CircuitBreakerConfig.DEFAULT);

  static final RecordBinding<RetryConfig.Budget> BUDGET_RECORD = new RecordBinding<>(
      BUDGET, RetryConfig.Budget.class, RetryConfig.Budget.DEFAULT);

  static final RecordBinding<RewriteConfig> REWRITE_RECORD = new RecordBinding<>(
      REWRITE, RewriteConfig.class, new RewriteConfig(null, null, null, null));

  /** {@code cluster} has no default: a missing one is the validator's "missing" error. */
  static final RecordBinding<MirrorConfig> MIRROR_RECORD = new RecordBinding<>(
      MIRROR, MirrorConfig.class, new MirrorConfig(null, 100));

  static final RecordBinding<PeakEwmaConfig> PEAK_EWMA_RECORD = new RecordBinding<>(
      PEAK_EWMA, PeakEwmaConfig.class, PeakEwmaConfig.DEFAULT);

  static final RecordBinding<HedgeConfig> HEDGE_RECORD = new RecordBinding<>(
      HEDGE, HedgeConfig.class, new HedgeConfig(null, null, 1));

  /** The values a missing required key stands in with, once the reader has reported it. */
  static final RecordBinding<FaultConfig.Delay> DELAY_RECORD = new RecordBinding<>(
      DELAY, FaultConfig.Delay.class, new FaultConfig.Delay(null, 0));

  static final RecordBinding<FaultConfig.Abort> ABORT_RECORD = new RecordBinding<>(
      ABORT, FaultConfig.Abort.class, new FaultConfig.Abort(503, 0));

  /** Either part may be absent ({@code null}); the validator wants at least one. */
  static final RecordBinding<FaultConfig> FAULT_RECORD = new RecordBinding<>(
      FAULT, FaultConfig.class, new FaultConfig(null, null));

  /** Names in {@code add} keep their spelling and order. */
  static final RecordBinding<HeadersConfig> HEADERS_RECORD = new RecordBinding<>(
      HEADERS, HeadersConfig.class, new HeadersConfig(Map.of(), List.of()));

  /**
   * {@code max} defaults to 10 × {@code base} when only {@code base} is given (Envoy's rule), so
   * both keys are always written: {@code max} left out would be read back as 10 × {@code base}.
   */
  static final RecordBinding<RetryConfig.Backoff> BACKOFF_RECORD = new RecordBinding<>(
      BACKOFF, RetryConfig.Backoff.class, RetryConfig.Backoff.DEFAULT,
      new RecordBinding.Spec<RetryConfig.Backoff>().shown("base").shown("max").derive(v -> {
        if (v[1] == null && v[0] instanceof Duration base) {
          Duration ten = base.multipliedBy(10);
          v[1] = ten.compareTo(DurationParser.MAX) <= 0 ? ten : DurationParser.MAX;
        }
      }));

  /**
   * A cluster's policy: {@code budget} is a map (a partial one takes the other default), or
   * {@code off}/{@code false}, which is a {@code null} budget.
   */
  static final RecordBinding<RetryConfig> RETRY_RECORD = new RecordBinding<>(
      RETRY, RetryConfig.class, RetryConfig.DEFAULT, new RecordBinding.Spec<RetryConfig>()
          .codec("budget", (in, key, values) -> {
            JsonNode v = in.raw(key);
            if (v != null && isOff(v)) {
              values.set("budget", RecordBinding.NONE);
            } else {
              values.set("budget", budget(in, key));
            }
          }, (r, out, key, all, sink) -> {
            if (r.budget() == null) {
              out.put(key, "off");
            } else if (all || !r.budget().equals(RetryConfig.Budget.DEFAULT)) {
              out.set(key, BUDGET_RECORD.write(r.budget(), true));
            }
          }, "budget"));

  /**
   * A route's override of its cluster's policy: a key left out is {@code null} (the cluster's
   * value stands); only the cluster's policy can turn the budget off.
   */
  static final RecordBinding<RetryOverride> RETRY_OVERRIDE_RECORD = new RecordBinding<>(
      RETRY, RetryOverride.class, new RetryOverride(null, null, null, null, null, null, null),
      new RecordBinding.Spec<RetryOverride>()
          .codec("budget", (in, key, values) -> {
            JsonNode v = in.raw(key);
            if (v != null && isOff(v)) {
              in.typeError(in.p(key), v, "a map; a retry budget can be turned off only in the"
                  + " cluster's retry policy");
            } else {
              values.set("budget", budget(in, key));
            }
          }, (r, out, key, all, sink) -> {
            // both keys: a partial budget would take the defaults, not the cluster's values
            if (r.budget() != null) out.set(key, BUDGET_RECORD.write(r.budget(), true));
          }, "budget"));

  private static boolean isOff(JsonNode v) {
    return (v.isBoolean() && !v.booleanValue()) || (v.isTextual() && v.textValue().equals("off"));
  }

  /** The budget map at {@code key}, or {@code null} when absent or not a map (reported). */
  private static RetryConfig.Budget budget(RecordBinding.Source in, String key) {
    if (!in.has(key)) return null;
    RecordBinding.Source b = in.section(key, BUDGET.keys());
    if (b == null) {
      in.taint(in.p(key));
      return null;
    }
    return BUDGET_RECORD.read(b);
  }

  /** Exactly one of {@code header} (lower-cased by the record), {@code cookie}, {@code source_ip}. */
  static final RecordBinding<HashOnConfig> HASH_ON_RECORD = new RecordBinding<>(
      HASH_ON, HashOnConfig.class, new HashOnConfig(HashOnConfig.Kind.SOURCE_IP, null),
      new RecordBinding.Spec<HashOnConfig>().choice("kind", "name"));

  static final RecordBinding<Locality> LOCALITY_RECORD = new RecordBinding<>(
      LOCALITY, Locality.class, Locality.UNKNOWN);

  static final RecordBinding<TlsConfig.Verify> TLS_VERIFY_RECORD = new RecordBinding<>(
      TLS_VERIFY, TlsConfig.Verify.class, TlsConfig.Verify.ANY);

  static final RecordBinding<TlsConfig> TLS_RECORD = new RecordBinding<>(
      TLS, TlsConfig.class, TlsConfig.DISABLED, new RecordBinding.Spec<TlsConfig>().shown("mode"));

  static final RecordBinding<LocalityLbConfig> LOCALITY_LB_RECORD = new RecordBinding<>(
      LOCALITY_LB, LocalityLbConfig.class, LocalityLbConfig.DEFAULT,
      new RecordBinding.Spec<LocalityLbConfig>().shown("mode"));

  /** Statuses and ranges: a single status written as a number unless defaults are shown. */
  static final RecordBinding<HealthCheckConfig> HEALTH_CHECK_RECORD = new RecordBinding<>(
      HEALTH_CHECK, HealthCheckConfig.class, new HealthCheckConfig(null, null, null, null,
          HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD,
          HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD, null),
      new RecordBinding.Spec<HealthCheckConfig>().codec("expected_statuses",
          (in, key, values) -> {
            List<JsonNode> items = in.list(key);
            if (items == null) return;
            List<StatusRange> statuses = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
              StatusRange r = statusRange(in, items.get(i), in.p(key) + "[" + i + "]");
              if (r != null) statuses.add(r);
              else in.taint(in.p(key));
            }
            values.set("expectedStatuses", statuses);
          }, (h, out, key, all, sink) -> {
            if (!all && h.expectedStatuses().equals(List.of(StatusRange.SUCCESS))) return;
            ArrayNode a = out.putArray(key);
            for (StatusRange r : h.expectedStatuses()) {
              // A single status reads better as a number; the admin has always shown strings.
              if (!all && r.from() == r.to()) a.add(r.from());
              else a.add(r.toString());
            }
          }, "expectedStatuses"));

  private static StatusRange statusRange(RecordBinding.Source in, JsonNode n, String p) {
    if (n.isIntegralNumber() && n.canConvertToInt()) return new StatusRange(n.intValue(), n.intValue());
    if (n.isTextual()) {
      String t = n.textValue();
      int dash = t.indexOf('-');
      int from = Checks.parsePort(dash < 0 ? t : t.substring(0, dash));
      int to = dash < 0 ? from : Checks.parsePort(t.substring(dash + 1));
      if (from >= 0 && to >= 0) return new StatusRange(from, to);
    }
    in.typeError(p, n, "a status or a range such as 200-299");
    return null;
  }

  /**
   * {@code address} is {@code host} and {@code port}; {@code zone} is shorthand for {@code
   * locality: {zone}}, and both may be given when they agree. A string item is its address alone.
   */
  static final RecordBinding<EndpointConfig> ENDPOINT_RECORD = new RecordBinding<>(
      ENDPOINT, EndpointConfig.class, new EndpointConfig(null, 0, 1, Locality.UNKNOWN, 0, 1),
      new RecordBinding.Spec<EndpointConfig>()
          .item("host:port, or a map with address, weight, zone, locality, priority")
          .codec("address", (in, key, values) -> {
            String address = in.string(key);
            if (address == null) return;
            try {
              HostPort hp = HostPort.parse(address);
              values.set("host", hp.host());
              values.set("port", hp.port());
            } catch (IllegalArgumentException e) {
              in.bad(in.p(key), e.getMessage());
            }
          }, (e, out, key, all, sink) -> out.put(key, e.address()), "host", "port")
          .codec("zone", (in, key, values) -> {
            String zone = in.string(key);
            if (zone != null) values.set("locality", Locality.ofZone(zone));
          }, (e, out, key, all, sink) -> {
            Locality l = e.locality();
            if (l.region() == null && l.subZone() == null && l.zone() != null) {
              out.put(key, l.zone());
            }
          }, "locality")
          .codec("locality", (in, key, values) -> {
            RecordBinding.Source s = in.section(key, LOCALITY.keys());
            if (s == null) return;
            Locality l = LOCALITY_RECORD.read(s);
            JsonNode z = in.raw("zone");
            String zone = z != null && z.isTextual() ? z.textValue() : null;
            if (zone != null && l.zone() == null) {
              l = new Locality(l.region(), zone, l.subZone());
            } else if (zone != null && !zone.equals(l.zone())) {
              in.bad(in.p("zone"), "'" + zone + "' (expected: the same zone as locality.zone '"
                  + l.zone() + "', or only one of them)");
            }
            values.set("locality", l);
          }, (e, out, key, all, sink) -> {
            Locality l = e.locality();
            if (l.region() != null || l.subZone() != null) {
              out.set(key, LOCALITY_RECORD.write(l, all));
            }
          }, "locality"));

  /**
   * {@code lb} is a built-in policy's name ({@code lb}) or {@code {custom: name, args}} ({@code
   * lbCustom}); {@code peak_ewma} is left out when it is what {@code lb: peak_ewma} implies.
   */
  static final RecordBinding<ClusterConfig> CLUSTER_RECORD = new RecordBinding<>(
      CLUSTER, ClusterConfig.class, new ClusterConfig(null, null, List.of(), null, null, null,
          null, null, ClusterConfig.DEFAULT_PANIC_THRESHOLD, null, null, null, null, null, null),
      new RecordBinding.Spec<ClusterConfig>()
          .item("a map with name, endpoints, ...")
          .shown("endpoints")
          .defaultOf("peak_ewma", c -> c.lb() == LbPolicy.PEAK_EWMA && c.lbCustom() == null
              ? PeakEwmaConfig.DEFAULT : null)
          .codec("lb", (in, key, values) -> {
            JsonNode v = in.raw(key);
            if (v != null && v.isObject()) {
              RecordBinding.Source custom = in.section(key, CUSTOM_LB.keys());
              if (custom != null) values.set("lbCustom", ConfigSchema.CUSTOM_LB_RECORD.read(custom));
              return;
            }
            String name = in.string(key);
            if (name == null) return;
            LbPolicy lb = LbPolicy.fromConfigName(name);
            if (lb == null) {
              in.bad(in.p(key), Checks.quote(name) + " (expected: "
                  + RecordBinding.orList(List.of(lbValues())) + ")");
            }
            values.set("lb", lb);
          }, (c, out, key, all, sink) -> {
            if (c.lbCustom() != null) {
              out.set(key, ConfigSchema.CUSTOM_LB_RECORD.write(c.lbCustom(), all, sink));
            } else if (all || c.lb() != LbPolicy.WEIGHTED_ROUND_ROBIN) {
              out.put(key, c.lb().configName());
            }
          }, "lb", "lbCustom"));

  static final RecordBinding<InboundTlsConfig> INBOUND_TLS_RECORD = new RecordBinding<>(
      INBOUND_TLS, InboundTlsConfig.class, new InboundTlsConfig(null, null),
      new RecordBinding.Spec<InboundTlsConfig>().shown("mode"));

  static final RecordBinding<ConcurrencyLimitConfig> CONCURRENCY_LIMIT_RECORD =
      new RecordBinding<>(CONCURRENCY_LIMIT, ConcurrencyLimitConfig.class,
          ConcurrencyLimitConfig.DEFAULT);

  /** An extension's {@code args}: any map, each value as {@link ExtensionArgs} holds it. */
  private static final RecordBinding.Reader ARGS_READER = (in, key, values) -> {
    JsonNode v = in.raw(key);
    if (v == null || v.isNull()) return;
    if (!v.isObject()) {
      in.typeError(in.p(key), v, "a map of arguments");
      return;
    }
    Map<String, Object> args = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) args.put(e.getKey(), argValue(e.getValue()));
    values.set("args", ExtensionArgs.of(args));
  };

  private static Object argValue(JsonNode v) {
    if (v.isTextual()) return v.textValue();
    if (v.isBoolean()) return v.booleanValue();
    if (v.isIntegralNumber() && v.canConvertToLong()) return v.longValue();
    if (v.isNumber()) return v.doubleValue();
    if (v.isArray()) {
      List<Object> out = new ArrayList<>(v.size());
      for (JsonNode e : v) out.add(argValue(e));
      return out;
    }
    if (v.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : v.properties()) out.put(e.getKey(), argValue(e.getValue()));
      return out;
    }
    return v.isNull() ? null : v.asText();
  }

  /**
   * A reference to an extension ({@link ExtensionRef}): its name at {@code nameKey}, required
   * (missing: reported by the reader, naming {@code what} is expected), and its {@code args},
   * written when there are any or when defaults are shown.
   */
  private static RecordBinding<ExtensionRef> extensionRef(Section section, String nameKey,
      String what, String item) {
    return new RecordBinding<>(section, ExtensionRef.class,
        new ExtensionRef(null, ExtensionArgs.EMPTY), new RecordBinding.Spec<ExtensionRef>()
            .item(item)
            .codec(nameKey, (in, key, values) -> {
              if (!in.has(key)) {
                in.bad(in.p(key), "missing (expected: the name of a registered " + what + ")");
              }
              values.set("name", in.string(key));
            }, (r, out, key, all, sink) -> out.put(key, r.name()), "name")
            .codec("args", ARGS_READER, (r, out, key, all, sink) -> {
              if (all || !r.args().keys().isEmpty()) {
                out.set(key, ConfigWriter.argValue(r.args().asMap()));
              }
            }, "args"));
  }

  /** {@code lb: {custom: name, args}}. */
  static final RecordBinding<ExtensionRef> CUSTOM_LB_RECORD =
      extensionRef(CUSTOM_LB, "custom", "picker", "a map");

  /** {@code match.custom: {name, args}}. */
  static final RecordBinding<ExtensionRef> CUSTOM_MATCH_RECORD =
      extensionRef(CUSTOM_MATCH, "name", "matcher", "a map");

  /** A policy reference: {@code {name, args}}, or its name alone. */
  static final RecordBinding<ExtensionRef> POLICY_RECORD = extensionRef(POLICY, "name", "policy",
      "a policy name, or a map with name and args");

  /** The keys of a match's path condition, at most one of them. */
  private static final String[] PATH_KEYS = {"prefix", "path", "path_separated_prefix", "regex"};

  /**
   * The condition keys of a header or query condition ({@code keys}), read and written together:
   * one is expected (more are reported at the condition, the first read; none is the
   * validator's); its name upper-cased is the {@code kind}, a string its {@code value}, {@code
   * present} a boolean. A condition that could not be read leaves {@code kind} null and the
   * validator's "missing" for the condition quiet.
   */
  private static <R extends Record, E extends Enum<E>> RecordBinding.Spec<R> conditions(
      RecordBinding.Spec<R> spec, String[] keys, Class<E> kinds, Function<R, E> kind,
      Function<R, String> value, Predicate<R> present) {
    return spec.codec(keys, (in, key, values) -> {
      List<String> given = new ArrayList<>(2);
      for (String c : keys) if (in.has(c)) given.add(c);
      if (given.size() > 1) {
        in.error(in.path(), "more than one condition: " + String.join(", ", given)
            + " (expected exactly one of: " + String.join(", ", keys) + ")");
      }
      if (given.isEmpty()) return;
      String c = given.get(0);
      E k = Enum.valueOf(kinds, c.toUpperCase(Locale.ROOT));
      if (c.equals("present")) {
        Boolean b = in.bool(c);
        if (b != null) {
          values.set("kind", k);
          values.set("present", b);
        }
      } else {
        String v = in.string(c);
        if (v != null) {
          values.set("kind", k);
          values.set("value", v);
        }
      }
      if (values.get("kind") == null) in.quiet(in.path());
    }, (r, out, key, all, sink) -> {
      E k = kind.apply(r);
      if (k == null) return;
      String name = k.name().toLowerCase(Locale.ROOT);
      if (name.equals("present")) out.put(name, present.test(r));
      else out.put(name, value.apply(r));
    }, "kind", "value", "present");
  }

  /** {@code name} is lower-cased; the condition is one of its other keys but {@code invert}. */
  static final RecordBinding<HeaderMatchConfig> HEADER_MATCH_RECORD = new RecordBinding<>(
      HEADER_MATCH, HeaderMatchConfig.class, new HeaderMatchConfig(null, null, null, true, false),
      conditions(new RecordBinding.Spec<HeaderMatchConfig>()
          .item("a map with name and one of exact, prefix, suffix, contains, regex, present")
          .codec("name", (in, key, values) -> {
            String name = in.string(key);
            values.set("name", name == null ? null : name.toLowerCase(Locale.ROOT));
          }, (h, out, key, all, sink) -> out.put(key, h.name()), "name"),
          new String[] {"exact", "prefix", "suffix", "contains", "regex", "present"},
          HeaderMatchConfig.Kind.class, HeaderMatchConfig::kind, HeaderMatchConfig::value,
          HeaderMatchConfig::present));

  static final RecordBinding<QueryMatchConfig> QUERY_MATCH_RECORD = new RecordBinding<>(
      QUERY_MATCH, QueryMatchConfig.class, new QueryMatchConfig(null, null, null, true),
      conditions(new RecordBinding.Spec<QueryMatchConfig>()
          .item("a map with name and one of exact, regex, present"),
          new String[] {"exact", "regex", "present"}, QueryMatchConfig.Kind.class,
          QueryMatchConfig::kind, QueryMatchConfig::value, QueryMatchConfig::present));

  /**
   * A match: the path condition is at most one of {@code prefix}, {@code path}, {@code
   * path_separated_prefix}, {@code regex} (its key upper-cased is the {@code pathKind}); {@code
   * methods} are upper-cased, each a method token, and written sorted; empty lists are left out
   * even when defaults are shown (absent and empty are the same condition); {@code custom} is
   * an extension reference ({@link #CUSTOM_MATCH_RECORD}).
   */
  static final RecordBinding<MatchConfig> MATCH_RECORD = new RecordBinding<>(
      MATCH, MatchConfig.class, MatchConfig.ANY, new RecordBinding.Spec<MatchConfig>()
          .sparse("headers", "query", "source", "principals")
          .codec(new String[] {"prefix", "path", "path_separated_prefix", "regex"},
              (in, key, values) -> {
                List<String> given = new ArrayList<>(2);
                for (String k : PATH_KEYS) if (in.has(k)) given.add(k);
                if (given.size() > 1) {
                  in.error(in.path(), "more than one path condition: " + String.join(", ", given)
                      + " (expected at most one of: " + String.join(", ", PATH_KEYS) + ")");
                }
                if (given.isEmpty()) return;
                String value = in.string(given.get(0));
                values.set("pathValue", value);
                if (value != null) {
                  values.set("pathKind", MatchConfig.PathMatchKind.valueOf(
                      given.get(0).toUpperCase(Locale.ROOT)));
                }
              }, (m, out, key, all, sink) -> {
                if (m.pathKind() != null) {
                  out.put(m.pathKind().name().toLowerCase(Locale.ROOT), m.pathValue());
                }
              }, "pathKind", "pathValue")
          .codec("methods", (in, key, values) -> {
            List<String> items = in.strings(key);
            if (items == null) return;
            Set<String> methods = new LinkedHashSet<>();
            for (int i = 0; i < items.size(); i++) {
              String m = items.get(i).toUpperCase(Locale.ROOT);
              String bad = Checks.method(m);
              if (bad != null) in.bad(in.p(key) + "[" + i + "]", bad);
              else methods.add(m);
            }
            values.set("methods", methods);
          }, (m, out, key, all, sink) -> {
            if (m.methods().isEmpty()) return;
            ArrayNode a = out.putArray(key);
            for (String method : new TreeSet<>(m.methods())) a.add(method);
          }, "methods"));

  /** Reads {@code allow} or {@code deny} into {@code component}; a missing one is the validator's. */
  private static RecordBinding.Reader authzAction(String component) {
    return (in, key, values) -> {
      String text = in.string(key);
      if (text == null) return;
      AuthzConfig.Action action = switch (text) {
        case "allow" -> AuthzConfig.Action.ALLOW;
        case "deny" -> AuthzConfig.Action.DENY;
        default -> null;
      };
      if (action == null) in.bad(in.p(key), Checks.quote(text) + " (expected: allow or deny)");
      values.set(component, action);
    };
  }

  private static String authzAction(AuthzConfig.Action action) {
    return action.name().toLowerCase(Locale.ROOT);
  }

  /** An authz rule; its default name ({@code rules[i]}) is given by the list, which knows i. */
  static final RecordBinding<AuthzConfig.Rule> RULE_RECORD = new RecordBinding<>(
      RULE, AuthzConfig.Rule.class, new AuthzConfig.Rule(null, null, null),
      new RecordBinding.Spec<AuthzConfig.Rule>()
          .item("a map with action and match")
          .codec("action", authzAction("action"), (r, out, key, all, sink) -> {
            if (r.action() != null) out.put(key, authzAction(r.action()));
          }, "action"));

  /**
   * Inbound authorization: {@code default_action} and {@code rules} always written; a rule
   * without a name is named after its index, and that name is left out again unless defaults
   * are shown.
   */
  static final RecordBinding<AuthzConfig> AUTHZ_RECORD = new RecordBinding<>(
      AUTHZ, AuthzConfig.class, AuthzConfig.ALLOW_ALL, new RecordBinding.Spec<AuthzConfig>()
          .codec("default_action", authzAction("defaultAction"),
              (a, out, key, all, sink) -> out.put(key, authzAction(a.defaultAction())),
              "defaultAction")
          .codec("rules", (in, key, values) -> {
            List<AuthzConfig.Rule> rules = ConfigSchema.RULE_RECORD.readList(in, key);
            if (rules == null) return;
            List<AuthzConfig.Rule> named = new ArrayList<>(rules.size());
            for (int i = 0; i < rules.size(); i++) {
              AuthzConfig.Rule r = rules.get(i);
              named.add(r.name() != null ? r
                  : ConfigSchema.RULE_RECORD.with(r, "name", "rules[" + i + "]"));
            }
            values.set("rules", named);
          }, (a, out, key, all, sink) -> {
            ArrayNode rules = out.putArray(key);
            for (int i = 0; i < a.rules().size(); i++) {
              ObjectNode n = ConfigSchema.RULE_RECORD.write(a.rules().get(i), all, sink);
              if (!all && n.path("name").asText().equals("rules[" + i + "]")) n.remove("name");
              rules.add(n);
            }
          }, "rules"));

  /** {@code virtual_hosts} take the inbound direction. */
  static final RecordBinding<InboundConfig> INBOUND_RECORD = new RecordBinding<>(
      INBOUND, InboundConfig.class, InboundConfig.EMPTY, new RecordBinding.Spec<InboundConfig>()
          .codec("virtual_hosts", (in, key, values) -> values.set("virtualHosts",
              in.unbound(key, INBOUND)), (c, out, key, all, sink) -> {
            if (all || !c.virtualHosts().isEmpty()) {
              out.set(key, ConfigSchema.VIRTUAL_HOST_RECORD.writeList(c.virtualHosts(), all, sink));
            }
          }, "virtualHosts"));

  /** Names are lower-cased by the record; both lists written whenever the section is. */
  static final RecordBinding<PropagateConfig> PROPAGATE_RECORD = new RecordBinding<>(
      PROPAGATE, PropagateConfig.class, PropagateConfig.NONE,
      new RecordBinding.Spec<PropagateConfig>().shown("headers"));

  /**
   * {@code allowed_hosts}: each item a host name or IP literal without port (normalized by the
   * record); a bad one is reported with its index and dropped.
   */
  static final RecordBinding<AdminConfig> ADMIN_RECORD = new RecordBinding<>(
      ADMIN, AdminConfig.class, AdminConfig.DISABLED, new RecordBinding.Spec<AdminConfig>()
          .shown("enabled").shown("allow_from")
          .codec("allowed_hosts", (in, key, values) -> {
            List<String> items = in.strings(key);
            if (items == null) return;
            List<String> hosts = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
              if (AdminConfig.isHostName(AdminConfig.normalizeHost(items.get(i)))) {
                hosts.add(items.get(i));
              } else {
                in.bad(in.p(key) + "[" + i + "]", Checks.quote(items.get(i))
                    + " (expected: a host name or IP literal without port, such as"
                    + " admin.internal)");
              }
            }
            values.set("allowedHosts", hosts);
          }, (a, out, key, all, sink) -> {
            if (all || !a.allowedHosts().isEmpty()) {
              ArrayNode hosts = out.putArray(key);
              for (String h : a.allowedHosts()) hosts.add(h);
            }
          }, "allowedHosts"));

  static final RecordBinding<PathNormalizationConfig> PATH_NORMALIZATION_RECORD =
      new RecordBinding<>(PATH_NORMALIZATION, PathNormalizationConfig.class,
          PathNormalizationConfig.DEFAULT, new RecordBinding.Spec<PathNormalizationConfig>()
              .component("path_with_escaped_slashes_action", "escapedSlashes"));

  static final RecordBinding<IdentitySourceConfig.Pem> PEM_RECORD = new RecordBinding<>(
      PEM, IdentitySourceConfig.Pem.class, new IdentitySourceConfig.Pem(null, null, null, null));

  static final RecordBinding<IdentitySourceConfig.WorkloadApi> WORKLOAD_API_RECORD =
      new RecordBinding<>(WORKLOAD_API, IdentitySourceConfig.WorkloadApi.class,
          new IdentitySourceConfig.WorkloadApi(null, null, null));

  static final RecordBinding<IdentitySourceConfig> IDENTITY_SOURCE_RECORD = new RecordBinding<>(
      IDENTITY_SOURCE, IdentitySourceConfig.class, new IdentitySourceConfig(null, null, null),
      new RecordBinding.Spec<IdentitySourceConfig>()
          .item("a map with name, and pem or workload_api"));

  /** Exactly one of {@code header} (lower-cased by the record), {@code source}, {@code principal}. */
  static final RecordBinding<RateLimitConfig.Key> RATE_LIMIT_KEY_RECORD = new RecordBinding<>(
      RATE_LIMIT_KEY, RateLimitConfig.Key.class, RateLimitConfig.Key.SOURCE,
      new RecordBinding.Spec<RateLimitConfig.Key>().choice("kind", "header"));

  /**
   * {@code burst} defaults to {@code requests_per_second} rounded up (and is always written); a
   * missing rate, reported by the reader, stands in as 1.
   */
  static final RecordBinding<RateLimitConfig> RATE_LIMIT_RECORD = new RecordBinding<>(
      RATE_LIMIT, RateLimitConfig.class,
      new RateLimitConfig(1, 1, null, RateLimitConfig.DEFAULT_MAX_KEYS),
      new RecordBinding.Spec<RateLimitConfig>().shown("burst").derive(v -> {
        if (v[1] == null) v[1] = defaultBurst(v[0] instanceof Double rate ? rate : 1);
      }));

  /**
   * A split entry: {@code weight} is required (a missing one reported by the reader, the entry
   * then weighing 1); an unreadable {@code local} counts as set, so no "cluster missing" follows
   * it. Written as {@code {local: true, weight}} or {@code {cluster, weight}}, what it sends to
   * first.
   */
  static final RecordBinding<ActionConfig.WeightedCluster> SPLIT_RECORD = new RecordBinding<>(
      SPLIT, ActionConfig.WeightedCluster.class, new ActionConfig.WeightedCluster(null, 1, false),
      new RecordBinding.Spec<ActionConfig.WeightedCluster>()
          .item("a map with cluster and weight")
          .codec("cluster", (in, key, values) -> values.set("cluster", in.string(key)),
              (w, out, key, all, sink) -> {
                if (w.local()) out.put("local", true);
                else out.put(key, w.cluster());
              }, "cluster")
          .codec("weight", (in, key, values) -> {
            if (!in.has(key)) {
              in.bad(in.p(key), "missing (expected: " + SPLIT.field(key).type().expected() + ")");
            }
            values.set("weight", in.integer(key));
          }, (w, out, key, all, sink) -> out.put(key, w.weight()), "weight")
          .codec("local", (in, key, values) -> {
            Boolean local = in.bool(key);
            values.set("local", local != null ? local : in.has(key) ? Boolean.TRUE : null);
          }, (w, out, key, all, sink) -> {}, "local"));

  /**
   * {@code scheme} is read as any string and {@code code} as any integer: the validator says
   * which are allowed (so the messages name the whole redirect's rules in one place).
   */
  static final RecordBinding<ActionConfig.Redirect> REDIRECT_RECORD = new RecordBinding<>(
      REDIRECT, ActionConfig.Redirect.class,
      new ActionConfig.Redirect(null, null, null, null, null, false, 301),
      new RecordBinding.Spec<ActionConfig.Redirect>()
          .codec("scheme", (in, key, values) -> values.set("scheme", in.string(key)),
              (r, out, key, all, sink) -> {
                if (r.scheme() != null) out.put(key, r.scheme());
              }, "scheme")
          .codec("code", (in, key, values) -> values.set("code", in.integer(key)),
              (r, out, key, all, sink) -> {
                if (all || r.code() != 301) out.put(key, r.code());
              }, "code"));

  /** A missing {@code status}, reported by the reader, stands in as 200. */
  static final RecordBinding<ActionConfig.Respond> RESPOND_RECORD = new RecordBinding<>(
      RESPOND, ActionConfig.Respond.class, new ActionConfig.Respond(200, "", Map.of()));

  /** {@code policies}: a list of policy references, each a map or its name alone; {@code []} when absent. */
  private static final RecordBinding.Reader POLICIES_READER = (in, key, values) -> {
    List<ExtensionRef> policies = POLICY_RECORD.readList(in, key, true);
    if (policies != null) values.set("policies", policies);
  };

  /**
   * A route: its action is one of {@code to}, {@code split}, {@code redirect}, {@code respond},
   * {@code pass}, which ones allowed depending on the direction, so the reader picks it and the
   * writer writes it by hand (the codec on {@code to} hands whichever is present over; each
   * action's own section is bound); {@code retry} is the override. The default name ({@code routes[i]}) is the
   * reader's and writer's, which know the index. A new scalar route key is its component and its
   * declaration.
   */
  static final RecordBinding<RouteConfig> ROUTE_RECORD = new RecordBinding<>(
      ROUTE, RouteConfig.class, new RouteConfig(null, null, null, null, null, null, null, null,
          null, null, null, null, null),
      new RecordBinding.Spec<RouteConfig>()
          .nested("retry", RETRY_OVERRIDE_RECORD)
          .codec(new String[] {"to", "split", "redirect", "respond", "pass"},
              (in, key, values) -> values.set("action", in.unbound(key, ROUTE)),
              (r, out, key, all, sink) -> {
                if (r.action() != null) out.setAll((ObjectNode) sink.unbound(ROUTE, r.action()));
              }, "action")
          .codec("policies", POLICIES_READER, policiesWriter(RouteConfig::policies), "policies"));

  /**
   * A virtual host: {@code domains} are lower-cased and default to {@code [name]}; {@code routes}
   * are read by the reader's own code, which knows the direction they take and the index an
   * unnamed route is named after, and written by {@link #writeRoute}.
   */
  static final RecordBinding<VirtualHostConfig> VIRTUAL_HOST_RECORD = new RecordBinding<>(
      VIRTUAL_HOST, VirtualHostConfig.class,
      new VirtualHostConfig(null, List.of(), List.of(), List.of()),
      new RecordBinding.Spec<VirtualHostConfig>()
          .item("a map with name, domains, routes")
          .codec("domains", (in, key, values) -> {
            List<String> domains = in.strings(key);
            JsonNode name = in.raw("name");
            if (domains != null) {
              values.set("domains",
                  domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList());
            } else if (name != null && name.isTextual()) {
              values.set("domains", List.of(name.textValue().toLowerCase(Locale.ROOT)));
            } else {
              in.taint(in.p(key));
            }
          }, (v, out, key, all, sink) -> {
            ArrayNode a = out.putArray(key);
            for (String d : v.domains()) a.add(d);
          }, "domains")
          .codec("routes", (in, key, values) -> values.set("routes", in.unbound(key, ROUTE)),
              (v, out, key, all, sink) -> {
                ArrayNode a = out.putArray(key);
                for (int i = 0; i < v.routes().size(); i++) {
                  a.add(writeRoute(v.routes().get(i), i, all, sink));
                }
              }, "routes")
          .codec("policies", POLICIES_READER, policiesWriter(VirtualHostConfig::policies),
              "policies"));

  /**
   * The route at {@code index} of its list ({@code -1}: written alone); its name left out, unless
   * defaults are shown, when it is the default one ({@code routes[i]}).
   */
  static ObjectNode writeRoute(RouteConfig r, int index, boolean all, RecordBinding.Sink sink) {
    ObjectNode o = ROUTE_RECORD.write(r, all, sink);
    if (!all && r.name() != null && r.name().equals("routes[" + index + "]")) o.remove("name");
    return o;
  }

  /** {@code outbound}: its virtual hosts take the outbound direction. */
  static final RecordBinding<OutboundConfig> OUTBOUND_RECORD = new RecordBinding<>(
      OUTBOUND, OutboundConfig.class, OutboundConfig.EMPTY,
      new RecordBinding.Spec<OutboundConfig>().codec("virtual_hosts",
          (in, key, values) -> values.set("virtualHosts", in.unbound(key, OUTBOUND)),
          (c, out, key, all, sink) -> {
            if (all || !c.virtualHosts().isEmpty()) {
              out.set(key, ConfigSchema.VIRTUAL_HOST_RECORD.writeList(c.virtualHosts(), all, sink));
            }
          }, "virtualHosts"));

  /**
   * The whole document: {@code version} is an integer that must be 1 (the validator's), always
   * written; {@code policies} as on virtual hosts and routes.
   */
  static final RecordBinding<MeshConfig> MESH_RECORD = new RecordBinding<>(
      ROOT, MeshConfig.class, new MeshConfig(MeshConfig.CURRENT_VERSION, null, List.of(), null,
          null, null, null, null, null, null, null),
      new RecordBinding.Spec<MeshConfig>()
          .codec("version", (in, key, values) -> {
            if (!in.has(key)) in.bad(in.p(key), "missing (expected: 1)");
            values.set("version", in.integer(key));
          }, (c, out, key, all, sink) -> out.put(key, c.version()), "version")
          .codec("policies", POLICIES_READER, policiesWriter(MeshConfig::policies), "policies"));

  private static <R> RecordBinding.Writer<R> policiesWriter(
      java.util.function.Function<R, List<ExtensionRef>> policies) {
    return (r, out, key, all, sink) -> {
      if (policies.apply(r).isEmpty()) return;
      ArrayNode a = out.putArray(key);
      for (ExtensionRef p : policies.apply(r)) {
        ObjectNode n = POLICY_RECORD.write(p, all, sink);
        // a reference without arguments reads better as its name
        if (!all && n.size() == 1) a.add(n.get("name"));
        else a.add(n);
      }
    };
  }

  /** The default {@code rate_limit.burst}: {@code requests_per_second} rounded up, at least 1. */
  static int defaultBurst(double requestsPerSecond) {
    return requestsPerSecond >= Integer.MAX_VALUE
        ? Integer.MAX_VALUE : (int) Math.max(1, Math.ceil(requestsPerSecond));
  }

  /** Every section, in documentation order. */
  static final List<Section> SECTIONS = List.of(
      ROOT, LOCALITY, CLUSTER, ENDPOINT, LOCALITY_LB, HEALTH_CHECK, OUTLIER, CIRCUIT_BREAKER, RETRY, BACKOFF, BUDGET,
      HASH_ON, PEAK_EWMA, CUSTOM_LB, TLS, TLS_VERIFY, IDENTITY_SOURCE, PEM, WORKLOAD_API, OUTBOUND, INBOUND, CONCURRENCY_LIMIT, VIRTUAL_HOST, ROUTE, MATCH, HEADER_MATCH,
      QUERY_MATCH, CUSTOM_MATCH, SPLIT, REDIRECT, RESPOND, PASS, REWRITE, HEADERS, MIRROR, HEDGE, FAULT,
      DELAY, ABORT, RATE_LIMIT, RATE_LIMIT_KEY, AUTHZ, RULE, INBOUND_TLS, PROPAGATE, ADMIN, PATH_NORMALIZATION, POLICY);

  static Section section(String id) {
    for (Section s : SECTIONS) if (s.id.equals(id)) return s;
    throw new IllegalArgumentException("no section " + id);
  }

  /** The JSON Schema (draft 2020-12) of the whole config, for editors and CI. */
  static ObjectNode jsonSchema() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = ROOT.json(f);
    ObjectNode out = f.objectNode();
    out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    out.put("$id", "https://mesh4j.io/schema/mesh4j.schema.json");
    out.setAll(root);
    ObjectNode defs = out.putObject("$defs");
    for (Section s : SECTIONS) if (s != ROOT) defs.set(s.id, s.json(f));
    return out;
  }

  private static String[] lbValues() {
    return Arrays.stream(LbPolicy.values()).map(LbPolicy::configName).toArray(String[]::new);
  }

  private static String[] escapedSlashesValues() {
    return Arrays.stream(PathNormalizationConfig.EscapedSlashes.values())
        .map(PathNormalizationConfig.EscapedSlashes::configName).toArray(String[]::new);
  }

  private static String[] retryOnValues() {
    return Arrays.stream(RetryOn.values()).map(RetryOn::configName).toArray(String[]::new);
  }
}
