package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.any;
import static io.mesh4j.route.RouteFixtures.inbound;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.route.RouteMatch.Outcome;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VirtualHostSelectionTest {

  private static final RouteTable ALL_KINDS = outbound(
      vhost("exact", List.of("api.example.com", "10.0.0.1", "[::1]"), to("exact", any())),
      vhost("suffix-short", List.of("*.example.com"), to("suffix-short", any())),
      vhost("suffix-long", List.of("*.v1.api.example.com"), to("suffix-long", any())),
      vhost("prefix-short", List.of("api.*"), to("prefix-short", any())),
      vhost("prefix-long", List.of("api.example.*"), to("prefix-long", any())),
      vhost("any", List.of("*"), to("any", any())));

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "api.example.com                | exact",
      "API.Example.COM:8443           | exact",
      "api.example.com:80             | exact",
      "10.0.0.1:8080                  | exact",
      "[::1]:8080                     | exact",
      "[::1]                          | exact",
      "api.example.com.               | exact",
      "API.Example.COM.:8443          | exact",
      "x.example.com                  | suffix-short",
      "x.example.com.:80              | suffix-short",
      "X.EXAMPLE.COM:1                | suffix-short",
      "a.v1.api.example.com           | suffix-long",
      "v1.api.example.com             | suffix-short",
      "api.x.example.com              | suffix-short",
      "api.example.org                | prefix-long",
      "api.other                      | prefix-short",
      "API.OTHER:9                    | prefix-short",
      "example.com                    | any",
      "api.                           | any",
      "other:8080                     | any",
      "[2001:db8::1]:443              | any",
      "''                             | any",
  })
  void theVirtualHostIsExactThenLongestSuffixThenLongestPrefixThenCatchAll(
      String authority, String expected) {
    RouteMatch m = ALL_KINDS.match(TestRequest.raw("GET", "http", authority, "/", null));

    assertThat(m.outcome()).isEqualTo(Outcome.ROUTED);
    assertThat(m.virtualHost()).isEqualTo(expected);
    assertThat(m.route().name()).isEqualTo(expected);
  }

  @Test
  void aNullAuthorityIsTreatedAsEmptyAndOnlyTheCatchAllMatchesIt() {
    assertThat(ALL_KINDS.match(TestRequest.raw("GET", "http", null, "/", null)).virtualHost())
        .isEqualTo("any");
    RouteTable noCatchAll = outbound(vhost("a", List.of("a"), to("a", any())));
    assertThat(noCatchAll.match(TestRequest.raw("GET", "http", null, "/", null)))
        .isSameAs(RouteMatch.NOT_MESH);
  }

  @Test
  void aBareIpv6LiteralWithoutBracketsKeepsAllItsColons() {
    RouteTable t = outbound(vhost("v6", List.of("2001:db8::1"), to("v6", any())));

    assertThat(t.match(TestRequest.raw("GET", "http", "2001:db8::1", "/", null)).virtualHost())
        .isEqualTo("v6");
  }

  @Test
  void domainsDefaultToTheVirtualHostName() {
    RouteTable t = outbound(vhost("Inventory", List.of(), to("inv", any())));

    assertThat(t.match(TestRequest.get("http://inventory:8080/x")).virtualHost())
        .isEqualTo("Inventory");
  }

  @Test
  void aWildcardMustStandForAtLeastOneCharacter() {
    RouteTable t = outbound(
        vhost("suffix", List.of("*.svc"), to("s", any())),
        vhost("prefix", List.of("svc.*"), to("p", any())));

    assertThat(t.match(TestRequest.get("http://.svc/")).virtualHost()).isNull();
    assertThat(t.match(TestRequest.get("http://svc./")).virtualHost()).isNull();
    assertThat(t.match(TestRequest.get("http://a.svc/")).virtualHost()).isEqualTo("suffix");
    assertThat(t.match(TestRequest.get("http://svc.a/")).virtualHost()).isEqualTo("prefix");
  }

  @Test
  void outboundAHostThatNamesAClusterButNoVirtualHostGetsTheImplicitRoute() {
    RouteTable t = outbound(Set.of("inventory", "billing"),
        vhost("shop", List.of("shop"), to("shop", any())));

    RouteMatch m = t.match(TestRequest.get("http://Inventory:8080/anything?x=1"));

    assertThat(m.outcome()).isEqualTo(Outcome.ROUTED);
    assertThat(m.virtualHost()).isNull();
    assertThat(m.route().isImplicit()).isTrue();
    assertThat(m.route().name()).isNull();
    assertThat(((RouteAction.Forward) m.route().action()).cluster()).isEqualTo("inventory");
    assertThat(m.route().rewritePath(TestRequest.get("http://inventory/anything?x=1")))
        .isEqualTo("/anything");
  }

  @Test
  void theImplicitRouteIsPreallocatedPerCluster() {
    RouteTable t = outbound(Set.of("inventory"));

    assertThat(t.match(TestRequest.get("http://inventory/a")))
        .isSameAs(t.match(TestRequest.get("http://INVENTORY:1/b")));
    assertThat(t.routes()).hasSize(1);
  }

  @Test
  void aVirtualHostClaimingAClusterNameWinsOverTheImplicitRoute() {
    RouteTable t = outbound(Set.of("inventory", "inventory-v2"),
        vhost("inventory", List.of("inventory"), to("inventory-v2", any())));

    RouteMatch m = t.match(TestRequest.get("http://inventory/"));

    assertThat(m.route().isImplicit()).isFalse();
    assertThat(((RouteAction.Forward) m.route().action()).cluster()).isEqualTo("inventory-v2");
  }

  @Test
  void aCatchAllVirtualHostClaimsClusterHostsToo() {
    RouteTable t = outbound(Set.of("inventory"), vhost("all", List.of("*"), to("all", any())));

    assertThat(t.match(TestRequest.get("http://inventory/")).virtualHost()).isEqualTo("all");
  }

  @Test
  void outboundAHostThatIsNeitherAVirtualHostNorAClusterIsNotAMeshCall() {
    RouteTable t = outbound(Set.of("inventory"), vhost("shop", List.of("shop"), to("s", any())));

    assertThat(t.match(TestRequest.get("https://www.google.com/"))).isSameAs(RouteMatch.NOT_MESH);
    assertThat(RouteMatch.NOT_MESH.outcome()).isEqualTo(Outcome.NOT_MESH);
    assertThat(RouteMatch.NOT_MESH.virtualHost()).isNull();
  }

  @Test
  void inboundHasNoImplicitRoutes() {
    RouteTable t = inbound(vhost("self", List.of("self"), to("s", any())));

    assertThat(t.match(TestRequest.get("http://inventory/"))).isSameAs(RouteMatch.NOT_MESH);
    assertThat(t.direction()).isEqualTo(RouteTable.Direction.INBOUND);
  }

  @Test
  void aVirtualHostWithNoMatchingRouteGivesItsNoRouteResultInBothDirections() {
    var host = vhost("api", List.of("*"), to("a", prefix("/api/")));

    for (RouteTable t : List.of(outbound(host), inbound(host))) {
      RouteMatch m = t.match(TestRequest.get("http://x/other"));
      assertThat(m.outcome()).isEqualTo(Outcome.NO_ROUTE);
      assertThat(m.virtualHost()).isEqualTo("api");
      assertThat(m.isRouted()).isFalse();
      assertThat(t.match(TestRequest.get("http://y/else"))).isSameAs(m);
    }
  }

  @Test
  void routeOfAnUnroutedResultThrowsIllegalState() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteMatch.NOT_MESH.route())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void longDomainsOfEveryLengthAreFound() {
    String d70 = "a".repeat(60) + ".internal";
    String d300 = "b".repeat(290) + ".internal";
    String s130 = "." + "c".repeat(120) + ".svc";
    RouteTable t = outbound(
        vhost("d70", List.of(d70), to("d70", any())),
        vhost("d300", List.of(d300), to("d300", any())),
        vhost("s130", List.of("*" + s130), to("s130", any())));

    assertThat(t.match(TestRequest.get("http://" + d70.toUpperCase() + ":1/")).virtualHost())
        .isEqualTo("d70");
    assertThat(t.match(TestRequest.get("http://" + d300 + "/")).virtualHost()).isEqualTo("d300");
    assertThat(t.match(TestRequest.get("http://x" + s130 + "/")).virtualHost()).isEqualTo("s130");
    assertThat(t.match(TestRequest.get("http://" + "b".repeat(291) + ".internal/")))
        .isSameAs(RouteMatch.NOT_MESH);
  }
}
