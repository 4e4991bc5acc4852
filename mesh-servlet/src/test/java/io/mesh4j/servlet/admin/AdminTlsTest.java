package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /mesh/tls} and the masking of {@code identity_sources} in {@code /mesh/config}. */
class AdminTlsTest {
  @TempDir Path dir;

  @Test
  void showsIdentitiesClustersAndInboundButNeverAKey() throws Exception {
    TestPki.Held ca = TestPki.ca("corp CA");
    TestPki.Held leaf = TestPki.leaf(ca, "spiffe://corp.test/ns/prod/sa/web");
    TestPki.writeIdentity(dir, leaf, ca);
    try (Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls: { mode: mutual, verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/api"] }, source: workload }
          - name: plain
            endpoints: [127.0.0.1:8080]
        inbound: { tls: { mode: permissive, source: workload } }
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s }
        """.formatted(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"))))
        .build()) {
      ObjectNode tls = TlsJson.tls(mesh, mesh.current());
      JsonNode source = tls.get("identity_sources").get(0);
      assertThat(source.get("name").asText()).isEqualTo("workload");
      assertThat(source.get("spiffe_id").asText()).isEqualTo("spiffe://corp.test/ns/prod/sa/web");
      assertThat(source.get("serial").asText())
          .isEqualTo(leaf.certificate().getSerialNumber().toString(16));
      assertThat(source.get("expires_in_seconds").asLong()).isGreaterThan(3600);
      assertThat(source.get("generation").asLong()).isEqualTo(1);
      assertThat(source.get("trust_bundle").get(0).get("subject").asText()).isEqualTo("CN=corp CA");
      JsonNode api = tls.get("clusters").get(0);
      assertThat(api.get("mode").asText()).isEqualTo("mutual");
      assertThat(api.get("verify").asText())
          .isEqualTo("spiffe_ids [spiffe://corp.test/ns/prod/sa/api]");
      assertThat(api.get("refused").asLong()).isZero();
      assertThat(tls.get("clusters").get(1).get("mode").asText()).isEqualTo("disabled");
      assertThat(tls.get("inbound").get("mode").asText()).isEqualTo("permissive");
      String key = leaf.privateKeyPem();
      String body = key.substring(key.indexOf('\n') + 1, key.indexOf('\n') + 40);
      String all = tls.toString() + StateJson.config(mesh, mesh.current()).toString();
      assertThat(all).doesNotContain(body).doesNotContain("PRIVATE KEY")
          .doesNotContain(dir.resolve("tls.key").toString());
      assertThat(Files.readString(dir.resolve("tls.key"))).contains(body);
    }
  }
}
