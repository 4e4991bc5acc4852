package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link RecordBinding}: a section whose keys are its record's components is read, built and
 * written from its declarations alone. The test-only section below shows what a new field costs:
 * a record component and a declaration.
 */
class RecordBindingTest {

  /** A section as a new feature would add it. */
  record Probe(int maxThings, Duration window, boolean enabled, double share) {}

  static final ConfigSchema.Section PROBE = new ConfigSchema.Section("probe", "probe")
      .field("max_things", ConfigSchema.integer(1, 50), "`10`", "")
      .field("window", ConfigSchema.duration(true), "`5s`", "")
      .field("enabled", ConfigSchema.bool(), "`true`", "")
      .field("share", ConfigSchema.percent(), "`25`", "");

  static final RecordBinding<Probe> BINDING = new RecordBinding<>(
      PROBE, Probe.class, new Probe(10, Duration.ofSeconds(5), true, 25));

  /**
   * A list section with the shapes {@code clusters[]} has: an enum, a list of strings, a nested
   * section, a list of sections whose items may be a string alone, and a key split over two
   * components by a codec. {@code max_retries} is the field "added" to it: its record component
   * and its declaration line are all it has, and the tests below read, check, write and build it.
   */
  record Pool(String name, Mode mode, List<Member> members, Check check, List<String> tags,
      int minSize, int maxSize, int maxRetries) {}

  enum Mode {
    FAST_FIRST, ROUND;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  record Member(String address, int weight) {}

  record Check(Duration interval, String path) {}

  static final ConfigSchema.Section MEMBER = new ConfigSchema.Section("member", "member")
      .required("address", ConfigSchema.string(), "")
      .field("weight", ConfigSchema.integer(1, 100), "`1`", "");

  static final ConfigSchema.Section CHECK = new ConfigSchema.Section("check", "check")
      .field("interval", ConfigSchema.duration(true), "`5s`", "")
      .field("path", ConfigSchema.string(), "`/`", "");

  static final ConfigSchema.Section POOL = new ConfigSchema.Section("pool", "pool")
      .required("name", ConfigSchema.string(), "")
      .field("mode", ConfigSchema.oneOf("fast_first", "round"), "`round`", "")
      .field("members", ConfigSchema.listOf(ConfigSchema.anyOf("member", ConfigSchema.string(),
          ConfigSchema.map(MEMBER))), "`[]`", "")
      .field("check", ConfigSchema.map(CHECK), "none", "")
      .field("tags", ConfigSchema.listOf(ConfigSchema.string()), "`[]`", "")
      .field("size", ConfigSchema.string("`min-max`"), "`1-10`", "")
      .field("max_retries", ConfigSchema.atLeast(0), "`2`", "the added field");

  static final RecordBinding<Member> MEMBER_RECORD = new RecordBinding<>(MEMBER, Member.class,
      new Member(null, 1), new RecordBinding.Spec<Member>().item("address, or a map"));

  static final RecordBinding<Check> CHECK_RECORD = new RecordBinding<>(CHECK, Check.class,
      new Check(Duration.ofSeconds(5), "/"));

  static final RecordBinding<Pool> POOL_RECORD = new RecordBinding<>(POOL, Pool.class,
      new Pool(null, Mode.ROUND, List.of(), null, List.of(), 1, 10, 2),
      new RecordBinding.Spec<Pool>().codec("size", (in, key, values) -> {
        String text = in.string(key);
        if (text == null) return;
        String[] parts = text.split("-", 2);
        try {
          values.set("minSize", Integer.parseInt(parts[0]));
          values.set("maxSize", Integer.parseInt(parts[parts.length - 1]));
        } catch (NumberFormatException e) {
          in.bad(in.p(key), Checks.quote(text) + " (expected: min-max)");
        }
      }, (p, out, key, all, sink) -> {
        if (all || p.minSize() != 1 || p.maxSize() != 10) out.put(key, p.minSize() + "-" + p.maxSize());
      }, "minSize", "maxSize"));

  /** A builder as MeshConfigBuilder's: one line per setter, the declaration checks the value. */
  static final class PoolBuilder extends MeshConfigBuilder.BoundBuilder<Pool, PoolBuilder> {
    PoolBuilder() {
      super(POOL_RECORD);
    }

    PoolBuilder maxRetries(int retries) {
      return set("max_retries", retries);
    }
  }

