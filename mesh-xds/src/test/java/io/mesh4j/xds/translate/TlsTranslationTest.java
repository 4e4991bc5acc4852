package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.TlsConfig;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Envoy's UpstreamTlsContext / DownstreamTlsContext → clusters[].tls, inbound.tls, identity_sources. */
class TlsTranslationTest {
  static final String NS = Fields.NOT_SUPPORTED;
  static final String UP = "'@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
  static final String DOWN = "'@type': type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  static final String SDS_CERT = "tls_certificate_sds_secret_configs: [{name: default, sds_config: {ads: {}}}]";
  static final String SDS_CA = "validation_context_sds_secret_config: {name: ROOTCA, sds_config: {ads: {}}}";
  static final String SPIFFE_INVENTORY = "spiffe://corp.example/ns/prod/sa/inventory";
  static final List<SdsBinding> WORKLOAD = List.of(new SdsBinding("workload", "default", "ROOTCA"));
  static final String P = "transport_socket.typed_config.common_tls_context";
  static final String FILES = "tls_certificates: [{certificate_chain: {filename: /certs/tls.crt},"
      + " private_key: {filename: /certs/tls.key}}], validation_context: {trusted_ca: {filename:"
      + " /certs/ca.crt}}";

  static Cluster cluster(String name, String context) {
    return Envoy.cluster("""
        name: %s
        type: STATIC
        load_assignment:
          cluster_name: %s
          endpoints:
          - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 443 } } }
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config: { %s, %s }
        """.formatted(name, name, UP, context));
  }

  static Translation translate(List<Cluster> clusters, List<Secret> secrets, List<SdsBinding> sds) {
    return EnvoyTranslator.translate(new EnvoyResources(null, null, clusters, null, secrets),
        new XdsBinding(null, null), null, sds);
  }

  static Translation translate(Cluster c) {
    return translate(List.of(c), List.of(), WORKLOAD);
  }

  static TlsConfig tls(Translation t, String cluster) {
    assertThat(t.rejected()).isEmpty();
    return t.config().cluster(cluster).tls();
  }

