package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code clusters[].tls}, {@code inbound.tls} and {@code identity_sources}: reading and errors. */
class TlsConfigTest {
  static final String SOURCES = """
      identity_sources:
        - name: workload
          pem: { cert_chain: /s/tls.crt, private_key: /s/tls.key, trust_bundle: /s/ca.crt }
      """;

  private static List<String> errors(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml));
    assertThat(e).as("expected a ConfigException").isNotNull();
    return e.errors().stream().map(x -> x.path() + ": " + x.message()).toList();
  }

  @Test
  void readsAMutualTlsCluster() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls:
              mode: mutual
              sni: api.internal
              verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/api"] }
              min_version: 1.3
              source: workload
        inbound: { tls: { mode: permissive, source: workload } }
        """ + SOURCES);
    TlsConfig tls = c.cluster("api").tls();
    assertThat(tls).isEqualTo(new TlsConfig(TlsConfig.Mode.MUTUAL, "api.internal",
        new TlsConfig.Verify(List.of("spiffe://corp.test/ns/prod/sa/api"), List.of()), "1.3",
        "workload"));
    assertThat(c.inbound().tls())
        .isEqualTo(new InboundTlsConfig(InboundTlsConfig.Mode.PERMISSIVE, "workload"));
    assertThat(c.identitySource("workload").pem())
        .isEqualTo(new IdentitySourceConfig.Pem("/s/tls.crt", "/s/tls.key", "/s/ca.crt",
            Duration.ofSeconds(5)));
  }

  @Test
  void theBuilderMakesTheSameConfigAsTheFile() {
    MeshConfig built = MeshConfig.builder().service("web")
        .identitySourcePem("workload", "/s/tls.crt", "/s/tls.key", "/s/ca.crt")
        .cluster(cl -> cl.name("api").endpoint("127.0.0.1:8443").tls(TlsConfig.Mode.MUTUAL,
            "workload", t -> t.sni("api.internal").spiffeIds("spiffe://corp.test/ns/prod/sa/api")
                .minVersion("1.3")))
        .inboundTls(InboundTlsConfig.Mode.PERMISSIVE, "workload")
        .build();
    MeshConfig read = ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls: { mode: mutual, sni: api.internal, min_version: "1.3", source: workload,
                   verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/api"] } }
        inbound: { tls: { mode: permissive, source: workload } }
        """ + SOURCES);
    assertThat(built).isEqualTo(read);
  }

  @Test
  void eachMistakeIsReportedWithItsPath() {
    assertThat(errors("""
        version: 1
        service: web
        clusters:
          - name: a
            tls: { mode: mutual, source: nowhere }
          - name: b
            tls: { mode: disabled, verify: { spiffe_ids: ["spiffe://corp.test/x"] } }
          - name: c
            tls: { mode: simple }
          - name: d
            tls: { mode: simple, source: workload, min_version: "1.1",
                   verify: { spiffe_ids: ["spiffe://corp.test/x"], subject_alt_names: [d] } }
          - name: e
            tls: { mode: mutual, source: workload, verify: { spiffe_ids: ["https://corp.test/x", "spiffe://a/*/b"] } }
          - name: f
            tls: { mode: tls, source: workload }
        inbound: { tls: { mode: strict, source: other } }
        identity_sources:
          - name: workload
            pem: { cert_chain: /s/tls.crt, private_key: /s/tls.key, trust_bundle: /s/ca.crt, refresh: 0s }
          - name: workload
            pem: { cert_chain: /s/tls.crt }
        """)).containsExactlyInAnyOrder(
        "identity_sources[0].pem.refresh: 0s (expected: a duration > 0)",
        "identity_sources[1].name: \"workload\" (expected: a unique name; identity_sources[0] has"
            + " it already)",
        "identity_sources[1].pem.private_key: missing (expected: a file path)",
        "identity_sources[1].pem.trust_bundle: missing (expected: a file path)",
        "clusters[0].tls.source: \"nowhere\" (expected one of the identity_sources: workload)",
        "clusters[1].tls.verify: set with mode disabled (expected: mode mutual or simple, or no"
            + " verify)",
        "clusters[2].tls.source: missing (expected: an identity_sources name)",
        "clusters[3].tls.min_version: \"1.1\" (expected: 1.2 or 1.3)",
        "clusters[3].tls.verify: both spiffe_ids and subject_alt_names (expected: one of them)",
        "clusters[4].tls.verify.spiffe_ids[0]: \"https://corp.test/x\" (expected:"
            + " spiffe://trust-domain/path, or a prefix of one ending with *)",
        "clusters[4].tls.verify.spiffe_ids[1]: \"spiffe://a/*/b\" (expected:"
            + " spiffe://trust-domain/path, or a prefix of one ending with *)",
        "clusters[5].tls.mode: \"tls\" (expected: mutual, simple or disabled)",
        "inbound.tls.source: \"other\" (expected one of the identity_sources: workload)");
  }

  @Test
  void theWriterNeverLosesATlsSetting() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls: { mode: simple, source: workload, verify: { subject_alt_names: [api.internal] } }
        """ + SOURCES);
    for (ConfigWriter.Defaults d : ConfigWriter.Defaults.values()) {
      assertThat(ConfigLoader.load(ConfigWriter.yaml(c, d))).isEqualTo(c);
    }
    assertThat(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED)).contains("""
            tls:
              mode: "simple"
              verify:
                subject_alt_names:
                - "api.internal"
              source: "workload"
        """.stripIndent().strip().lines().findFirst().orElseThrow());
  }

  static final String WORKLOAD_API = """
      version: 1
      service: web
      clusters:
        - name: api
          endpoints: [127.0.0.1:8443]
          tls: { mode: mutual, source: spire }
      identity_sources:
        - name: spire
          workload_api:
            socket: unix:///run/spire/sockets/agent.sock
            spiffe_id: spiffe://example.org/ns/shop/sa/web
            initial_timeout: 200ms
        - name: env
          workload_api: {}
      """;

  @Test
  void readsWorkloadApiSourcesWithTheirDefaults() {
    MeshConfig c = ConfigLoader.load(WORKLOAD_API);
    assertThat(c.identitySource("spire")).isEqualTo(new IdentitySourceConfig("spire", null,
        new IdentitySourceConfig.WorkloadApi("unix:///run/spire/sockets/agent.sock",
            "spiffe://example.org/ns/shop/sa/web", Duration.ofMillis(200))));
    assertThat(c.identitySource("env").workloadApi())
        .isEqualTo(new IdentitySourceConfig.WorkloadApi(null, null, Duration.ofSeconds(30)));
    assertThat(c.identitySource("env").pem()).isNull();
    assertThat(ConfigLoader.load(WORKLOAD_API.replace("unix:///run/", "unix:/run/"))
        .identitySource("spire").workloadApi().socket()).isEqualTo("unix:/run/spire/sockets/agent.sock");
  }

  @Test
  void theBuilderDeclaresTheSameWorkloadApiSources() {
    MeshConfig built = MeshConfig.builder().service("web")
        .identitySourceWorkloadApi("spire", "unix:///run/spire/sockets/agent.sock",
            "spiffe://example.org/ns/shop/sa/web", Duration.ofMillis(200))
        .identitySourceWorkloadApi("env")
        .cluster(cl -> cl.name("api").endpoint("127.0.0.1:8443")
            .tls(TlsConfig.Mode.MUTUAL, "spire", t -> {}))
        .build();
    assertThat(built).isEqualTo(ConfigLoader.load(WORKLOAD_API));
  }

  @Test
  void theBuilderRejectsAMalformedWorkloadApiValueNamingTheKey() {
    MeshConfigBuilder b = MeshConfig.builder();
    assertThat(catchThrowableOfType(IllegalArgumentException.class,
        () -> b.identitySourceWorkloadApi("w", "/run/agent.sock", null, null)))
        .hasMessage("identity_sources.workload_api.socket: \"/run/agent.sock\" (expected:"
            + " unix:///absolute/path/to/socket)");
    assertThat(catchThrowableOfType(IllegalArgumentException.class,
        () -> b.identitySourceWorkloadApi("w", null, "spiffe://", null)))
        .hasMessage("identity_sources.workload_api.spiffe_id: \"spiffe://\" (expected:"
            + " spiffe://trust-domain/path)");
    assertThat(catchThrowableOfType(IllegalArgumentException.class,
        () -> b.identitySourceWorkloadApi("w", null, null, Duration.ZERO)))
        .hasMessage("identity_sources.workload_api.initial_timeout: 0s (expected: a duration > 0)");
  }

  @Test
  void theWriterKeepsWorkloadApiSourcesEvenWhenAllDefault() {
    MeshConfig c = ConfigLoader.load(WORKLOAD_API);
    for (ConfigWriter.Defaults d : ConfigWriter.Defaults.values()) {
      assertThat(ConfigLoader.load(ConfigWriter.yaml(c, d))).as(d.name()).isEqualTo(c);
    }
    assertThat(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))
        .contains("  - name: env\n    workload_api: {}\n");
  }
}
