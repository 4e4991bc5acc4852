package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners: the HTTP connection manager, its filters, RDS and the binding to a direction. */
class ListenerTranslationTest {
  static final String HCM = "'@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  static final String ROUTER = "{name: envoy.filters.http.router, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}";
  static final String FAULT_ABORT_10 = "{name: envoy.filters.http.fault, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, abort: {http_status: 503, percentage: {numerator: 10}}}}";

  static Listener listener(String name, String hcmBody) {
    return Envoy.listener("""
        name: %s
        address: { socket_address: { address: 0.0.0.0, port_value: 10000 } }
        filter_chains:
        - filters:
          - name: envoy.filters.network.http_connection_manager
            typed_config: { %s, stat_prefix: ingress, %s }
        """.formatted(name, HCM, hcmBody));
  }

  static Translation translate(List<Listener> listeners, XdsBinding binding,
      io.envoyproxy.envoy.config.route.v3.RouteConfiguration... rcs) {
    return EnvoyTranslator.translate(
        new EnvoyResources(listeners, List.of(rcs), Envoy.abShadow(), null), binding, null);
  }

  @Test
  void anInlineRouteConfigIsFollowedAndTheListenerLevelFaultAppliesToEveryRouteWithoutItsOwn() {
    Listener l = listener("out", """
        http_filters: [%s, %s],
        route_config: { name: local, virtual_hosts: [{name: svc, domains: [svc], routes: [
          {match: {prefix: /a}, route: {cluster: a}},
          {match: {prefix: /b}, route: {cluster: b}, typed_per_filter_config: {envoy.filters.http.fault: {'@type': type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true}}}]}]}
        """.formatted(FAULT_ABORT_10, ROUTER));

    Translation t = translate(List.of(l), XdsBinding.outbound("out"));

    assertThat(t.issues()).containsExactly(new TranslationIssue(Severity.IGNORED, "Listener", "out",
        "address", "mesh4j runs in-process: it listens on no socket"),
        new TranslationIssue(Severity.IGNORED, "Listener", "out",
            "filter_chains[0].filters[0].typed_config.stat_prefix",
            "cosmetic (names, statistics, logs, tracing, metadata)"));
    List<RouteConfig> routes = t.config().outbound().virtualHosts().get(0).routes();
    assertThat(routes.get(0).fault()).isEqualTo(new FaultConfig(null, new FaultConfig.Abort(503, 10.0)));
    assertThat(routes.get(1).fault()).isNull();
  }

  @Test
  void aPerRouteFaultWithoutTheFaultFilterIsIgnoredAsEnvoyIgnoresIt() {
    Listener l = listener("out", """
        http_filters: [%s],
        route_config: { name: local, virtual_hosts: [{name: svc, domains: [svc], routes: [
          {match: {prefix: /}, route: {cluster: a}, typed_per_filter_config: {envoy.filters.http.fault: {'@type': type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, abort: {http_status: 500, percentage: {numerator: 100}}}}}]}]}
        """.formatted(ROUTER));

    Translation t = translate(List.of(l), XdsBinding.outbound("out"));

    assertThat(t.config().outbound().virtualHosts().get(0).routes().get(0).fault()).isNull();
    assertThat(t.issues()).contains(new TranslationIssue(Severity.IGNORED, "Listener", "out",
        "filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0]"
            + ".typed_per_filter_config[\"envoy.filters.http.fault\"]",
        "the listener has no envoy.filters.http.fault filter, so Envoy ignores it too"));
  }

