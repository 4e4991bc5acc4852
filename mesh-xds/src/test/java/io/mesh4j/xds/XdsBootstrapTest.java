package io.mesh4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XdsBootstrapTest {

  @Test
  void aFullBootstrapFileIsReadWithEveryField(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    Path cert = Files.writeString(dir.resolve("me.pem"), "x");
    Path key = Files.writeString(dir.resolve("me.key"), "x");
    Path file = Files.writeString(dir.resolve("xds.yaml"), """
        server: istiod.istio-system:15012
        tls: { trusted_ca: %s, client_cert: %s, client_key: %s }
        node:
          id: frontend-7f9c
          cluster: frontend
          metadata: { zone: eu-west-1a, revision: 3 }
        outbound: [frontend-outbound, shared-routes]
        inbound: frontend-inbound
        backoff: { initial: 250ms, max: 1m }
        """.formatted(ca, cert, key));

    XdsBootstrap b = XdsBootstrap.load(file);

    assertThat(b.host()).isEqualTo("istiod.istio-system");
    assertThat(b.port()).isEqualTo(15012);
    assertThat(b.server()).isEqualTo("istiod.istio-system:15012");
    assertThat(b.tls()).isTrue();
    assertThat(b.trustedCa()).isEqualTo(ca);
    assertThat(b.clientCert()).isEqualTo(cert);
    assertThat(b.clientKey()).isEqualTo(key);
    assertThat(b.nodeId()).isEqualTo("frontend-7f9c");
    assertThat(b.nodeCluster()).isEqualTo("frontend");
    assertThat(b.nodeMetadata()).containsExactly(Map.entry("zone", "eu-west-1a"),
        Map.entry("revision", "3"));
    assertThat(b.binding().outbound()).containsExactly("frontend-outbound", "shared-routes");
    assertThat(b.binding().inbound()).containsExactly("frontend-inbound");
    assertThat(b.initialBackoff()).isEqualTo(Duration.ofMillis(250));
    assertThat(b.maxBackoff()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aMinimalBootstrapIsPlaintextWithDefaultBackoff() {
    XdsBootstrap b = XdsBootstrap.parse(
        "{\"server\": \"[::1]:18000\", \"node\": {\"id\": \"n\"}, \"outbound\": [\"out\"]}");

    assertThat(b.host()).isEqualTo("::1");
    assertThat(b.server()).isEqualTo("[::1]:18000");
    assertThat(b.tls()).isFalse();
    assertThat(b.nodeCluster()).isNull();
    assertThat(b.nodeMetadata()).isEmpty();
    assertThat(b.binding().inbound()).isEmpty();
    assertThat(b.initialBackoff()).isEqualTo(XdsBootstrap.DEFAULT_INITIAL_BACKOFF);
    assertThat(b.maxBackoff()).isEqualTo(XdsBootstrap.DEFAULT_MAX_BACKOFF);
  }

  @Test
  void everyProblemIsReportedWithItsPath() {
    assertThatThrownBy(() -> XdsBootstrap.parse("""
        server: nohost
        tls: { client_cert: /nonexistent/me.pem }
        node: { cluster: c, metadata: { a: [1] }, zone: z }
        outbound: [out, out, 7]
        backoff: { initial: 2s, max: 1s, jitter: full }
        extra: 1
        """))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
            new ConfigError("extra", "unknown key (expected one of: server, tls, node, outbound, "
                + "inbound, backoff)"),
            new ConfigError("node.zone", "unknown key (expected one of: id, cluster, metadata)"),
            new ConfigError("node.metadata.a", "expected a string"),
            new ConfigError("outbound[2]", "expected a name"),
            new ConfigError("backoff.jitter", "unknown key (expected one of: initial, max)"),
            new ConfigError("server", "\"nohost\" (expected: host:port)"),
            new ConfigError("node.id", "required"),
            new ConfigError("tls.trusted_ca", "required with tls"),
            new ConfigError("tls.client_key", "client_cert and client_key go together"),
            new ConfigError("tls.client_cert", "cannot read /nonexistent/me.pem"),
            new ConfigError("outbound[1]", "\"out\" is listed twice"),
            new ConfigError("backoff.max", "1s (expected: >= backoff.initial 2s)")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "server: 127.0.0.1:0         | server | \"127.0.0.1:0\" (expected: host:port)",
    "server: 127.0.0.1:65536     | server | \"127.0.0.1:65536\" (expected: host:port)",
    "server: ':80'               | server | \":80\" (expected: host:port)",
    "backoff: { initial: 0ms }   | backoff.initial | 0ms (expected: >= 1ms)",
    "backoff: { initial: 1 }     | backoff.initial | \"1\" (expected: a whole duration with a unit: ms, s, m or h, e.g. 250ms, 2s)",
    "outbound: []                | outbound | name at least one listener or route configuration (outbound or inbound)",
  })
  void oneBadValueGivesOneError(String line, String path, String message) {
    String key = line.substring(0, line.indexOf(':') + 1);
    StringBuilder yaml = new StringBuilder(line).append('\n');
    for (String base : List.of("server: 127.0.0.1:18000", "node: { id: n }", "outbound: [out]")) {
      if (!base.startsWith(key)) yaml.append(base).append('\n');
    }
    assertThatThrownBy(() -> XdsBootstrap.parse(yaml.toString()))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.errors()).containsExactly(new ConfigError(path, message)));
  }

  @Test
  void theBuilderValidatesLikeTheFile() {
    assertThatThrownBy(() -> XdsBootstrap.builder().server("127.0.0.1:1").outbound("o").build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
            .containsExactly(new ConfigError("node.id", "required")));
    XdsBootstrap b = XdsBootstrap.builder().server("127.0.0.1:1").nodeId("n").inbound("in")
        .nodeMetadata("k", "v").build();
    assertThat(b.binding().inbound()).isEqualTo(List.of("in"));
    assertThat(b.toString())
        .isEqualTo("XdsBootstrap{server=127.0.0.1:1, node=n, tls=false, outbound=[], inbound=[in]}");
  }

  @Test
  void unparseableTextIsOneDocumentError() {
    assertThatThrownBy(() -> XdsBootstrap.parse("server: [unclosed"))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.errors()).hasSize(1);
          assertThat(e.errors().get(0).path()).isEmpty();
          assertThat(e.errors().get(0).message()).startsWith("not valid YAML/JSON: ");
        });
  }
}
