package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An outbound route's {@code verify}: reading, building, writing and every error with its path. */
class RouteVerifyConfigTest {
  static final String CLUSTERS = """
      version: 1
      service: web
      clusters:
        - name: api
          endpoints: [127.0.0.1:8443]
          tls: { mode: mutual, verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/*"] }, source: workload }
        - name: api-simple
          endpoints: [127.0.0.1:8444]
          tls: { mode: simple, source: workload }
        - name: plain
          endpoints: [127.0.0.1:8080]
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
  void readsARouteVerifyAndTheBuilderMakesTheSame() {
    MeshConfig read = ConfigLoader.load(CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - name: payments
                  match: { prefix: /payments/ }
                  to: api
                  verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/payments"] }
                - name: rest
                  split: [ { cluster: api, weight: 1 }, { cluster: api-simple, weight: 1 } ]
                  verify: { subject_alt_names: [api.internal] }
        """);
    List<RouteConfig> routes = read.outbound().virtualHosts().get(0).routes();
    assertThat(routes.get(0).verify()).isEqualTo(
        new TlsConfig.Verify(List.of("spiffe://corp.test/ns/prod/sa/payments"), List.of()));
    assertThat(routes.get(1).verify())
        .isEqualTo(new TlsConfig.Verify(List.of(), List.of("api.internal")));

    MeshConfig built = MeshConfig.builder().service("web")
        .identitySourcePem("workload", "/s/tls.crt", "/s/tls.key", "/s/ca.crt")
        .cluster(cl -> cl.name("api").endpoint("127.0.0.1:8443").tls(TlsConfig.Mode.MUTUAL,
            "workload", t -> t.spiffeIds("spiffe://corp.test/ns/prod/*")))
        .cluster(cl -> cl.name("api-simple").endpoint("127.0.0.1:8444")
            .tls(TlsConfig.Mode.SIMPLE, "workload", t -> {}))
        .cluster(cl -> cl.name("plain").endpoint("127.0.0.1:8080"))
        .outbound(vh -> vh.name("api")
            .route(r -> r.name("payments").prefix("/payments/").to("api")
                .verifySpiffeIds("spiffe://corp.test/ns/prod/sa/payments"))
            .route(r -> r.name("rest").split("api", 1).split("api-simple", 1)
                .verifySubjectAltNames("api.internal")))
        .build();
    assertThat(built).isEqualTo(read);
  }

  @Test
  void theWriterKeepsARouteVerifyInEveryStyle() {
    MeshConfig c = ConfigLoader.load(CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - { name: p, to: api, verify: { spiffe_ids: ["spiffe://corp.test/ns/prod/sa/p*"] } }
        """);
    for (ConfigWriter.Defaults d : ConfigWriter.Defaults.values()) {
      assertThat(ConfigLoader.load(ConfigWriter.yaml(c, d))).as(d.name()).isEqualTo(c);
    }
    assertThat(ConfigWriter.yaml(c, ConfigWriter.Defaults.OMITTED))
        .contains("verify:").contains("spiffe://corp.test/ns/prod/sa/p*");
  }

  @Test
  void aRouteVerifyIsRefusedWhereItCannotHoldWithItsPath() {
    assertThat(errors(CLUSTERS + """
        outbound:
          virtual_hosts:
            - name: api
              routes:
                - { name: to-plain, match: { prefix: /a }, to: plain, verify: { spiffe_ids: ["spiffe://corp.test/a"] } }
                - name: split-plain
                  match: { prefix: /b }
                  split: [ { cluster: api, weight: 1 }, { cluster: plain, weight: 1 } ]
                  verify: { spiffe_ids: ["spiffe://corp.test/a"] }
                - name: mirror-plain
                  match: { prefix: /c }
                  to: api
                  mirror: { cluster: plain }
                  verify: { spiffe_ids: ["spiffe://corp.test/a"] }
                - { name: respond, match: { prefix: /d }, respond: { status: 204 }, verify: { spiffe_ids: ["spiffe://corp.test/a"] } }
                - { name: empty, match: { prefix: /e }, to: api, verify: {} }
                - { name: both, match: { prefix: /f }, to: api, verify: { spiffe_ids: ["spiffe://corp.test/a"], subject_alt_names: [x] } }
                - { name: bad-id, match: { prefix: /g }, to: api, verify: { spiffe_ids: ["http://corp.test/a", "spiffe://corp.test/*/x"] } }
                - { name: typo, match: { prefix: /h }, to: api, verify: { spiffe_id: ["spiffe://corp.test/a"] } }
        inbound:
          virtual_hosts:
            - name: self
              routes:
                - { name: in, verify: { spiffe_ids: ["spiffe://corp.test/a"] } }
        """)).containsExactlyInAnyOrder(
        "outbound.virtual_hosts[0].routes[0].verify: cluster \"plain\" (clusters[2]) speaks"
            + " plaintext (expected: every cluster the route sends to, its mirror included, with"
            + " tls mode mutual or simple; a server identity is only known over TLS)",
        "outbound.virtual_hosts[0].routes[1].verify: cluster \"plain\" (clusters[2]) speaks"
            + " plaintext (expected: every cluster the route sends to, its mirror included, with"
            + " tls mode mutual or simple; a server identity is only known over TLS)",
        "outbound.virtual_hosts[0].routes[2].verify: cluster \"plain\" (clusters[2]) speaks"
            + " plaintext (expected: every cluster the route sends to, its mirror included, with"
            + " tls mode mutual or simple; a server identity is only known over TLS)",
        "outbound.virtual_hosts[0].routes[3].verify: not allowed with respond (expected: only on"
            + " routes with to or split)",
        "outbound.virtual_hosts[0].routes[4].verify: no spiffe_ids and no subject_alt_names"
            + " (expected: one of them, non-empty)",
        "outbound.virtual_hosts[0].routes[5].verify: both spiffe_ids and subject_alt_names"
            + " (expected: one of them)",
        "outbound.virtual_hosts[0].routes[6].verify.spiffe_ids[0]: \"http://corp.test/a\""
            + " (expected: spiffe://trust-domain/path, or a prefix of one ending with *)",
        "outbound.virtual_hosts[0].routes[6].verify.spiffe_ids[1]: \"spiffe://corp.test/*/x\""
            + " (expected: spiffe://trust-domain/path, or a prefix of one ending with *)",
        "outbound.virtual_hosts[0].routes[7].verify.spiffe_id: unknown key (expected one of:"
            + " spiffe_ids, subject_alt_names)",
        "outbound.virtual_hosts[0].routes[7].verify: no spiffe_ids and no subject_alt_names"
            + " (expected: one of them, non-empty)",
        "inbound.virtual_hosts[0].routes[0].verify: not allowed on inbound routes (expected: only"
            + " on outbound routes; a client's identity is checked with match.principals and authz"
            + " rules)");
  }
}