  @Test
  void rdsIsFollowedToTheNamedRouteConfiguration() {
    Listener l = listener("out", "http_filters: [%s], rds: {route_config_name: routes, config_source: {ads: {}}}".formatted(ROUTER));
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: a, timeout: 3s}}").toBuilder()
        .setName("routes").build();

    Translation t = translate(List.of(l), XdsBinding.outbound("out"), rc);

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().outbound().virtualHosts().get(0).routes().get(0).timeout())
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(t.issues()).extracting(TranslationIssue::field).containsExactly("address",
        "filter_chains[0].filters[0].typed_config.stat_prefix",
        "filter_chains[0].filters[0].typed_config.rds.config_source");
  }

  @Test
  void anInboundListenerPassesToTheApplication() {
    Listener l = listener("in", """
        http_filters: [%s],
        route_config: { name: local, virtual_hosts: [{name: self, domains: ['*'], routes: [
          {match: {prefix: /admin}, direct_response: {status: 403}},
          {match: {prefix: /}, route: {cluster: 'inbound|8080||', timeout: 30s}}]}]}
        """.formatted(ROUTER));

    Translation t = translate(List.of(l), new XdsBinding(null, List.of("in")));

    assertThat(t.accepted()).isTrue();
    assertThat(t.config().outbound().virtualHosts()).isEmpty();
    assertThat(t.config().inbound().virtualHosts().get(0).routes())
        .extracting(RouteConfig::action)
        .containsExactly(new ActionConfig.Respond(403, "", java.util.Map.of()), ActionConfig.Pass.INSTANCE);
    assertThat(t.issues()).contains(new TranslationIssue(Severity.IGNORED, "Listener", "in",
        "filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[1].route.timeout",
        "inbound routes hand the request to the application; mesh4j does not time it out"));
  }

  @Test
  void aNonHttpFilterAndAnUnknownHttpFilterAreRejected() {
    Listener tcp = Envoy.listener("""
        name: tcp
        filter_chains:
        - filters:
          - name: envoy.filters.network.tcp_proxy
            typed_config: { '@type': type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: a }
        """);
    Listener lua = listener("lua", """
        http_filters: [{name: envoy.filters.http.lua, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}}, %s],
        route_config: { name: local, virtual_hosts: [{name: svc, domains: [svc], routes: [{match: {prefix: /}, route: {cluster: a}}]}]}
        """.formatted(ROUTER));

    Translation t = translate(List.of(tcp, lua), new XdsBinding(List.of("tcp", "lua"), null));

    assertThat(t.rejected()).containsExactly(
        new TranslationIssue(Severity.REJECTED, "Listener", "tcp", "filter_chains[0].filters[0]",
            "envoy.filters.network.tcp_proxy (envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy):"
                + " mesh4j handles HTTP only (expected an HttpConnectionManager)"),
        new TranslationIssue(Severity.REJECTED, "Listener", "tcp", "filter_chains[0].filters",
            "no HttpConnectionManager"),
        new TranslationIssue(Severity.REJECTED, "Listener", "lua",
            "filter_chains[0].filters[0].typed_config.http_filters[0]",
            "envoy.filters.http.lua (envoy.extensions.filters.http.lua.v3.Lua): not supported by mesh4j"));
  }

  @Test
  void twoFilterChainsAreRejected() {
    Listener l = Envoy.listener("""
        name: two
        filter_chains:
        - filter_chain_match: { destination_port: 80 }
          filters: []
        - filters: []
        """);

    Translation t = translate(List.of(l), XdsBinding.outbound("two"));

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED, "Listener",
        "two", "filter_chains", "2 filter chains (mesh4j takes one HTTP connection manager per listener)"));
  }

  @Test
  void anApiListenerIsFollowedAsProxylessGrpcClientsUseIt() {
    Listener l = Envoy.listener("""
        name: api
        api_listener:
          api_listener: { %s, http_filters: [%s], route_config: { name: r, virtual_hosts: [{name: svc, domains: [svc], routes: [{match: {prefix: /}, route: {cluster: b}}]}]} }
        """.formatted(HCM, ROUTER));

    Translation t = translate(List.of(l), XdsBinding.outbound("api"));

    assertThat(t.issues()).isEmpty();
    assertThat(t.config().outbound().virtualHosts().get(0).routes().get(0).action())
        .isEqualTo(new ActionConfig.Forward("b"));
  }

  @Test
  void theBaseConfigSuppliesServiceInboundPolicyPropagationAndAdmin() {
    var base = io.mesh4j.config.MeshConfig.builder().service("frontend").propagate("x-request-id")
        .admin(a -> a.enabled(true)).build();
    var rc = Envoy.oneVhost("{match: {prefix: /}, route: {cluster: a}}");

    Translation t = EnvoyTranslator.translate(new EnvoyResources(null, List.of(rc), Envoy.abShadow(),
        null), XdsBinding.outbound("rc"), base);

    assertThat(t.config().service()).isEqualTo("frontend");
    assertThat(t.config().propagate()).isEqualTo(base.propagate());
    assertThat(t.config().admin()).isEqualTo(base.admin());
  }
}
