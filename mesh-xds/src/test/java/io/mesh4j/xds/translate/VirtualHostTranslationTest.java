package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.FaultConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.MirrorConfig;
import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.config.RetryOverride;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings inherited from the virtual host and the route configuration, as Envoy applies them. */
class VirtualHostTranslationTest {
  static final String FAULT = "'@type': type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

  List<RouteConfig> routes(String yaml) {
    Translation t = Envoy.outbound(Envoy.routeConfig(yaml));
    assertThat(t.rejected()).isEmpty();
    return t.config().outbound().virtualHosts().get(0).routes();
  }

  @Test
  void aVirtualHostRetryPolicyAppliesToRoutesWithoutTheirOwn() {
    List<RouteConfig> routes = routes("""
        name: rc
        virtual_hosts:
        - name: svc
          domains: [svc]
          retry_policy: { retry_on: 5xx, num_retries: 2 }
          routes:
          - { match: { prefix: /own }, route: { cluster: a, retry_policy: { retry_on: reset } } }
          - { match: { prefix: / }, route: { cluster: a } }
        """);

    RetryConfig.Backoff envoyBackoff =
        new RetryConfig.Backoff(Duration.ofMillis(25), Duration.ofMillis(250));
    assertThat(routes.get(0).retry()).isEqualTo(
        new RetryOverride(2, Set.of(RetryOn.RESET), List.of(), null, envoyBackoff, null, false));
    assertThat(routes.get(1).retry()).isEqualTo(
        new RetryOverride(3, Set.of(RetryOn.FIVE_XX), List.of(), null, envoyBackoff, null, false));
  }

  @Test
  void aVirtualHostMirrorAppliesToRoutesWithoutTheirOwn() {
    List<RouteConfig> routes = routes("""
        name: rc
        virtual_hosts:
        - name: svc
          domains: [svc]
          request_mirror_policies: [{ cluster: shadow }]
          routes:
          - { match: { prefix: /own }, route: { cluster: a, request_mirror_policies: [{ cluster: b }] } }
          - { match: { prefix: / }, route: { cluster: a } }
        """);

    assertThat(routes.get(0).mirror()).isEqualTo(new MirrorConfig("b", 100));
    assertThat(routes.get(1).mirror()).isEqualTo(new MirrorConfig("shadow", 100));
  }

  @Test
  void headerChangesOfEveryLevelBecomeOneRemoveThenAdd() {
    List<RouteConfig> routes = routes("""
        name: rc
        request_headers_to_add: [{ header: { key: x-env, value: prod } }]
        virtual_hosts:
        - name: svc
          domains: [svc]
          request_headers_to_add: [{ header: { key: x-vhost, value: svc }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }]
          request_headers_to_remove: [x-debug]
          routes:
          - match: { prefix: / }
            route: { cluster: a }
            request_headers_to_add: [{ header: { key: x-route, value: r0 } }]
        """);

    assertThat(routes.get(0).headers()).isEqualTo(new HeadersConfig(
        RouteTranslationTest.ordered("x-route", "r0", "x-vhost", "svc", "x-env", "prod"),
        List.of("x-debug", "x-vhost")));
  }

  @Test
  void anOuterLevelRemovingWhatAnInnerLevelAddsIsRejected() {
    Translation t = Envoy.outbound(Envoy.routeConfig("""
        name: rc
        virtual_hosts:
        - name: svc
          domains: [svc]
          request_headers_to_remove: [x-route]
          routes:
          - match: { prefix: / }
            route: { cluster: a }
            request_headers_to_add: [{ header: { key: x-route, value: r0 } }]
        """));

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED,
        "RouteConfiguration", "rc", "virtual_hosts[0].request_headers_to_remove[0]",
        "x-route: removes a header an inner level adds (mesh4j removes before every add)"));
  }

  @Test
  void theInnermostFaultSettingWinsAndAFilterConfigCanDisableIt() {
    List<RouteConfig> routes = routes("""
        name: rc
        virtual_hosts:
        - name: svc
          domains: [svc]
          typed_per_filter_config:
            envoy.filters.http.fault: { %s, abort: { http_status: 500, percentage: { numerator: 5 } } }
          routes:
          - match: { prefix: /own }
            route: { cluster: a }
            typed_per_filter_config:
              envoy.filters.http.fault: { %s, delay: { fixed_delay: 1s, percentage: { numerator: 50 } } }
          - match: { prefix: /off }
            route: { cluster: a }
            typed_per_filter_config:
              envoy.filters.http.fault: { '@type': type.googleapis.com/envoy.config.route.v3.FilterConfig, disabled: true }
          - { match: { prefix: / }, route: { cluster: a } }
        """.formatted(FAULT, FAULT));

    assertThat(routes).extracting(RouteConfig::fault).containsExactly(
        new FaultConfig(new FaultConfig.Delay(Duration.ofSeconds(1), 50.0), null),
        null,
        new FaultConfig(null, new FaultConfig.Abort(500, 5.0)));
  }

  @Test
  void virtualHostNamesMeshCannotHoldAreRewrittenAndMadeUnique() {
    Translation t = Envoy.outbound(Envoy.routeConfig("""
        name: rc
        virtual_hosts:
        - { name: "inventory svc", domains: [a], routes: [{ match: { prefix: / }, route: { cluster: a } }] }
        - { name: "inventory_svc", domains: [b], routes: [{ match: { prefix: / }, route: { cluster: b } }] }
        """));

    assertThat(t.config().outbound().virtualHosts()).extracting(v -> v.name())
        .containsExactly("inventory_svc", "inventory_svc-2");
    assertThat(t.issues()).extracting(TranslationIssue::field)
        .containsExactly("virtual_hosts[0].name", "virtual_hosts[1].name");
    assertThat(t.config().outbound().virtualHosts().get(1).routes().get(0).action())
        .isEqualTo(new io.mesh4j.config.ActionConfig.Forward("b"));
  }
}
