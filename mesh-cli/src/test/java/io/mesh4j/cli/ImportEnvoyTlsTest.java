package io.mesh4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.TlsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mesh4j import-envoy} of an Envoy bootstrap with TLS clusters and a TLS inbound listener:
 * UpstreamTlsContext → clusters[].tls, DownstreamTlsContext → inbound.tls, certificate files and
 * static secrets → pem identity sources; what cannot be expressed is refused naming the field.
 */
class ImportEnvoyTlsTest {
  static final String HCM = "type.googleapis.com/envoy.extensions.filters.network"
      + ".http_connection_manager.v3.HttpConnectionManager";
  static final String UP = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3"
      + ".UpstreamTlsContext";
  static final String DOWN = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3"
      + ".DownstreamTlsContext";
  static final String INVENTORY = "spiffe://corp.example/ns/prod/sa/inventory";

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  static String envoy(String inventoryTlsParams) {
    return """
        node: { cluster: frontend }
        static_resources:
          secrets:
          - name: default
            tls_certificate:
              certificate_chain: { filename: /etc/certs/cert-chain.pem }
              private_key: { filename: /etc/certs/key.pem }
          - name: ROOTCA
            validation_context:
              trusted_ca: { filename: /etc/certs/root-cert.pem }
          listeners:
          - name: out
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  '@type': %1$s
                  route_config:
                    virtual_hosts:
                    - name: inventory
                      domains: [inventory]
                      routes: [{match: {prefix: /}, route: {cluster: inventory}}]
                    - name: billing
                      domains: [billing]
                      routes: [{match: {prefix: /}, route: {cluster: billing}}]
          - name: in
            filter_chains:
            - filter_chain_match: { transport_protocol: tls }
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  '@type': %1$s
                  route_config:
                    virtual_hosts:
                    - name: self
                      domains: ["*"]
                      routes: [{match: {prefix: /}, direct_response: {status: 200}}]
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  '@type': %3$s
                  require_client_certificate: true
                  common_tls_context:
                    tls_certificate_sds_secret_configs: [{ name: default }]
                    validation_context_sds_secret_config: { name: ROOTCA }
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  '@type': %1$s
                  route_config:
                    virtual_hosts:
                    - name: self
                      domains: ["*"]
                      routes: [{match: {prefix: /}, direct_response: {status: 200}}]
          clusters:
          - name: inventory
            type: STRICT_DNS
            load_assignment:
              cluster_name: inventory
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: inventory.prod, port_value: 8443 } } }
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                '@type': %2$s
                sni: inventory.prod
                common_tls_context:
                  tls_params: %4$s
                  tls_certificate_sds_secret_configs: [{ name: default }]
                  combined_validation_context:
                    default_validation_context:
                      match_typed_subject_alt_names: [{ san_type: URI, matcher: { exact: "%5$s" } }]
                    validation_context_sds_secret_config: { name: ROOTCA }
          - name: billing
            type: STRICT_DNS
            load_assignment:
              cluster_name: billing
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: billing.prod, port_value: 443 } } }
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                '@type': %2$s
                common_tls_context:
                  tls_certificates:
                  - certificate_chain: { filename: /etc/billing/tls.crt }
                    private_key: { filename: /etc/billing/tls.key }
                  validation_context:
                    trusted_ca: { filename: /etc/billing/ca.crt }
                    match_typed_subject_alt_names: [{ san_type: DNS, matcher: { exact: billing.prod } }]
        """.formatted(HCM, UP, DOWN, inventoryTlsParams, INVENTORY);
  }

  int importEnvoy(String text) throws IOException {
    Path file = dir.resolve("envoy.yaml");
    Files.writeString(file, text);
    out.reset();
    err.reset();
    return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(new String[] {"import-envoy", file.toString(), "--inbound", "in"});
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tlsClustersAndTheTlsListenerBecomeClusterTlsInboundTlsAndPemIdentitySources()
      throws IOException {
    int code = importEnvoy(envoy("{ tls_minimum_protocol_version: TLSv1_3 }"));

    assertThat(code).as(err()).isZero();
    assertThat(err()).doesNotContain("REJECTED").doesNotContain("transport_socket");
    MeshConfig c = ConfigLoader.load(out.toString(StandardCharsets.UTF_8));
    assertThat(c.identitySources()).containsExactly(
        new IdentitySourceConfig("default", new IdentitySourceConfig.Pem(
            "/etc/certs/cert-chain.pem", "/etc/certs/key.pem", "/etc/certs/root-cert.pem", null),
            null),
        new IdentitySourceConfig("billing", new IdentitySourceConfig.Pem(
            "/etc/billing/tls.crt", "/etc/billing/tls.key", "/etc/billing/ca.crt", null),
            null));
    assertThat(c.cluster("inventory").tls()).isEqualTo(new TlsConfig(TlsConfig.Mode.MUTUAL,
        "inventory.prod", new TlsConfig.Verify(List.of(INVENTORY), List.of()), "1.3", "default"));
    assertThat(c.cluster("billing").tls()).isEqualTo(new TlsConfig(TlsConfig.Mode.MUTUAL, null,
        new TlsConfig.Verify(List.of(), List.of("billing.prod")), null, "billing"));
    assertThat(c.inbound().tls()).isEqualTo(
        new InboundTlsConfig(InboundTlsConfig.Mode.PERMISSIVE, "default"));
    // The key is a path in the output, masked nowhere here but never its content.
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("private_key: /etc/certs/key.pem");
  }

  @Test
  void aCipherListIsRefusedNamingItsFieldAndNoConfigIsPrinted() throws IOException {
    int code = importEnvoy(envoy("{ cipher_suites: [ECDHE-ECDSA-AES128-GCM-SHA256] }"));

    assertThat(code).isEqualTo(ImportEnvoy.REJECTED);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err().lines()).contains("REJECTED Cluster inventory: transport_socket.typed_config"
        + ".common_tls_context.tls_params.cipher_suites: not supported by mesh4j");
  }
}
