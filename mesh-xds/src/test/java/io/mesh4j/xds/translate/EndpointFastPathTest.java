package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plain EDS endpoints skip the reflective field walk (10,000 of them translate in a few
 * milliseconds); anything more than plain still goes through it and is reported.
 */
class EndpointFastPathTest {
  static LbEndpoint endpoint(String ip, int port) {
    return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
        Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip)
            .setPortValue(port)))).build();
  }

  static Translation translate(List<LbEndpoint> endpoints) {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("big")
        .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(endpoints)).build();
    Cluster c = Cluster.newBuilder().setName("big").setType(Cluster.DiscoveryType.EDS).build();
    return EnvoyTranslator.translate(new EnvoyResources(null, null, List.of(c), List.of(cla)),
        new XdsBinding(null, null), null);
  }

  @Test
  void tenThousandPlainEndpointsAreTranslatedInOrderWithoutIssues() {
    List<LbEndpoint> endpoints = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      endpoints.add(endpoint("10.0." + (i >> 8) + "." + (i & 255), 8080));
    }

    Translation t = translate(endpoints);

    assertThat(t.issues()).isEmpty();
    List<EndpointConfig> out = t.config().cluster("big").endpoints();
    assertThat(out).hasSize(10_000);
    assertThat(out.get(0)).isEqualTo(new EndpointConfig("10.0.0.0", 8080, 1, null));
    assertThat(out.get(9_999)).isEqualTo(new EndpointConfig("10.0.39.15", 8080, 1, null));
  }

  static Stream<Arguments> plainOrNot() {
    LbEndpoint base = endpoint("10.0.0.1", 80);
    return Stream.of(
        Arguments.of("address and port", (UnaryOperator<LbEndpoint>) e -> e, true),
        Arguments.of("with weight and health status",
            (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setHealthStatus(HealthStatus.HEALTHY)
                .setLoadBalancingWeight(com.google.protobuf.UInt32Value.of(3)).build(), true),
        Arguments.of("with metadata",
            (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setMetadata(Metadata.newBuilder()
                .putFilterMetadata("istio", com.google.protobuf.Struct.getDefaultInstance())).build(),
            false),
        Arguments.of("with a hostname",
            (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setEndpoint(e.getEndpoint().toBuilder()
                .setHostname("a.internal")).build(), false),
        Arguments.of("with a resolver name",
            (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setEndpoint(e.getEndpoint().toBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(e.getEndpoint().getAddress()
                    .getSocketAddress().toBuilder().setResolverName("r")))).build(), false),
        Arguments.of("with a field unknown to this API version",
            (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build(),
            false),
        Arguments.of("a named port", (UnaryOperator<LbEndpoint>) e -> e.toBuilder().setEndpoint(
            e.getEndpoint().toBuilder().setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("10.0.0.1").setNamedPort("http")))).build(),
            false))
        .map(a -> Arguments.of(a.get()[0], ((UnaryOperator<LbEndpoint>) a.get()[1]).apply(base), a.get()[2]));
  }

  @ParameterizedTest(name = "{0}: plain={2}")
  @MethodSource("plainOrNot")
  void onlyAddressPortWeightAndStatusArePlain(String what, LbEndpoint e, boolean plain) {
    assertThat(ClusterTranslator.isPlain(e)).isEqualTo(plain);
  }

  @Test
  void whatIsNotPlainIsStillReported() {
    LbEndpoint withMeta = endpoint("10.0.0.1", 80).toBuilder().setMetadata(Metadata.newBuilder()
        .putFilterMetadata("istio", com.google.protobuf.Struct.getDefaultInstance())).build();
    LbEndpoint unknown = endpoint("10.0.0.2", 80).toBuilder().setUnknownFields(
        UnknownFieldSet.newBuilder().addField(99,
            UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();

    Translation t = translate(List.of(withMeta, unknown));

    assertThat(t.issues()).containsExactly(
        new TranslationIssue(Severity.IGNORED, "ClusterLoadAssignment", "big",
            "endpoints[0].lb_endpoints[0].metadata", "cosmetic (names, statistics, metadata)"),
        new TranslationIssue(Severity.REJECTED, "ClusterLoadAssignment", "big",
            "endpoints[0].lb_endpoints[1].#99",
            "unknown field number 99 (from a newer Envoy API than mesh4j knows)"));
  }
}
