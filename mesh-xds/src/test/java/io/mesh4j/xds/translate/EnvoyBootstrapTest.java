package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.xds.translate.TranslationIssue.Severity;
import org.junit.jupiter.api.Test;

class EnvoyBootstrapTest {
  @Test
  void readsStaticListenersAndClustersAndTheNodeFromYaml() {
    EnvoyBootstrap.Parsed p = EnvoyBootstrap.parse("""
        node: { id: web-1, cluster: web }
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }
        static_resources:
          clusters:
          - name: a
            type: STATIC
            load_assignment: { cluster_name: a, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }] }
          listeners:
          - name: l
            filter_chains: [{ filters: [{ name: hcm, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stat_prefix: s, route_config: { name: r } } }] }]
        """);

    assertThat(p.node()).isEqualTo("web");
    assertThat(p.resources().clusters()).hasSize(1);
    assertThat(p.resources().clusters().get(0).getName()).isEqualTo("a");
    assertThat(p.resources().listeners().get(0).getName()).isEqualTo("l");
    assertThat(p.issues()).containsExactly(new TranslationIssue(Severity.IGNORED, "Bootstrap", "",
        "admin", "configures the proxy process, not routing"));
  }

  @Test
  void readsJsonWithCamelCaseNamesAsEnvoyDoes() {
    EnvoyBootstrap.Parsed p = EnvoyBootstrap.parse("""
        {"node": {"id": "web-1"},
         "staticResources": {"clusters": [{"name": "a", "connectTimeout": "1s"}]}}
        """);

    assertThat(p.node()).isEqualTo("web-1");
    assertThat(p.resources().clusters().get(0).getConnectTimeout().getSeconds()).isEqualTo(1);
  }

  @Test
  void aMisspeltFieldIsAnErrorNamingTheResource() {
    assertThatThrownBy(() -> EnvoyBootstrap.parse("""
        static_resources:
          clusters:
          - name: a
          - name: b
            lb_polcy: RANDOM
        """))
        .isInstanceOf(EnvoyParseException.class)
        .hasMessageStartingWith("static_resources.clusters[1]: ")
        .hasMessageContaining("lb_polcy");
  }

  @Test
  void anUnknownTypedConfigIsAnErrorNamingTheType() {
    assertThatThrownBy(() -> EnvoyBootstrap.parse("""
        static_resources:
          listeners:
          - name: l
            filter_chains: [{ filters: [{ name: x, typed_config: { "@type": type.googleapis.com/acme.Filter } }] }]
        """))
        .isInstanceOf(EnvoyParseException.class)
        .hasMessageStartingWith("static_resources.listeners[0]: ")
        .hasMessageContaining("acme.Filter");
  }

  @Test
  void aBootstrapWithoutStaticResourcesOrWithAnUnknownTopLevelKeyIsAnError() {
    assertThatThrownBy(() -> EnvoyBootstrap.parse("node: { id: x }\n"))
        .isInstanceOf(EnvoyParseException.class).hasMessage("no static_resources");
    assertThatThrownBy(() -> EnvoyBootstrap.parse("static_resource: {}\n"))
        .isInstanceOf(EnvoyParseException.class)
        .hasMessage("static_resource: not a field of an Envoy v3 bootstrap");
    assertThatThrownBy(() -> EnvoyBootstrap.parse("a: [b\n"))
        .isInstanceOf(EnvoyParseException.class).hasMessageStartingWith("syntax error at line ");
  }
}