  static JsonNode yaml(String text) {
    try {
      return ConfigLoaderPropertyTest.YAML.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aListSectionWithNestedEnumListAndCodecKeysIsReadFromItsDeclarations() {
    TreeReader reader = new TreeReader();
    Pool p = reader.read(yaml("""
        name: a
        mode: fast_first
        members: [10.0.0.1:80, { address: 10.0.0.2:80, weight: 3 }]
        check: { interval: 2s }
        tags: [x, y]
        size: 2-4
        max_retries: 5
        """), "pools[0]", POOL_RECORD);

    assertThat(reader.errors).isEmpty();
    assertThat(p).isEqualTo(new Pool("a", Mode.FAST_FIRST,
        List.of(new Member("10.0.0.1:80", 1), new Member("10.0.0.2:80", 3)),
        new Check(Duration.ofSeconds(2), "/"), List.of("x", "y"), 2, 4, 5));
    assertThat(reader.read(yaml("name: b"), "pools[1]", POOL_RECORD))
        .isEqualTo(new Pool("b", Mode.ROUND, List.of(), null, List.of(), 1, 10, 2));
  }

  @Test
  void everyProblemOfSuchASectionIsReportedWithItsPathAndTheRestStillRead() {
    TreeReader reader = new TreeReader();
    Pool p = reader.read(yaml("""
        name: a
        mode: fast
        members: [7, { address: h:1, weight: x }, { adress: h:2 }]
        check: { interval: 0.5ms, depth: 1 }
        tags: [x, 1]
        size: two
        max_retries: many
        """), "pools[0]", POOL_RECORD);

    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "pools[0].mode: \"fast\" (expected: fast_first or round)",
        "pools[0].members[0]: 7 (expected: address, or a map)",
        "pools[0].members[1].weight: \"x\" (expected: an integer)",
        "pools[0].members[2].adress: unknown key (expected one of: address, weight)",
        "pools[0].check.depth: unknown key (expected one of: interval, path)",
        "pools[0].check.interval: \"0.5ms\" (expected: a whole number of milliseconds)",
        "pools[0].tags[1]: 1 (expected: a string; quote it: \"1\")",
        "pools[0].size: \"two\" (expected: min-max)",
        "pools[0].max_retries: \"many\" (expected: an integer)");
    assertThat(p.mode()).isEqualTo(Mode.ROUND);
    assertThat(p.members()).hasSize(3);
    assertThat(p.tags()).containsExactly("x");
  }

  @Test
  void theDeclaredRangesAreTheValidatorsAndTheBuildersChecks() {
    Pool p = new Pool("a", Mode.ROUND, List.of(new Member("h:1", 0)), null, List.of(), 1, 10, -1);
    List<String> errors = new java.util.ArrayList<>();

    POOL_RECORD.check(p, "pools[0]", (path, m) -> errors.add(path + ": " + m));
    MEMBER_RECORD.check(p.members().get(0), "pools[0].members[0]", (path, m) -> errors.add(path + ": " + m));

    assertThat(errors).containsExactly("pools[0].max_retries: -1 (expected: >= 0)",
        "pools[0].members[0].weight: 0 (expected: 1-100)");
    assertThat(new PoolBuilder().maxRetries(7).toConfig())
        .isEqualTo(new Pool(null, Mode.ROUND, List.of(), null, List.of(), 1, 10, 7));
    assertThatThrownBy(() -> new PoolBuilder().maxRetries(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_retries: -1 (expected: >= 0)");
  }

  @Test
  void suchASectionIsWrittenBackDefaultsLeftOutOrShownAndALoneAddressAsAString() {
    Pool p = new Pool("a", Mode.ROUND, List.of(new Member("h:1", 1), new Member("h:2", 3)),
        new Check(Duration.ofSeconds(5), "/"), List.of("x"), 2, 4, 5);

    assertThat(POOL_RECORD.write(p, false).toString()).isEqualTo("{\"name\":\"a\","
        + "\"members\":[\"h:1\",{\"address\":\"h:2\",\"weight\":3}],\"check\":{},"
        + "\"tags\":[\"x\"],\"size\":\"2-4\",\"max_retries\":5}");
    assertThat(POOL_RECORD.write(p, true).toString()).isEqualTo("{\"name\":\"a\","
        + "\"mode\":\"round\",\"members\":[{\"address\":\"h:1\",\"weight\":1},"
        + "{\"address\":\"h:2\",\"weight\":3}],\"check\":{\"interval\":\"5s\","
        + "\"path\":\"/\"},\"tags\":[\"x\"],\"size\":\"2-4\",\"max_retries\":5}");
    TreeReader reader = new TreeReader();
    assertThat(reader.read(POOL_RECORD.write(p, false), "p", POOL_RECORD)).isEqualTo(p);
    assertThat(reader.errors).isEmpty();
  }

  @Test
  void aComponentThatCannotHoldItsDeclaredShapeFailsWhenBound() {
    record Wrong(List<Integer> tags) {}
    record Modes(Mode mode) {}
    ConfigSchema.Section tags = new ConfigSchema.Section("wrong", "wrong")
        .field("tags", ConfigSchema.listOf(ConfigSchema.string()), "`[]`", "");
    ConfigSchema.Section modes = new ConfigSchema.Section("modes", "modes")
        .field("mode", ConfigSchema.oneOf("fast_first", "slow"), "`slow`", "");

    assertThatThrownBy(() -> new RecordBinding<>(tags, Wrong.class, new Wrong(List.of())))
        .hasMessageStartingWith("wrong.tags (Wrong.tags): a java.util.List<java.lang.Integer>"
            + " cannot hold list of string");
    assertThatThrownBy(() -> new RecordBinding<>(modes, Modes.class, new Modes(Mode.ROUND)))
        .hasMessage("modes.mode (Modes.mode): declares [fast_first, slow], the enum has"
            + " [fast_first, round]");
  }

  @Test
  void aNewSectionIsWrittenFromItsDeclarationsDefaultsLeftOutOrShown() {
    Probe p = new Probe(12, Duration.ofMillis(1500), true, 25);

    assertThat(BINDING.write(p, false).toString()).isEqualTo("{\"max_things\":12,\"window\":\"1500ms\"}");
    assertThat(BINDING.write(p, true).toString())
        .isEqualTo("{\"max_things\":12,\"window\":\"1500ms\",\"enabled\":true,\"share\":25.0}");
  }

  @Test
  void unsetValuesTakeTheDefaultsAndBadOnesAreNamedByKeyAsTheBuilderReportsThem() {
    Object[] values = new Object[BINDING.size()];
    values[BINDING.index("enabled")] = false;

    assertThat(BINDING.with(values)).isEqualTo(new Probe(10, Duration.ofSeconds(5), false, 25));
    assertThat(BINDING.problem("max_things", 51)).isEqualTo("max_things: 51 (expected: 1-50)");
    assertThat(BINDING.problem("window", Duration.ZERO))
        .isEqualTo("window: 0s (expected: a duration > 0)");
    assertThat(BINDING.problem("max_things", 50)).isNull();
  }

  @Test
  void theRealBindingsReadBuildAndWriteAsTheHandWrittenCodeDid() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
            outlier_detection: { max_ejection_percent: 20, base_ejection_time: 10s }
            circuit_breaker: { sliding_window: 50, minimum_calls: 5 }
        """);
    ClusterConfig a = c.clusters().get(0);

    assertThat(a.outlierDetection()).isEqualTo(new OutlierDetectionConfig(
        5, 5, Duration.ofSeconds(10), 20, Duration.ofSeconds(300), true));
    assertThat(a.circuitBreaker()).isEqualTo(new CircuitBreakerConfig(
        50, Duration.ofSeconds(2), 100, 50, 5, Duration.ofSeconds(10), 1024));
    assertThat(MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").endpoint("127.0.0.1:8081")
            .outlierDetection(o -> o.maxEjectionPercent(20).baseEjectionTime(Duration.ofSeconds(10)))
            .circuitBreaker(cb -> cb.slidingWindow(50).minimumCalls(5)))
        .build()).isEqualTo(c);
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED).at("/clusters/0").toString())
        .contains("\"outlier_detection\":{\"base_ejection_time\":\"10s\",\"max_ejection_percent\":20}")
        .contains("\"circuit_breaker\":{\"sliding_window\":50,\"minimum_calls\":5}");
  }

  @Test
  void routeAndRetrySectionsAreReadBuiltAndWrittenFromTheirDeclarations() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            endpoints: [127.0.0.1:8081]
            retry: { backoff: { base: 40ms }, budget: { percent: 5 } }
          - name: m
            endpoints: [127.0.0.1:8082]
        outbound:
          virtual_hosts:
            - name: v
              routes:
                - match: { prefix: /v1 }
                  to: a
                  rewrite: { prefix: /v2 }
                  mirror: { cluster: m, percent: 10 }
                  fault: { delay: { fixed: 2s, percent: 1 }, abort: { status: 503, percent: 0.5 } }
                  rate_limit: { requests_per_second: 2.5 }
        """);
    RetryConfig retry = c.clusters().get(0).retry();
    RouteConfig r = c.outbound().virtualHosts().get(0).routes().get(0);

    // Derived defaults: backoff max is 10 x base; burst is the rate rounded up.
    assertThat(retry.backoff()).isEqualTo(
        new RetryConfig.Backoff(Duration.ofMillis(40), Duration.ofMillis(400)));
    assertThat(retry.budget()).isEqualTo(new RetryConfig.Budget(5, 10));
    assertThat(r.rewrite()).isEqualTo(new RewriteConfig("/v2", null, null, null));
    assertThat(r.mirror()).isEqualTo(new MirrorConfig("m", 10));
    assertThat(r.fault()).isEqualTo(new FaultConfig(
        new FaultConfig.Delay(Duration.ofSeconds(2), 1), new FaultConfig.Abort(503, 0.5)));
    assertThat(r.rateLimit()).isEqualTo(new RateLimitConfig(2.5, 3, null, RateLimitConfig.DEFAULT_MAX_KEYS));
    assertThat(MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").endpoint("127.0.0.1:8081")
            .retry(rt -> rt.backoff(Duration.ofMillis(40), Duration.ofMillis(400)).budget(5, 10)))
        .cluster(b -> b.name("m").endpoint("127.0.0.1:8082"))
        .outbound(v -> v.name("v").route(rb -> rb.prefix("/v1").to("a").rewritePrefix("/v2").mirror("m", 10)
            .faultDelay(Duration.ofSeconds(2), 1).faultAbort(503, 0.5).rateLimit(2.5)))
        .build()).isEqualTo(c);
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED)
            .at("/outbound/virtual_hosts/0/routes/0").toString())
        .contains("\"rewrite\":{\"prefix\":\"/v2\"}")
        .contains("\"mirror\":{\"cluster\":\"m\",\"percent\":10.0}")
        .contains("\"fault\":{\"delay\":{\"fixed\":\"2s\",\"percent\":1.0},"
            + "\"abort\":{\"status\":503,\"percent\":0.5}}")
        .contains("\"rate_limit\":{\"requests_per_second\":2.5,\"burst\":3}");
  }

  @Test
  void aMissingRequiredNumberIsReportedFromItsDeclaredRange() {
    assertThatThrownBy(() -> ConfigLoader.load("""
        version: 1
        service: s
        inbound:
          virtual_hosts:
            - name: v
              routes:
                - fault: { abort: { percent: 1 } }
                  rate_limit: { burst: 2 }
        """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("routes[0].fault.abort.status: missing (expected: 200-599)")
        .hasMessageContaining("routes[0].rate_limit.requests_per_second: missing (expected: > 0)");
  }

  @Test
  void aSectionThatDisagreesWithItsRecordFailsNamingTheKey() {
    ConfigSchema.Section renamed = new ConfigSchema.Section("probe", "probe")
        .field("max_things", ConfigSchema.integer(1, 50), "`10`", "")
        .field("windows", ConfigSchema.duration(true), "`5s`", "")
        .field("enabled", ConfigSchema.bool(), "`true`", "")
        .field("share", ConfigSchema.percent(), "`25`", "");
    ConfigSchema.Section short3 = new ConfigSchema.Section("probe", "probe")
        .field("max_things", ConfigSchema.integer(1, 50), "`10`", "");
    Probe d = new Probe(10, Duration.ofSeconds(5), true, 25);

    assertThatThrownBy(() -> new RecordBinding<>(renamed, Probe.class, d))
        .hasMessage("probe.windows: Probe has no component windows (components: maxThings,"
            + " window, enabled, share; or declare a codec for the key)");
    assertThatThrownBy(() -> new RecordBinding<>(short3, Probe.class, d))
        .hasMessage("Probe.window has no key in probe (declare one, or name it in a codec)");
  }

  @Test
  void theBuilderRejectsABadValueAtOnceWithTheKeyAsBefore() {
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("a")
            .outlierDetection(o -> o.maxEjectionPercent(101))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max_ejection_percent: 101 (expected: 0-100)");
    assertThatThrownBy(() -> MeshConfig.builder().cluster(b -> b.name("a")
            .circuitBreaker(cb -> cb.waitInOpen(null))))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("wait_in_open");
    assertThatThrownBy(() -> MeshConfig.builder().outbound(v -> v.name("v")
            .route(r -> r.to("a").rateLimit(Double.POSITIVE_INFINITY))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate_limit.requests_per_second: Infinity (expected: > 0)");
    assertThatThrownBy(() -> MeshConfig.builder().outbound(v -> v.name("v")
            .route(r -> r.to("a").faultAbort(600, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault.abort.status: 600 (expected: 200-599)");
  }

  /** The shapes retry, hash_on and path_normalization needed, on a test-only section. */
  record Gate(Mode level, Set<Mode> modes, List<Integer> codes, List<Cidr> from, Check check) {}

  static final ConfigSchema.Section GATE = new ConfigSchema.Section("gate", "gate")
      .field("gate_level", ConfigSchema.oneOf("fast_first", "round"), "`round`", "")
      .field("modes", ConfigSchema.listOf(ConfigSchema.oneOf("fast_first", "round")), "`[]`", "")
      .field("codes", ConfigSchema.listOf(ConfigSchema.integer(100, 599)), "`[]`", "")
      .field("from", ConfigSchema.listOf(ConfigSchema.string("CIDR")), "`[]`", "")
      .field("check", ConfigSchema.map(CHECK), "`{}`", "");

  static final RecordBinding<Gate> GATE_RECORD = new RecordBinding<>(GATE, Gate.class,
      new Gate(Mode.ROUND, Set.of(), List.of(), List.of(), new Check(Duration.ofSeconds(5), "/")),
      new RecordBinding.Spec<Gate>().component("gate_level", "level"));

  @Test
  void aKeyNamedOtherwiseListsOfEnumsIntegersAndCidrsAreReadFromTheirDeclarations() {
    TreeReader reader = new TreeReader();
    Gate g = reader.read(yaml("""
        gate_level: fast_first
        modes: [round, fast_first, round]
        codes: [503, 429]
        from: [10.0.0.0/8, 127.0.0.1]
        """), "gate", GATE_RECORD);

    assertThat(reader.errors).isEmpty();
    assertThat(g.level()).isEqualTo(Mode.FAST_FIRST);
    assertThat(g.modes()).containsExactlyInAnyOrder(Mode.ROUND, Mode.FAST_FIRST);
    assertThat(g.codes()).containsExactly(503, 429);
    assertThat(g.from()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.1/32"));
    // a set is written in the enum's order, whatever its hashing
    assertThat(GATE_RECORD.write(g, false).toString()).isEqualTo("{\"gate_level\":\"fast_first\","
        + "\"modes\":[\"fast_first\",\"round\"],\"codes\":[503,429],"
        + "\"from\":[\"10.0.0.0/8\",\"127.0.0.1\"]}");
    assertThat(reader.read(GATE_RECORD.write(g, false), "gate", GATE_RECORD)).isEqualTo(g);
  }

  @Test
  void badItemsOfThoseListsAreNamedByIndexAndTheGoodOnesKept() {
    TreeReader reader = new TreeReader();
    Gate g = reader.read(yaml("""
        gate_level: slow
        modes: [round, slow, 3]
        codes: [503, x]
        from: [10.0.0.0/8, nope]
        """), "gate", GATE_RECORD);

    assertThat(reader.errors).extracting(ConfigError::toString).hasSize(5).startsWith(
        "gate.gate_level: \"slow\" (expected: fast_first or round)",
        "gate.modes[1]: \"slow\" (expected one of: fast_first, round)",
        "gate.modes[2]: 3 (expected: a string; quote it: \"3\")",
        "gate.codes[1]: \"x\" (expected: an integer)");
    assertThat(reader.errors.get(4).toString()).startsWith(
        "gate.from[1]: \"nope\" (expected: an IP address or CIDR such as 10.0.0.0/8; ");
    assertThat(g).isEqualTo(new Gate(Mode.ROUND, Set.of(Mode.ROUND), List.of(503),
        List.of(Cidr.parse("10.0.0.0/8")), new Check(Duration.ofSeconds(5), "/")));
    assertThat(reader.tainted).contains("gate.modes", "gate.codes");
  }

  /** A section that is a choice of one key: the key is the kind, its value the name. */
  record Pick(PickKind kind, String name) {}

  enum PickKind { HEADER, ANY }

  static final ConfigSchema.Section PICK = new ConfigSchema.Section("pick", "pick")
      .field("header", ConfigSchema.string(), "", "")
      .field("any", ConfigSchema.oneOf("true"), "", "");

  static final RecordBinding<Pick> PICK_RECORD = new RecordBinding<>(PICK, Pick.class,
      new Pick(PickKind.ANY, null), new RecordBinding.Spec<Pick>().choice("kind", "name"));

  @Test
  void aChoiceSectionTakesExactlyOneKeyAndIsWrittenBackAsIt() {
    TreeReader reader = new TreeReader();

    assertThat(reader.read(yaml("header: x-user"), "pick", PICK_RECORD))
        .isEqualTo(new Pick(PickKind.HEADER, "x-user"));
    assertThat(reader.read(yaml("any: true"), "pick", PICK_RECORD))
        .isEqualTo(new Pick(PickKind.ANY, null));
    assertThat(reader.errors).isEmpty();
    assertThat(PICK_RECORD.write(new Pick(PickKind.HEADER, "x-user"), false).toString())
        .isEqualTo("{\"header\":\"x-user\"}");
    assertThat(PICK_RECORD.write(new Pick(PickKind.ANY, null), true).toString())
        .isEqualTo("{\"any\":true}");

    assertThat(reader.read(yaml("{}"), "a", PICK_RECORD)).isNull();
    assertThat(reader.read(yaml("{header: x, any: true}"), "b", PICK_RECORD)).isNull();
    assertThat(reader.read(yaml("any: false"), "c", PICK_RECORD)).isNull();
    assertThat(reader.read(yaml("header: 7"), "d", PICK_RECORD)).isNull();
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "a: empty (expected exactly one of: header, any)",
        "b: more than one of: header, any (expected exactly one of: header, any)",
        "c.any: false (expected: true)",
        "d.header: 7 (expected: a string; quote it: \"7\")");
  }

  @Test
  void retryHashOnAdminPropagateAndPathNormalizationAreReadBuiltAndWrittenFromTheirBindings() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters:
          - name: a
            lb: ring_hash
            endpoints: [127.0.0.1:8081]
            hash_on: { header: X-User }
            retry: { retry_on: [5xx, reset], budget: off, per_try_timeout: 1s }
        outbound:
          virtual_hosts:
            - name: v
              routes:
                - match: { prefix: / }
                  to: a
                  retry: { attempts: 3, backoff: { base: 10ms } }
        propagate: { headers: [X-Request-Id], deadline_headers: [Grpc-Timeout] }
        admin: { enabled: true, allowed_hosts: [Admin.Internal.] }
        path_normalization: { path_with_escaped_slashes_action: keep_unchanged }
        """);
    ClusterConfig a = c.clusters().get(0);
    RouteConfig r = c.outbound().virtualHosts().get(0).routes().get(0);

    assertThat(a.hashOn()).isEqualTo(new HashOnConfig(HashOnConfig.Kind.HEADER, "x-user"));
    assertThat(a.retry()).isEqualTo(new RetryConfig(2, Set.of(RetryOn.FIVE_XX, RetryOn.RESET),
        List.of(), Duration.ofSeconds(1), RetryConfig.Backoff.DEFAULT, null, true));
    // the override's unset keys stay null: the cluster's values stand
    assertThat(r.retry()).isEqualTo(new RetryOverride(3, null, null, null,
        new RetryConfig.Backoff(Duration.ofMillis(10), Duration.ofMillis(100)), null, null));
    assertThat(c.propagate()).isEqualTo(
        new PropagateConfig(List.of("x-request-id"), List.of("grpc-timeout")));
    assertThat(c.admin()).isEqualTo(
        new AdminConfig(true, AdminConfig.DISABLED.allowFrom(), List.of("admin.internal")));
    assertThat(c.pathNormalization()).isEqualTo(new PathNormalizationConfig(true, true,
        PathNormalizationConfig.EscapedSlashes.KEEP_UNCHANGED));
    assertThat(MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").lb(LbPolicy.RING_HASH).endpoint("127.0.0.1:8081")
            .hashOnHeader("X-User").retry(rt -> rt.retryOn(RetryOn.RESET, RetryOn.FIVE_XX)
                .budgetOff().perTryTimeout(Duration.ofSeconds(1))))
        .outbound(v -> v.name("v").route(rb -> rb.prefix("/").to("a")
            .retry(rt -> rt.attempts(3).backoff(Duration.ofMillis(10)))))
        .propagate("X-Request-Id").deadlineHeaders("Grpc-Timeout")
        .admin(ad -> ad.enabled(true).allowedHosts("Admin.Internal."))
        .pathNormalization(c.pathNormalization())
        .build()).isEqualTo(c);

    JsonNode tree = ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED);
    assertThat(tree.at("/clusters/0/retry").toString()).isEqualTo("{\"retry_on\":[\"reset\","
        + "\"5xx\"],\"per_try_timeout\":\"1s\",\"budget\":\"off\"}");
    assertThat(tree.at("/clusters/0/hash_on").toString()).isEqualTo("{\"header\":\"x-user\"}");
    assertThat(tree.at("/outbound/virtual_hosts/0/routes/0/retry").toString())
        .isEqualTo("{\"attempts\":3,\"backoff\":{\"base\":\"10ms\",\"max\":\"100ms\"}}");
    assertThat(tree.at("/admin").toString()).isEqualTo("{\"enabled\":true,"
        + "\"allow_from\":[\"127.0.0.1/32\",\"::1/128\"],\"allowed_hosts\":[\"admin.internal\"]}");
    assertThat(tree.at("/path_normalization").toString())
        .isEqualTo("{\"path_with_escaped_slashes_action\":\"keep_unchanged\"}");
    assertThat(ConfigLoader.load(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))).isEqualTo(c);
  }

  @Test
  void aRouteIsReadAndWrittenThroughItsBindingWithItsIndexNameAndDirectionalAction() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters: [{ name: a, endpoints: [127.0.0.1:8081] }]
        outbound:
          virtual_hosts:
            - name: v
              routes:
                - { match: { prefix: /x }, to: a, timeout: 2s, retry: { attempts: 3 } }
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - { name: app, headers: { add: { X-A: "1" } }, fault: { abort: { status: 503, percent: 1 } } }
        """);
    RouteConfig out = c.outbound().virtualHosts().get(0).routes().get(0);
    RouteConfig in = c.inbound().virtualHosts().get(0).routes().get(0);

    assertThat(out.name()).isEqualTo("routes[0]");
    assertThat(out.action()).isEqualTo(new ActionConfig.Forward("a"));
    assertThat(out.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(out.retry().attempts()).isEqualTo(3);
    assertThat(out.retry().retryOn()).isNull();
    assertThat(in.action()).isEqualTo(ActionConfig.Pass.INSTANCE);
    assertThat(in.headers()).isEqualTo(new HeadersConfig(java.util.Map.of("X-A", "1"), List.of()));
    assertThat(in.fault()).isEqualTo(new FaultConfig(null, new FaultConfig.Abort(503, 1)));

    JsonNode tree = ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED);
    assertThat(tree.at("/outbound/virtual_hosts/0/routes/0").toString()).isEqualTo(
        "{\"match\":{\"prefix\":\"/x\"},\"to\":\"a\",\"timeout\":\"2s\","
            + "\"retry\":{\"attempts\":3}}");
    assertThat(tree.at("/inbound/virtual_hosts/0/routes/0").toString()).isEqualTo(
        "{\"name\":\"app\",\"pass\":{},\"headers\":{\"add\":{\"X-A\":\"1\"}},"
            + "\"fault\":{\"abort\":{\"status\":503,\"percent\":1.0}}}");
    assertThat(ConfigWriter.route(out).path("name").asText()).isEqualTo("routes[0]");
    assertThat(ConfigLoader.load(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))).isEqualTo(c);
  }

  @Test
  void splitRedirectAndRespondAreReadBuiltAndWrittenFromTheirBindings() {
    TreeReader reader = new TreeReader();

    assertThat(reader.read(yaml("{cluster: a, weight: 3}"), "w", ConfigSchema.SPLIT_RECORD))
        .isEqualTo(new ActionConfig.WeightedCluster("a", 3, false));
    assertThat(reader.read(yaml("{local: true, weight: 95}"), "w", ConfigSchema.SPLIT_RECORD))
        .isEqualTo(new ActionConfig.WeightedCluster(null, 95, true));
    assertThat(reader.read(yaml("{host: x.example, strip_query: true}"), "r",
        ConfigSchema.REDIRECT_RECORD)).isEqualTo(
            new ActionConfig.Redirect(null, "x.example", null, null, null, true, 301));
    assertThat(reader.read(yaml("{status: 418, headers: {X-A: b}}"), "r",
        ConfigSchema.RESPOND_RECORD)).isEqualTo(
            new ActionConfig.Respond(418, "", java.util.Map.of("X-A", "b")));
    assertThat(reader.errors).isEmpty();

    // a missing weight or status is the reader's (the entry weighs 1, the answer is a 200); an
    // unreadable local counts as set, so that no "cluster missing" follows it
    assertThat(reader.read(yaml("{cluster: a}"), "a", ConfigSchema.SPLIT_RECORD))
        .isEqualTo(new ActionConfig.WeightedCluster("a", 1, false));
    assertThat(reader.read(yaml("{local: yes please, weight: 1}"), "b",
        ConfigSchema.SPLIT_RECORD).local()).isTrue();
    assertThat(reader.read(yaml("{body: x}"), "c", ConfigSchema.RESPOND_RECORD).status())
        .isEqualTo(200);
    assertThat(reader.read(yaml("{code: x, scheme: 5}"), "d", ConfigSchema.REDIRECT_RECORD)
        .code()).isEqualTo(301);
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "a.weight: missing (expected: 0-10000)",
        "b.local: \"yes please\" (expected: true or false)",
        "c.status: missing (expected: 200-599)",
        "d.scheme: 5 (expected: a string; quote it: \"5\")",
        "d.code: \"x\" (expected: an integer)");

    MeshConfig c = MeshConfig.builder().service("s")
        .cluster(b -> b.name("a").endpoint("127.0.0.1:8081"))
        .cluster(b -> b.name("b").endpoint("127.0.0.1:8082"))
        .outbound(v -> v.name("v")
            .route(rb -> rb.prefix("/s").split("a", 1).split("b", 3))
            .route(rb -> rb.prefix("/r").redirect(d -> d.host("x.example").prefixRewrite("/y")
                .code(308)))
            .route(rb -> rb.prefix("/a").respond(503, "down", java.util.Map.of("Retry-After",
                "5"))))
        .build();
    JsonNode tree = ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED);
    assertThat(tree.at("/outbound/virtual_hosts/0/routes/0/split").toString()).isEqualTo(
        "[{\"cluster\":\"a\",\"weight\":1},{\"cluster\":\"b\",\"weight\":3}]");
    assertThat(tree.at("/outbound/virtual_hosts/0/routes/1/redirect").toString()).isEqualTo(
        "{\"host\":\"x.example\",\"prefix_rewrite\":\"/y\",\"code\":308}");
    assertThat(tree.at("/outbound/virtual_hosts/0/routes/2/respond").toString()).isEqualTo(
        "{\"status\":503,\"body\":\"down\",\"headers\":{\"Retry-After\":\"5\"}}");
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.SHOWN)
        .at("/outbound/virtual_hosts/0/routes/1/redirect").toString()).isEqualTo(
            "{\"host\":\"x.example\",\"prefix_rewrite\":\"/y\",\"strip_query\":false,"
                + "\"code\":308}");
    assertThat(ConfigLoader.load(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))).isEqualTo(c);
  }

  @Test
  void aMatchAndItsConditionsAreReadAndWrittenFromTheirBindings() {
    TreeReader reader = new TreeReader();
    MatchConfig m = reader.read(yaml("""
        prefix: /api
        methods: [post, get]
        headers: [{ name: X-User, prefix: a, invert: true }, { name: X-Debug, present: false }]
        query: [{ name: v, regex: "[0-9]+" }]
        """), "m", ConfigSchema.MATCH_RECORD);
    assertThat(reader.errors).isEmpty();
    assertThat(m).isEqualTo(new MatchConfig(MatchConfig.PathMatchKind.PREFIX, "/api", true,
        Set.of("POST", "GET"), List.of(
            new HeaderMatchConfig("x-user", HeaderMatchConfig.Kind.PREFIX, "a", true, true),
            new HeaderMatchConfig("x-debug", HeaderMatchConfig.Kind.PRESENT, null, false, false)),
        List.of(new QueryMatchConfig("v", QueryMatchConfig.Kind.REGEX, "[0-9]+", true)),
        List.of(), List.of(), null));

    // written in declaration order, methods sorted; empty condition lists left out even when
    // defaults are shown, since absent and empty are the same condition
    assertThat(ConfigSchema.MATCH_RECORD.write(m, true).toString()).isEqualTo(
        "{\"prefix\":\"/api\",\"case_sensitive\":true,\"methods\":[\"GET\",\"POST\"],"
            + "\"headers\":[{\"name\":\"x-user\",\"prefix\":\"a\",\"invert\":true},"
            + "{\"name\":\"x-debug\",\"present\":false,\"invert\":false}],"
            + "\"query\":[{\"name\":\"v\",\"regex\":\"[0-9]+\"}]}");

    assertThat(reader.read(yaml("{prefix: /a, path: /b, methods: [G ET]}"), "a",
        ConfigSchema.MATCH_RECORD).pathKind()).isEqualTo(MatchConfig.PathMatchKind.PREFIX);
    assertThat(reader.read(yaml("{name: x, exact: a, present: true}"), "b",
        ConfigSchema.HEADER_MATCH_RECORD).kind()).isEqualTo(HeaderMatchConfig.Kind.EXACT);
    assertThat(reader.read(yaml("{name: x, present: 1}"), "c", ConfigSchema.QUERY_MATCH_RECORD)
        .kind()).isNull();
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "a: more than one path condition: prefix, path (expected at most one of: prefix, path,"
            + " path_separated_prefix, regex)",
        "a.methods[0]: " + Checks.method("G ET"),
        "b: more than one condition: exact, present (expected exactly one of: exact, prefix,"
            + " suffix, contains, regex, present)",
        "c.present: 1 (expected: true or false)");
    // the condition that could not be read is not also reported missing by the validator
    assertThat(reader.quiet).contains("c");
  }

  @Test
  void virtualHostsAreReadAndWrittenThroughTheirBindingTheirRoutesTakingTheDirection() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters: [{ name: a, endpoints: [127.0.0.1:8081] }]
        outbound:
          virtual_hosts:
            - { name: A.Example, routes: [{ to: a }] }
        inbound:
          virtual_hosts:
            - { name: self, domains: ["*", App.Local], routes: [{ name: r }] }
        """);
    VirtualHostConfig out = c.outbound().virtualHosts().get(0);
    VirtualHostConfig in = c.inbound().virtualHosts().get(0);

    assertThat(out.domains()).containsExactly("a.example");
    assertThat(out.routes().get(0).name()).isEqualTo("routes[0]");
    assertThat(out.routes().get(0).action()).isEqualTo(new ActionConfig.Forward("a"));
    assertThat(in.domains()).containsExactly("*", "app.local");
    assertThat(in.routes().get(0).action()).isEqualTo(ActionConfig.Pass.INSTANCE);
    JsonNode tree = ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED);
    assertThat(tree.at("/outbound/virtual_hosts").toString()).isEqualTo(
        "[{\"name\":\"A.Example\",\"domains\":[\"a.example\"],\"routes\":[{\"to\":\"a\"}]}]");
    assertThat(ConfigLoader.load(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))).isEqualTo(c);

    TreeReader reader = new TreeReader();
    reader.read(yaml("{version: 1, service: s, outbound: {virtual_hosts: [7, {routes: [x]}]}}"));
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "outbound.virtual_hosts[0]: 7 (expected: a map with name, domains, routes)",
        "outbound.virtual_hosts[1].routes[0]: \"x\" (expected: a map with name, match and an"
            + " action)");
    // no name to default the domains to: reported by the validator at name, not at domains
    assertThat(reader.tainted).contains("outbound.virtual_hosts[1].domains");
  }

  @Test
  void authzAndItsRulesAreReadAndWrittenThroughTheirBindings() {
    TreeReader reader = new TreeReader();
    AuthzConfig a = reader.read(yaml("""
        default_action: deny
        rules:
          - { action: allow, match: { principals: ["spiffe://x/*"] } }
          - { name: ops, action: deny, match: { methods: [delete] } }
        """), "authz", ConfigSchema.AUTHZ_RECORD);
    assertThat(reader.errors).isEmpty();
    assertThat(a.defaultAction()).isEqualTo(AuthzConfig.Action.DENY);
    assertThat(a.rules()).extracting(AuthzConfig.Rule::name).containsExactly("rules[0]", "ops");
    assertThat(a.rules().get(1).match().methods()).containsExactly("DELETE");
    assertThat(ConfigSchema.AUTHZ_RECORD.write(a, false).toString()).isEqualTo(
        "{\"default_action\":\"deny\",\"rules\":[{\"action\":\"allow\",\"match\":"
            + "{\"principals\":[\"spiffe://x/*\"]}},{\"name\":\"ops\",\"action\":\"deny\","
            + "\"match\":{\"methods\":[\"DELETE\"]}}]}");
    assertThat(ConfigSchema.AUTHZ_RECORD.write(a, true).at("/rules/0/name").asText())
        .isEqualTo("rules[0]");

    AuthzConfig bad = reader.read(yaml("{default_action: maybe, rules: [7, {action: 1}]}"), "z",
        ConfigSchema.AUTHZ_RECORD);
    assertThat(bad.rules()).extracting(AuthzConfig.Rule::name)
        .containsExactly("rules[0]", "rules[1]");
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "z.default_action: \"maybe\" (expected: allow or deny)",
        "z.rules[0]: 7 (expected: a map with action and match)",
        "z.rules[1].action: 1 (expected: a string; quote it: \"1\")");
  }

  @Test
  void extensionReferencesAreReadAndWrittenThroughTheirBindings() {
    TreeReader reader = new TreeReader();
    assertThat(reader.read(yaml("{custom: sticky, args: {n: 2, tags: [a], on: true}}"), "lb",
        ConfigSchema.CUSTOM_LB_RECORD)).isEqualTo(new ExtensionRef("sticky", ExtensionArgs.of(
            java.util.Map.of("n", 2L, "tags", List.of("a"), "on", true))));
    assertThat(reader.read(yaml("{name: canary}"), "c", ConfigSchema.CUSTOM_MATCH_RECORD))
        .isEqualTo(ExtensionRef.of("canary"));
    assertThat(reader.errors).isEmpty();
    assertThat(ConfigSchema.CUSTOM_MATCH_RECORD.write(ExtensionRef.of("canary"), false).toString())
        .isEqualTo("{\"name\":\"canary\"}");
    assertThat(ConfigSchema.CUSTOM_MATCH_RECORD.write(ExtensionRef.of("canary"), true).toString())
        .isEqualTo("{\"name\":\"canary\",\"args\":{}}");

    reader.read(yaml("{args: 3}"), "a", ConfigSchema.CUSTOM_LB_RECORD);
    reader.read(yaml("{}"), "b", ConfigSchema.CUSTOM_MATCH_RECORD);
    reader.read(yaml("{}"), "c", ConfigSchema.POLICY_RECORD);
    assertThat(reader.errors).extracting(ConfigError::toString).containsExactly(
        "a.custom: missing (expected: the name of a registered picker)",
        "a.args: 3 (expected: a map of arguments)",
        "b.name: missing (expected: the name of a registered matcher)",
        "c.name: missing (expected: the name of a registered policy)");

    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        policies: [audit, { name: quota, args: { per_minute: 10 } }]
        clusters: [{ name: a, endpoints: [127.0.0.1:8081] }]
        """, new AnyExtension());
    assertThat(c.policies()).extracting(ExtensionRef::name).containsExactly("audit", "quota");
    assertThat(ConfigWriter.tree(c, ConfigWriter.Defaults.OMITTED).at("/policies").toString())
        .isEqualTo("[\"audit\",{\"name\":\"quota\",\"args\":{\"per_minute\":10}}]");
  }

  /** Every extension name is registered and every argument accepted. */
  private static final class AnyExtension implements ExtensionCatalog {
    @Override
    public Set<String> names(ExtensionKind kind) {
      return Set.of("audit", "quota");
    }

    @Override
    public void validate(ExtensionKind kind, String name, ExtensionArgs args, ArgErrors errors) {}
  }
}
