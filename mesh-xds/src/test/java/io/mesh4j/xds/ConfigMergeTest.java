package io.mesh4j.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ExtensionRef;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The file + xDS rule: the file is the base and wins same-named clusters and virtual hosts. */
class ConfigMergeTest {
  static final MeshConfig FILE = ConfigLoader.load("""
      version: 1
      service: from-file
      propagate: { headers: [x-tenant] }
      admin: { enabled: true }
      clusters:
        - { name: payments, endpoints: ["10.0.0.1:80"] }
        - { name: inventory, endpoints: ["10.0.0.2:80"] }
      outbound:
        virtual_hosts:
          - { name: inventory, domains: [inventory], routes: [{ match: { prefix: / }, to: inventory }] }
      inbound:
        trusted_proxies: ["10.0.0.0/8"]
        health_path: /healthz
        virtual_hosts:
          - { name: self, domains: ["*"], routes: [{ match: { prefix: /local }, respond: { status: 204 } }] }
      """);
  static final MeshConfig XDS = ConfigLoader.load("""
      version: 1
      service: from-xds
      clusters:
        - { name: inventory, endpoints: ["10.9.9.9:80"] }
        - { name: search, endpoints: ["10.0.0.3:80"] }
      outbound:
        virtual_hosts:
          - { name: search, domains: [search], routes: [{ match: { prefix: / }, to: search }] }
          - { name: inventory, domains: [inventory, inv], routes: [{ match: { prefix: / }, to: search }] }
      inbound:
        virtual_hosts:
          - { name: self, domains: ["*"], routes: [{ match: { prefix: / }, respond: { status: 403 } }] }
      """);

  @Test
  void theFilesEntriesComeFirstAndWinAndXdsAddsTheRest() {
    ConfigMerge.Result r = ConfigMerge.merge(FILE, XDS);

    MeshConfig m = r.config();
    assertThat(m.clusters()).extracting(ClusterConfig::name)
        .containsExactly("payments", "inventory", "search");
    assertThat(m.cluster("inventory").endpoints().get(0).address()).isEqualTo("10.0.0.2:80");
    assertThat(m.outbound().virtualHosts()).extracting(VirtualHostConfig::name)
        .containsExactly("inventory", "search");
    assertThat(m.outbound().virtualHosts().get(0)).isEqualTo(FILE.outbound().virtualHosts().get(0));
    assertThat(m.inbound().virtualHosts()).isEqualTo(FILE.inbound().virtualHosts());
    assertThat(r.overridden()).containsExactly("cluster inventory", "outbound virtual host inventory",
        "inbound virtual host self");
  }

  @Test
  void settingsXdsDoesNotExpressComeFromTheFile() {
    MeshConfig m = ConfigMerge.merge(FILE, XDS).config();

    assertThat(m.service()).isEqualTo("from-file");
    assertThat(m.propagate()).isEqualTo(FILE.propagate());
    assertThat(m.admin()).isEqualTo(FILE.admin());
    assertThat(m.inbound().trustedProxies()).isEqualTo(FILE.inbound().trustedProxies());
    assertThat(m.inbound().healthPath()).isEqualTo("/healthz");
    assertThat(m.inbound().authz()).isEqualTo(FILE.inbound().authz());
  }

  @Test
  void theFilesTopLevelPoliciesAreKept() {
    MeshConfig withPolicies = new MeshConfig(FILE.version(), FILE.service(), FILE.clusters(),
        FILE.outbound(), FILE.inbound(), FILE.propagate(), FILE.admin(),
        List.of(ExtensionRef.of("audit")), null, null);

    assertThat(ConfigMerge.merge(withPolicies, XDS).config().policies())
        .containsExactly(ExtensionRef.of("audit"));
  }

  @Test
  void theFilesTlsSettingsAndIdentitySourcesAreKept() {
    MeshConfig withTls = ConfigLoader.load("""
        version: 1
        service: from-file
        clusters:
          - name: payments
            endpoints: ["10.0.0.1:443"]
            tls: { mode: mutual, verify: { spiffe_ids: ["spiffe://corp/ns/prod/sa/payments"] }, source: workload }
        inbound: { tls: { mode: strict, source: workload } }
        identity_sources:
          - name: workload
            pem: { cert_chain: /s/tls.crt, private_key: /s/tls.key, trust_bundle: /s/ca.crt }
        """);

    MeshConfig m = ConfigMerge.merge(withTls, XDS).config();

    assertThat(m.identitySources()).isEqualTo(withTls.identitySources());
    assertThat(m.inbound().tls()).isEqualTo(withTls.inbound().tls());
    assertThat(m.cluster("payments").tls()).isEqualTo(withTls.cluster("payments").tls());
    assertThat(io.mesh4j.config.ConfigValidator.validate(m)).isEmpty();
  }

  @Test
  void anEmptyFileTakesEverythingFromXdsWithNoOverride() {
    MeshConfig empty = ConfigLoader.load("version: 1\nservice: s\n");

    ConfigMerge.Result r = ConfigMerge.merge(empty, XDS);

    assertThat(r.overridden()).isEmpty();
    assertThat(r.config().clusters()).isEqualTo(XDS.clusters());
    assertThat(r.config().outbound()).isEqualTo(XDS.outbound());
    assertThat(r.config().inbound().virtualHosts()).isEqualTo(XDS.inbound().virtualHosts());
    assertThat(r.config().service()).isEqualTo("s");
  }

  @Test
  void pathNormalizationComesFromTheFileUnlessTheFileLeavesTheDefault() {
    PathNormalizationConfig strict =
        new PathNormalizationConfig(true, true, PathNormalizationConfig.EscapedSlashes.KEEP_UNCHANGED);
    PathNormalizationConfig loose = new PathNormalizationConfig(false, true,
        PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_FORWARD);
    MeshConfig file = withPaths(FILE, strict);
    MeshConfig xds = withPaths(XDS, loose);

    assertThat(ConfigMerge.merge(file, xds).config().pathNormalization()).isEqualTo(strict);
    assertThat(ConfigMerge.merge(FILE, xds).config().pathNormalization()).isEqualTo(loose);
    assertThat(ConfigMerge.merge(FILE, XDS).config().pathNormalization())
        .isEqualTo(PathNormalizationConfig.DEFAULT);
  }

  private static MeshConfig withPaths(MeshConfig c, PathNormalizationConfig paths) {
    return new MeshConfig(c.version(), c.service(), c.clusters(), c.outbound(), c.inbound(),
        c.propagate(), c.admin(), c.policies(), paths, null);
  }
}
