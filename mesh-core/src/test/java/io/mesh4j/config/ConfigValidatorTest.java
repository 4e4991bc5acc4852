package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ActionConfig.Forward;
import io.mesh4j.config.ActionConfig.Redirect;
import io.mesh4j.config.ActionConfig.Split;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The validator on models assembled directly from the records, bypassing loader and builder. */
class ConfigValidatorTest {

  static MeshConfig mesh(List<ClusterConfig> clusters, List<VirtualHostConfig> outbound) {
    return new MeshConfig(1, "s", clusters, new OutboundConfig(outbound), null, null, null, null, null, null);
  }

  @Test
  void nullsInsideRecordsAreReportedAsMissingNeverThrown() {
    ClusterConfig cluster = new ClusterConfig(
        null,
        LbPolicy.RING_HASH,
        List.of(new EndpointConfig(null, 0, 1, null)),
        null,
        new OutlierDetectionConfig(5, 5, null, 10, null, true),
        new CircuitBreakerConfig(50, null, 100, 100, 20, null, 1024),
        new RetryConfig(2, Set.of(), List.of(), null, new RetryConfig.Backoff(null, null), null,
            true),
        null,
        50,
        null,
        new HashOnConfig(null, null), null, null, null, null);
    RouteConfig route = new RouteConfig(
        null,
        new MatchConfig(PathMatchKind.PREFIX, null, true, Set.of(),
            List.of(new HeaderMatchConfig(null, null, null, false, false)),
            List.of(new QueryMatchConfig(null, QueryMatchConfig.Kind.REGEX, null, true)),
            List.of(), List.of(), null),
        new Split(List.of(new ActionConfig.WeightedCluster(null, 1, false))),
        new RewriteConfig(null, null, "x", null),
        null, null, null,
        new MirrorConfig(null, 100),
        new FaultConfig(new FaultConfig.Delay(null, 1), null),
        null, null, null, null);
    MeshConfig config = new MeshConfig(0, null, List.of(cluster),
        new OutboundConfig(List.of(new VirtualHostConfig(null, List.of("x"), List.of(route), null))),
        new InboundConfig(List.of(), new AuthzConfig(null, List.of(
            new AuthzConfig.Rule(null, null, null))), List.of(), null),
        null, null, null, null, null);

    assertThat(ConfigValidator.validate(config)).extracting(ConfigError::toString).containsExactly(
        "version: 0 (expected: 1)",
        "service: missing (expected: this service's name: letters, digits and . _ - | :)",
        "clusters[0].name: missing (expected: letters, digits and . _ - | :)",
        "clusters[0].endpoints[0].address: missing (expected: host:port)",
        "clusters[0].outlier_detection.base_ejection_time: missing (expected: a duration > 0)",
        "clusters[0].outlier_detection.max_ejection_time: missing (expected: a duration > 0)",
        "clusters[0].circuit_breaker.slow_call_duration: missing (expected: a duration > 0)",
        "clusters[0].circuit_breaker.wait_in_open: missing (expected: a duration > 0)",
        "clusters[0].retry.backoff.base: missing (expected: a duration > 0)",
        "clusters[0].retry.backoff.max: missing (expected: a duration > 0)",
        "clusters[0].hash_on: missing (expected: exactly one of header, cookie, source_ip)",
        "outbound.virtual_hosts[0].name: missing (expected: letters, digits and . _ - | :)",
        "outbound.virtual_hosts[0].routes[0].name: missing (expected: a route name)",
        "outbound.virtual_hosts[0].routes[0].match.prefix: missing (expected: a path)",
        "outbound.virtual_hosts[0].routes[0].match.headers[0].name: missing (expected: a header"
            + " name)",
        "outbound.virtual_hosts[0].routes[0].match.headers[0]: no condition (expected exactly one"
            + " of: exact, prefix, suffix, contains, regex, present)",
        "outbound.virtual_hosts[0].routes[0].match.query[0].name: missing (expected: a query"
            + " parameter name)",
        "outbound.virtual_hosts[0].routes[0].match.query[0].regex: missing (expected: a regex)",
        "outbound.virtual_hosts[0].routes[0].split[0].cluster: missing (expected: a cluster name)",
        "outbound.virtual_hosts[0].routes[0].rewrite.regex: missing (expected: a regex, with"
            + " substitution)",
        "outbound.virtual_hosts[0].routes[0].mirror.cluster: missing (expected: a cluster name)",
        "outbound.virtual_hosts[0].routes[0].fault.delay.fixed: missing (expected: a duration > 0)",
        "inbound.authz.rules[0].name: missing (expected: a rule name)",
        "inbound.authz.rules[0].action: missing (expected: allow or deny)",
        "inbound.authz.rules[0].match: missing (expected: the requests this rule applies to)");
  }