  @Test
  void anSdsMutualContextBecomesMutualTlsWithTheSpiffeIdsSniAndVersionAndTheSdsSource() {
    Cluster c = cluster("c", """
        sni: inventory.internal,
        common_tls_context: {
          tls_params: {tls_minimum_protocol_version: TLSv1_3},
          alpn_protocols: [h2, http/1.1],
          %s,
          combined_validation_context: {
            default_validation_context: {match_typed_subject_alt_names: [
              {san_type: URI, matcher: {exact: "%s"}},
              {san_type: URI, matcher: {prefix: "spiffe://corp.example/ns/canary/"}}]},
            %s}}
        """.formatted(SDS_CERT, SPIFFE_INVENTORY, SDS_CA));

    Translation t = translate(c);

    assertThat(tls(t, "c")).isEqualTo(new TlsConfig(TlsConfig.Mode.MUTUAL, "inventory.internal",
        new TlsConfig.Verify(List.of(SPIFFE_INVENTORY, "spiffe://corp.example/ns/canary/*"),
            List.of()), "1.3", "workload"));
    assertThat(t.config().identitySources())
        .containsExactly(new IdentitySourceConfig("workload", null, null));
    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED, "Cluster", "c",
        P + ".alpn_protocols", "the HTTP client (OkHttp) or the servlet container negotiates the "
            + "application protocol"));
  }

  @Test
  void aContextWithoutACertificateIsSimpleTlsAndTakesTheSourceOfItsValidationSecret() {
    Cluster c = cluster("c", "common_tls_context: {%s}".formatted(SDS_CA));

    assertThat(tls(translate(c), "c")).isEqualTo(new TlsConfig(TlsConfig.Mode.SIMPLE, null,
        TlsConfig.Verify.ANY, null, "workload"));
  }

  @Test
  void dnsAndUntypedNamesBecomeSubjectAltNames() {
    Cluster dns = cluster("dns", """
        common_tls_context: {%s, combined_validation_context: {default_validation_context:
          {match_typed_subject_alt_names: [{san_type: DNS, matcher: {exact: inventory.corp}},
            {san_type: IP_ADDRESS, matcher: {exact: 10.0.0.1}}]}, %s}}
        """.formatted(SDS_CERT, SDS_CA));
    Cluster untyped = cluster("untyped", """
        common_tls_context: {%s, combined_validation_context: {default_validation_context:
          {match_subject_alt_names: [{exact: "%s"}]}, %s}}
        """.formatted(SDS_CERT, SPIFFE_INVENTORY, SDS_CA));

    Translation t = translate(List.of(dns, untyped), List.of(), WORKLOAD);

    assertThat(tls(t, "dns").verify()).isEqualTo(
        new TlsConfig.Verify(List.of(), List.of("inventory.corp", "10.0.0.1")));
    assertThat(tls(t, "untyped").verify()).isEqualTo(
        new TlsConfig.Verify(List.of(SPIFFE_INVENTORY), List.of()));
  }

  @Test
  void certificateFilesBecomeOnePemSourceSharedByClustersWithTheSameFiles() {
    Cluster a = cluster("a", "common_tls_context: {%s}".formatted(FILES));
    Cluster b = cluster("b", "common_tls_context: {%s}".formatted(FILES));
    Cluster simple = cluster("simple",
        "common_tls_context: {validation_context: {trusted_ca: {filename: /certs/ca.crt}}}");

    Translation t = translate(List.of(a, b, simple), List.of(), List.of());

    IdentitySourceConfig.Pem pem = new IdentitySourceConfig.Pem("/certs/tls.crt",
        "/certs/tls.key", "/certs/ca.crt", null);
    assertThat(t.config().identitySources()).containsExactly(new IdentitySourceConfig("a", pem, null));
    assertThat(tls(t, "a")).isEqualTo(new TlsConfig(TlsConfig.Mode.MUTUAL, null,
        TlsConfig.Verify.ANY, null, "a"));
    assertThat(tls(t, "b").source()).isEqualTo("a");
    assertThat(tls(t, "simple")).isEqualTo(new TlsConfig(TlsConfig.Mode.SIMPLE, null,
        TlsConfig.Verify.ANY, null, "a"));
  }

  @Test
  void staticSecretsWithFilesServeSdsReferencesWhenNoSdsSourceDoes() {
    Secret cert = EnvoyBootstrap.merge("""
        name: default
        tls_certificate: {certificate_chain: {filename: /certs/tls.crt}, private_key: {filename: /certs/tls.key}}
        """, Secret.newBuilder()).build();
    Secret ca = EnvoyBootstrap.merge("""
        name: ROOTCA
        validation_context: {trusted_ca: {filename: /certs/ca.crt}}
        """, Secret.newBuilder()).build();
    Cluster c = cluster("c", "common_tls_context: {%s, %s}".formatted(SDS_CERT, SDS_CA));

    Translation t = translate(List.of(c), List.of(cert, ca), List.of());

    assertThat(t.config().identitySources()).containsExactly(new IdentitySourceConfig("default",
        new IdentitySourceConfig.Pem("/certs/tls.crt", "/certs/tls.key", "/certs/ca.crt", null),
        null));
    assertThat(tls(t, "c").source()).isEqualTo("default");
  }

  @Test
  void aRawBufferSocketIsPlaintext() {
    Cluster c = Envoy.cluster("""
        name: c
        transport_socket: {name: envoy.transport_sockets.raw_buffer, typed_config: {'@type': type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}}
        """);

    Translation t = translate(c);

    assertThat(tls(t, "c")).isEqualTo(TlsConfig.DISABLED);
    assertThat(t.config().identitySources()).isEmpty();
  }

  static Stream<Arguments> unsupportedUpstream() {
    String good = "%s, %s".formatted(SDS_CERT, SDS_CA);
    return Stream.of(
        Arguments.of("common_tls_context: {tls_params: {cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]}, %s}".formatted(good),
            P + ".tls_params.cipher_suites", NS),
        Arguments.of("common_tls_context: {tls_params: {tls_minimum_protocol_version: TLSv1_1}, %s}".formatted(good),
            P + ".tls_params.tls_minimum_protocol_version",
            "TLSv1_1: mesh4j speaks TLS 1.2 and 1.3 only (expected TLS_AUTO, TLSv1_2 or TLSv1_3)"),
        Arguments.of("common_tls_context: {tls_params: {tls_maximum_protocol_version: TLSv1_2}, %s}".formatted(good),
            P + ".tls_params.tls_maximum_protocol_version", "TLSv1_2: mesh4j always offers up to TLS 1.3"),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {allow_expired_certificate: true}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.allow_expired_certificate", NS),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {crl: {filename: /crl.pem}}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.crl", NS),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {verify_certificate_spki: [abc]}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.verify_certificate_spki", NS),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: URI, matcher: {safe_regex: {regex: 'spiffe://.*'}}}]}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.safe_regex", NS),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: DNS, matcher: {exact: a.corp, ignore_case: true}}]}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.ignore_case", NS),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: DNS, matcher: {prefix: inventory.}}]}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.prefix",
            "\"inventory.\": mesh4j matches a prefix of SPIFFE IDs (spiffe://...) only; other names exactly"),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: EMAIL, matcher: {exact: a@corp}}]}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].san_type",
            "EMAIL: mesh4j matches URI (SPIFFE ID), DNS and IP_ADDRESS names"),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: URI, matcher: {exact: '%s'}}, {san_type: DNS, matcher: {exact: a.corp}}]}, %s}}".formatted(SDS_CERT, SPIFFE_INVENTORY, SDS_CA),
            P + ".combined_validation_context.default_validation_context",
            "matches both SPIFFE IDs [" + SPIFFE_INVENTORY + "] and other names [a.corp]: mesh4j's verify takes one kind (spiffe_ids or subject_alt_names)"),
        Arguments.of("common_tls_context: {%s, combined_validation_context: {default_validation_context: {trusted_ca: {filename: /ca.crt}}, %s}}".formatted(SDS_CERT, SDS_CA),
            P + ".combined_validation_context.default_validation_context.trusted_ca",
            "next to an SDS validation context: the trusted CAs come from the SDS secret"),
        Arguments.of("allow_renegotiation: true, common_tls_context: {%s}".formatted(good),
            "transport_socket.typed_config.allow_renegotiation", NS),
        Arguments.of("common_tls_context: {%s, tls_certificates: [{certificate_chain: {filename: /a.crt}, private_key: {filename: /a.key}}], %s}".formatted(SDS_CERT, SDS_CA),
            P, "2 certificates (tls_certificates, tls_certificate_sds_secret_configs): mesh4j presents one identity"),
        Arguments.of("common_tls_context: {tls_certificates: [{certificate_chain: {filename: /a.crt}, private_key: {filename: /a.key}}], %s}".formatted(SDS_CA),
            P, "mixes SDS secrets with inline certificate material: a mesh4j identity source serves the certificate and the trusted CAs together"),
        Arguments.of("common_tls_context: {%s}".formatted(SDS_CERT),
            P, "no trusted CA (validation_context, validation_context_sds_secret_config or combined_validation_context): mesh4j always verifies the peer's certificate chain"),
        Arguments.of("common_tls_context: {tls_certificate_sds_secret_configs: [{name: other}], %s}".formatted(SDS_CA),
            P + ".tls_certificate_sds_secret_configs[0]", "no identity source serves tls_certificate secret \"other\" with validation_context secret \"ROOTCA\" (SDS identity sources: [SdsBinding[source=workload, certificate=default, validationContext=ROOTCA]]; static secrets: []); give the XdsClient an SdsIdentitySource for these secrets, or the bootstrap static_resources.secrets with files"),
        Arguments.of("common_tls_context: {tls_certificates: [{certificate_chain: {inline_string: 'PEM'}, private_key: {filename: /a.key}}], validation_context: {trusted_ca: {filename: /ca.crt}}}",
            P + ".tls_certificates[0].certificate_chain.inline_string", "inline certificate material is not carried into a mesh4j config (it would print keys); use files, or SDS secrets over the xDS client"),
        Arguments.of("common_tls_context: {tls_certificates: [{certificate_chain: {filename: /a.crt}, private_key: {filename: /a.key}, ocsp_staple: {filename: /ocsp}}], validation_context: {trusted_ca: {filename: /ca.crt}}}",
            P + ".tls_certificates[0].ocsp_staple", NS),
        Arguments.of("common_tls_context: {validation_context: {trusted_ca: {filename: /other-ca.crt}}}",
            P + ".validation_context.trusted_ca", "a trusted CA without a certificate: a mesh4j identity source pairs the CAs with the workload certificate; give a cluster or listener with the same trusted_ca a tls_certificates entry, or serve both over SDS"),
        Arguments.of("common_tls_context: {%s, key_log: {path: /tmp/keys}}".formatted(good), P + ".key_log", NS));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("unsupportedUpstream")
  void whatMesh4jCannotExpressInAnUpstreamContextIsRejectedByItsPath(String context, String field,
      String message) {
    Translation t = translate(cluster("c", context));

    assertThat(t.accepted()).isFalse();
    assertThat(t.rejected()).contains(
        new TranslationIssue(Severity.REJECTED, "Cluster", "c", field, message));
  }

  @Test
  void aTransportSocketOfAnotherKindIsRejected() {
    Cluster c = Envoy.cluster("""
        name: c
        transport_socket: {name: tls, typed_config: {%s}}
        """.formatted(DOWN));

    assertThat(translate(c).rejected()).containsExactly(new TranslationIssue(Severity.REJECTED,
        "Cluster", "c", "transport_socket.typed_config", "envoy.extensions.transport_sockets.tls.v3"
            + ".DownstreamTlsContext: " + NS + " (expected an UpstreamTlsContext)"));
  }

  // ------------------------------------------------------------------------------ downstream

  static final String HCM = ListenerTranslationTest.HCM;
  static final String ROUTER = ListenerTranslationTest.ROUTER;

  static String chain(String transportSocket) {
    return """
        - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config: { %s, http_filters: [%s], route_config: { name: local, virtual_hosts: [{name: self, domains: ["*"], routes: [{match: {prefix: /}, direct_response: {status: 200}}]}]} }
        %s""".formatted(HCM, ROUTER, transportSocket == null ? ""
        : "  transport_socket: {name: envoy.transport_sockets.tls, typed_config: {" + DOWN + ", "
            + transportSocket + "}}\n");
  }

  static Listener inbound(String... chains) {
    return Envoy.listener("name: in\nfilter_chains:\n" + String.join("", chains));
  }

  static Translation translateInbound(Listener l, MeshConfig base) {
    return EnvoyTranslator.translate(new EnvoyResources(List.of(l), null, null, null, null),
        new XdsBinding(null, List.of("in")), base, WORKLOAD);
  }

  static final String STRICT = "require_client_certificate: true, common_tls_context: {%s, %s}"
      .formatted(SDS_CERT, SDS_CA);

  @Test
  void aTlsChainThatRequiresClientCertificatesIsStrict() {
    Translation t = translateInbound(inbound(chain(STRICT)), null);

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().inbound().tls()).isEqualTo(
        new InboundTlsConfig(InboundTlsConfig.Mode.STRICT, "workload"));
    assertThat(t.config().identitySources())
        .containsExactly(new IdentitySourceConfig("workload", null, null));
  }

  @Test
  void aTlsChainNextToAPlaintextChainWithTheSameFiltersIsPermissive() {
    Listener l = inbound(
        chain(STRICT).replaceFirst("- filters:", "- filter_chain_match: {transport_protocol: tls}\n  filters:"),
        chain(null));

    Translation t = translateInbound(l, null);

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().inbound().tls()).isEqualTo(
        new InboundTlsConfig(InboundTlsConfig.Mode.PERMISSIVE, "workload"));
  }

  @Test
  void theFilesInboundTlsWinsOverTheListeners() {
    MeshConfig base = ConfigLoader.load("""
        version: 1
        service: s
        identity_sources: [{name: other}]
        inbound: {tls: {mode: permissive, source: other}}
        """);

    Translation t = translateInbound(inbound(chain(STRICT)), base);

    assertThat(t.config().inbound().tls()).isEqualTo(
        new InboundTlsConfig(InboundTlsConfig.Mode.PERMISSIVE, "other"));
    assertThat(t.issues()).contains(new TranslationIssue(Severity.IGNORED, "Listener", "in", "",
        "its TLS (inbound.tls mode strict, source workload): the file's inbound.tls wins"));
  }

  @Test
  void anOutboundListenersTransportSocketIsIgnoredWithItsReason() {
    Listener l = Envoy.listener("name: in\nfilter_chains:\n" + chain(STRICT));

    Translation t = EnvoyTranslator.translate(new EnvoyResources(List.of(l), null, null, null),
        XdsBinding.outbound("in"), null, WORKLOAD);

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().inbound().tls()).isNull();
    assertThat(t.issues()).contains(new TranslationIssue(Severity.IGNORED, "Listener", "in",
        "filter_chains[0].transport_socket", "the outbound side's listener: TLS from the"
            + " application to itself has no meaning in-process (clusters[].tls covers the calls"
            + " it makes)"));
  }

  static final String D = "filter_chains[0].transport_socket.typed_config";

  static Stream<Arguments> unsupportedDownstream() {
    return Stream.of(
        Arguments.of("common_tls_context: {%s, %s}".formatted(SDS_CERT, SDS_CA),
            D + ".require_client_certificate", "not true: mesh4j's inbound.tls requires client"
                + " certificates (strict) or also accepts plaintext (permissive: a listener with a"
                + " TLS and a plaintext filter chain)"),
        Arguments.of("require_client_certificate: true, common_tls_context: {%s}".formatted(SDS_CA),
            D + ".common_tls_context", "no certificate: the server side serves the workload"
                + " certificate (expected tls_certificates or tls_certificate_sds_secret_configs)"),
        Arguments.of("ocsp_staple_policy: MUST_STAPLE, " + STRICT, D + ".ocsp_staple_policy", NS),
        Arguments.of("require_sni: true, " + STRICT, D + ".require_sni", NS),
        Arguments.of("require_client_certificate: true, common_tls_context: {%s, combined_validation_context: {default_validation_context: {match_typed_subject_alt_names: [{san_type: URI, matcher: {exact: '%s'}}]}, %s}}".formatted(SDS_CERT, SPIFFE_INVENTORY, SDS_CA),
            D + ".common_tls_context.combined_validation_context.default_validation_context",
            "inbound.tls checks no client names (any client the trust bundle vouches for is"
                + " accepted); allow callers with inbound.authz principals instead"),
        Arguments.of("require_client_certificate: true, common_tls_context: {tls_params: {tls_minimum_protocol_version: TLSv1_3}, %s, %s}".formatted(SDS_CERT, SDS_CA),
            D + ".common_tls_context.tls_params.tls_minimum_protocol_version",
            "TLSv1_3: inbound.tls has no min_version (the server context offers TLS 1.2 and 1.3)"),
        Arguments.of("require_client_certificate: true, common_tls_context: {tls_params: {ecdh_curves: [P-256]}, %s, %s}".formatted(SDS_CERT, SDS_CA),
            D + ".common_tls_context.tls_params.ecdh_curves", NS));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("unsupportedDownstream")
  void whatMesh4jCannotExpressInADownstreamContextIsRejectedByItsPath(String context, String field,
      String message) {
    Translation t = translateInbound(inbound(chain(context)), null);

    assertThat(t.accepted()).isFalse();
    assertThat(t.rejected()).contains(
        new TranslationIssue(Severity.REJECTED, "Listener", "in", field, message));
  }

  @Test
  void twoTlsChainsAreStillRejected() {
    Translation t = translateInbound(inbound(chain(STRICT), chain(STRICT)), null);

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED, "Listener",
        "in", "filter_chains", "2 filter chains (mesh4j takes one HTTP connection manager per"
            + " listener, or on the inbound side a TLS and a plaintext chain with the same"
            + " filters (permissive))"));
  }
}
