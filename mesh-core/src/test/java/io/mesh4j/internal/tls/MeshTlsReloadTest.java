package io.mesh4j.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.identity.FixedIdentitySource;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh's identity sources across reloads, sources registered in code, and the expiry gauge. */
class MeshTlsReloadTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");

  @TempDir Path dir;
  final FakeTime time = new FakeTime();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private String config(String refresh, String tls) {
    return """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls: %s
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s, refresh: %s }
        """.formatted(tls, dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
        refresh);
  }

  @Test
  void aReloadKeepsAnUnchangedSourceAndItsClusterTlsAndReplacesAChangedOne() {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/web"), CA);
    String tls = "{ mode: mutual, source: workload }";
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(config("5s", tls))).scheduler(time)
        .ticker(time).meterRegistry(registry).build()) {
      MeshTls t = MeshInternals.tls(mesh);
      IdentitySource first = mesh.identitySource("workload");
      ClusterTls api = t.client("api");
      mesh.reload(ConfigLoader.load(config("5s", tls) + "\n"));
      assertThat(mesh.identitySource("workload")).isSameAs(first);
      assertThat(t.client("api")).isSameAs(api);
      mesh.reload(ConfigLoader.load(config("10s", tls)));
      assertThat(mesh.identitySource("workload")).isNotSameAs(first);
      assertThat(t.client("api")).isNotSameAs(api);
      assertThat(t.client("api").source()).isSameAs(mesh.identitySource("workload"));
    }
  }

  @Test
  void aChangedEntryKeepsItsMetersAndTheyReadTheNewSource() {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/web"), CA);
    String tls = "{ mode: mutual, source: workload }";
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(config("5s", tls))).scheduler(time)
        .ticker(time).meterRegistry(registry).build()) {
      // Same name, another entry: a new source replaces the old one, the meters must follow it.
      java.time.Instant now = java.time.Instant.now();
      TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/web",
          now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(12))), CA);
      mesh.reload(ConfigLoader.load(config("10s", tls)));
      IdentitySource source = mesh.identitySource("workload");
      double expected = Duration.between(mesh.clock().instant(), source.current().notAfter()).toSeconds();
      assertThat(expected).isLessThan(Duration.ofHours(13).toSeconds()); // the new, shorter leaf
      assertThat(registry.find(MeshMetricNames.IDENTITY_EXPIRY).tag("source", "workload").gauge())
          .isNotNull()
          .satisfies(g -> assertThat(g.value()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1.0)));
      assertThat(registry.find(MeshMetricNames.IDENTITY_ROTATIONS).tag("source", "workload").counter())
          .isNotNull();

      // Gone from the config: gone from the registry.
      mesh.reload(ConfigLoader.load("""
          version: 1
          service: web
          clusters:
            - name: api
              endpoints: [127.0.0.1:8443]
          """));
      assertThat(registry.find(MeshMetricNames.IDENTITY_EXPIRY).tag("source", "workload").gauge()).isNull();
      assertThat(registry.find(MeshMetricNames.IDENTITY_ROTATIONS).tag("source", "workload").counter()).isNull();
    }
  }

  @Test
  void aReloadWhoseFilesCannotBeReadFailsWithThePathAndKeepsTheIdentityInForce() {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/web"), CA);
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(config("5s",
        "{ mode: mutual, source: workload }"))).scheduler(time).ticker(time).build()) {
      IdentitySource before = mesh.identitySource("workload");
      MeshConfig broken = ConfigLoader.load(config("5s", "{ mode: mutual, source: workload }")
          .replace(dir.resolve("tls.key").toString(), dir.resolve("nope.key").toString()));
      ConfigException e = catchThrowableOfType(ConfigException.class, () -> mesh.reload(broken));
      assertThat(e.errors()).singleElement().satisfies(err -> {
        assertThat(err.path()).isEqualTo("identity_sources[0].pem");
        assertThat(err.message()).contains("private_key: cannot read").contains("nope.key");
      });
      assertThat(mesh.identitySource("workload")).isSameAs(before);
    }
  }

  @Test
  void aFailedReloadLeavesNoMetersOfTheSourcesItMade() {
    TestPki.writeIdentity(dir, TestPki.leaf(CA, "spiffe://corp.test/web"), CA);
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(config("5s",
        "{ mode: mutual, source: workload }"))).scheduler(time).ticker(time)
        .meterRegistry(registry).build()) {
      // A second, readable source, and a third that cannot be read: the reload fails whole.
      MeshConfig broken = ConfigLoader.load(config("5s", "{ mode: mutual, source: workload }") + """
            - name: extra
              pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
            - name: broken
              pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
          """.formatted(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
          dir.resolve("tls.crt"), dir.resolve("nope.key"), dir.resolve("ca.crt")));
      assertThat(catchThrowableOfType(ConfigException.class, () -> mesh.reload(broken))).isNotNull();
      assertThat(registry.find(MeshMetricNames.IDENTITY_EXPIRY).gauges())
          .extracting(g -> g.getId().getTag("source")).containsExactly("workload");
    }
  }

  @Test
  void anEntryWithoutPemNeedsASourceRegisteredInCode() {
    String yaml = """
        version: 1
        service: web
        identity_sources: [{ name: spire }]
        inbound: { tls: { mode: strict, source: spire } }
        """;
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> Mesh.builder().config(ConfigLoader.load(yaml)).scheduler(time).build());
    assertThat(e.errors()).singleElement().satisfies(err -> {
      assertThat(err.path()).isEqualTo("identity_sources[0]");
      assertThat(err.message())
          .contains("no pem, no workload_api, and no identity source \"spire\" registered");
    });

    IdentitySource spire = new FixedIdentitySource("spire", CA, "spiffe://corp.test/web");
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load(yaml)).identitySource(spire)
        .scheduler(time).ticker(time).meterRegistry(registry).build()) {
      assertThat(mesh.identitySource("spire")).isSameAs(spire);
      assertThat(mesh.serverTls()).isSameAs(mesh.serverTls());
      double left = registry.get(MeshMetricNames.IDENTITY_EXPIRY).tag("source", "spire").gauge()
          .value();
      assertThat(left).isBetween(Duration.ofHours(23).toSeconds() * 1.0,
          Duration.ofDays(1).toSeconds() * 1.0);
    }
  }
}