  @Test
  void durationsFinerThanAMillisecondAreRejected() {
    ClusterConfig cluster = new ClusterConfig("a", null, List.of(), null, null, null, null,
        Duration.ofNanos(1), 50, Duration.ofNanos(1_000_001), null, null, null, null, null);

    assertThat(ConfigValidator.validate(mesh(List.of(cluster), List.of())))
        .extracting(ConfigError::toString).containsExactly(
            "clusters[0].timeout: 1ns (expected: a whole number of milliseconds)",
            "clusters[0].slow_start: 1000001ns (expected: a whole number of milliseconds)");
  }

  @Test
  void aRegexNestedTooDeeplyIsAnErrorNotAStackOverflow() {
    String deep = "(".repeat(100_000) + ")".repeat(100_000);
    RouteConfig route = new RouteConfig("r",
        new MatchConfig(PathMatchKind.REGEX, deep, true, Set.of(), List.of(), List.of(),
            List.of(), List.of(), null),
        new Forward("a"), null, null, null, null, null, null, null, null, null, null);
    ClusterConfig a = new ClusterConfig("a", null, List.of(), null, null, null, null, null, 50,
        null, null, null, null, null, null);

    List<ConfigError> errors = ConfigValidator.validate(
        mesh(List.of(a), List.of(new VirtualHostConfig("v", List.of("v"), List.of(route), null))));

    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path()).isEqualTo("outbound.virtual_hosts[0].routes[0].match.regex");
    // The JDK reports "Stack overflow during pattern compilation at index N" (N depends on the
    // stack size); the validator's own guard says "nested too deeply" where a JDK does not.
    assertThat(errors.get(0).message()).startsWith("\"((((").contains("(expected: a valid regex; ");
  }

  @Test
  void aRedirectRouteMayNotCarryARetry() {
    RouteConfig route = new RouteConfig("r", MatchConfig.ANY,
        new Redirect("https", null, null, null, null, false, 301), null, null, null,
        new RetryOverride(3, null, null, null, null, null, null), null, null, null, null, null, null);

    assertThat(ConfigValidator.validate(mesh(List.of(),
        List.of(new VirtualHostConfig("v", List.of("v"), List.of(route), null)))))
        .containsExactly(new ConfigError("outbound.virtual_hosts[0].routes[0].retry",
            "not allowed with redirect (expected: only on routes with to or split)"));
  }

  @Test
  void requireValidReturnsTheConfigOrThrowsWithEveryError() {
    MeshConfig valid = mesh(List.of(), List.of());
    assertThat(ConfigValidator.requireValid(valid)).isSameAs(valid);

    MeshConfig invalid = new MeshConfig(3, "a b", List.of(), null, null, null, null, null, null, null);
    assertThatThrownBy(() -> ConfigValidator.requireValid(invalid))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid mesh4j config (2 errors):\n"
            + "  version: 3 (expected: 1)\n"
            + "  service: \"a b\" (expected: letters, digits and . _ - | :)");
  }

  @Test
  void configErrorPrintsPathColonMessageOrTheMessageAlone() {
    assertThat(new ConfigError("clusters[1].endpoints[0].weight", "0 (expected: 1-10000)"))
        .hasToString("clusters[1].endpoints[0].weight: 0 (expected: 1-10000)");
    assertThat(new ConfigError("", "empty document")).hasToString("empty document");
  }

  @Test
  void aConfigExceptionNeedsAtLeastOneError() {
    assertThatThrownBy(() -> new ConfigException(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("errors is empty");
  }
}
