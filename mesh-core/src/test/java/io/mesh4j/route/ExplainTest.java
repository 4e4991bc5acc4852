package io.mesh4j.route;

import static io.mesh4j.route.RouteFixtures.header;
import static io.mesh4j.route.RouteFixtures.inbound;
import static io.mesh4j.route.RouteFixtures.match;
import static io.mesh4j.route.RouteFixtures.outbound;
import static io.mesh4j.route.RouteFixtures.pass;
import static io.mesh4j.route.RouteFixtures.path;
import static io.mesh4j.route.RouteFixtures.prefix;
import static io.mesh4j.route.RouteFixtures.query;
import static io.mesh4j.route.RouteFixtures.redirect;
import static io.mesh4j.route.RouteFixtures.respond;
import static io.mesh4j.route.RouteFixtures.route;
import static io.mesh4j.route.RouteFixtures.separated;
import static io.mesh4j.route.RouteFixtures.split;
import static io.mesh4j.route.RouteFixtures.to;
import static io.mesh4j.route.RouteFixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HeaderMatchConfig.Kind;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.route.Explanation.RejectedRoute;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExplainTest {

  private static final RouteTable OUTBOUND = outbound(Set.of("inventory", "inventory-v2", "billing"),
      vhost("inventory", List.of("inventory", "*.inventory.internal"),
          route("canary-by-header",
              prefix("/api/").methods("GET", "HEAD").header(header("x-canary", Kind.EXACT, "true")),
              RouteFixtures.forward("inventory-v2")),
          route("split", prefix("/"), split("inventory", 90, "inventory-v2", 10, "off", 0))),
      vhost("legacy", List.of("*"),
          route("old", prefix("/old/"), redirect(null, null, null, "/", null, false, 302)),
          route("maintenance", path("/admin").methods("DELETE"),
              respond(503, "maintenance", Map.of("retry-after", "30")))));

  private static Map<String, Object> json(
      String vhost, String route, String action, List<String> clusters, String location,
      Integer status, String canonicalPath) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("virtual_host", vhost);
    m.put("route", route);
    m.put("action", action);
    m.put("clusters", clusters);
    m.put("location", location);
    m.put("status", status);
    m.put("canonical_path", canonicalPath);
    m.put("reason", null);
    return m;
  }

  @Test
  void explainsEachSkippedRouteByItsFirstFailingConditionThenTheWinner() {
    TestRequest r = TestRequest.get("http://inventory:8080/api/items").method("POST");

    Explanation e = OUTBOUND.explain(r);

    assertThat(e.virtualHost()).isEqualTo("inventory");
    assertThat(e.virtualHostReason())
        .isEqualTo("host \"inventory\" matched exact domain \"inventory\"");
    assertThat(e.rejected()).containsExactly(
        new RejectedRoute("canary-by-header", "method \"POST\" not in [GET, HEAD]"));
    assertThat(e.route()).isEqualTo("split");
    assertThat(e.action()).isEqualTo("split");
    assertThat(e.clusters()).containsExactly("inventory", "inventory-v2");
    assertThat(e.outcome()).isEqualTo(RouteMatch.Outcome.ROUTED);
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json("inventory", "split", "split", List.of("inventory", "inventory-v2"), null, null,
            "/api/items"));
    assertThat(e.toText()).isEqualTo("""
        outbound
        canonical path: /api/items
        virtual host: inventory (host "inventory" matched exact domain "inventory")
          route canary-by-header: skipped, method "POST" not in [GET, HEAD]
          route split: matched
        action: split (split inventory 90/100, inventory-v2 10/100)
        """);
  }

  @Test
  void theFirstFailingConditionIsNamedInWords() {
    Map<TestRequest, String> cases = new LinkedHashMap<>();
    cases.put(TestRequest.get("http://inventory/x"),
        "path \"/x\" does not start with \"/api/\"");
    cases.put(TestRequest.get("http://inventory/api/x"), "header x-canary is absent");
    cases.put(TestRequest.get("http://inventory/api/x").header("x-canary", "no"),
        "header x-canary value \"no\" is not \"true\"");

    cases.forEach((request, reason) -> assertThat(OUTBOUND.explain(request).rejected())
        .containsExactly(new RejectedRoute("canary-by-header", reason)));
  }

  @Test
  void explainsAWildcardDomainAndAForward() {
    TestRequest r = TestRequest.get("http://a.Inventory.internal/api/x").header("x-canary", "true");

    Explanation e = OUTBOUND.explain(r);

    assertThat(e.virtualHostReason())
        .isEqualTo("host \"a.Inventory.internal\" matched suffix wildcard \"*.inventory.internal\"");
    assertThat(e.rejected()).isEmpty();
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(json(
        "inventory", "canary-by-header", "forward", List.of("inventory-v2"), null, null, "/api/x"));
  }

  @Test
  void explainsARedirectWithItsLocationAndStatus() {
    Explanation e = OUTBOUND.explain(TestRequest.get("http://shop.example/old/a?x=1"));

    assertThat(e.virtualHostReason())
        .isEqualTo("host \"shop.example\" matched catch-all domain \"*\"");
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json("legacy", "old", "redirect", List.of(), "/?x=1", 302, "/old/a"));
    assertThat(e.toText()).endsWith("action: redirect (redirect 302 to /?x=1)\n");
  }

  @Test
  void explainsADirectResponse() {
    Explanation e = OUTBOUND.explain(TestRequest.get("http://shop/admin").method("DELETE"));

    assertThat(e.rejected()).containsExactly(
        new RejectedRoute("old", "path \"/admin\" does not start with \"/old/\""));
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json("legacy", "maintenance", "respond", List.of(), null, 503, "/admin"));
  }

  @Test
  void explainsNoRouteInAVirtualHost() {
    Explanation e = OUTBOUND.explain(TestRequest.get("http://shop/admin"));

    assertThat(e.outcome()).isEqualTo(RouteMatch.Outcome.NO_ROUTE);
    assertThat(e.rejected()).containsExactly(
        new RejectedRoute("old", "path \"/admin\" does not start with \"/old/\""),
        new RejectedRoute("maintenance", "method \"GET\" not in [DELETE]"));
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json("legacy", null, "none", List.of(), null, null, "/admin"));
    assertThat(e.toText()).endsWith(
        "action: none (no route matched: the call fails with a \"no route\" error)\n");
  }

  @Test
  void explainsTheImplicitClusterRoute() {
    RouteTable t = outbound(Set.of("billing"), vhost("shop", List.of("shop"), to("s", prefix("/"))));

    Explanation e = t.explain(TestRequest.get("http://billing:9000/pay"));

    assertThat(e.virtualHostReason())
        .isEqualTo("host \"billing\" matches no virtual host's domains; it names cluster billing");
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json(null, null, "implicit", List.of("billing"), null, null, "/pay"));
  }

  @Test
  void explainsANonMeshCall() {
    RouteTable t = outbound(Set.of("billing"), vhost("shop", List.of("shop"), to("s", prefix("/"))));

    Explanation e = t.explain(TestRequest.get("https://example.org/"));

    assertThat(e.outcome()).isEqualTo(RouteMatch.Outcome.NOT_MESH);
    assertThat(e.virtualHostReason()).isEqualTo("host \"example.org\" matches no virtual host's "
        + "domains and names no cluster: not a mesh call, sent untouched");
    assertThat(e.toJsonMap()).containsExactlyEntriesOf(
        json(null, null, "none", List.of(), null, null, "/"));
  }

  @Test
  void explainsInboundPassAndNoRoute() {
    RouteTable t = inbound(vhost("self", List.of("*"),
        route("app", separated("/app"), pass())));

    assertThat(t.explain(TestRequest.get("http://me/app/x")).toJsonMap())
        .containsExactlyEntriesOf(json("self", "app", "pass", List.of(), null, null, "/app/x"));
    Explanation none = t.explain(TestRequest.get("http://me/application"));
    assertThat(none.rejected()).containsExactly(new RejectedRoute("app",
        "path \"/application\" is neither \"/app\" nor under \"/app/\""));
    assertThat(none.toText())
        .endsWith("action: none (no route matched: the request passes to the application)\n");
  }

  @Test
  void aRepeatedHeaderIsExplainedAsItsLinesJoinedWithAComma() {
    RouteTable t = inbound(vhost("self", List.of("*"),
        to("prod", match().header(header("x-env", Kind.EXACT, "prod"))),
        to("any-dev", match().header(header("x-env", Kind.CONTAINS, "dev")))));

    Explanation e = t.explain(DescribedRequest.parse(
        "GET", "http://me/", List.of("X-Env: prod", "x-env: dev"), null, null));

    assertThat(e.rejected()).containsExactly(
        new RejectedRoute("prod", "header x-env value \"prod,dev\" is not \"prod\""));
    assertThat(e.route()).isEqualTo("any-dev");
  }

  @Test
  void explainsQuerySourceAndPrincipalFailures() {
    RouteTable t = inbound(vhost("self", List.of("*"),
        to("q", match().query(query("v", QueryMatchConfig.Kind.EXACT, "2"))),
        to("src", match().source("10.0.0.0/8")),
        to("src-unknown", match().source("10.0.0.0/8")),
        to("who", match().principals("spiffe://a/*"))));

    Explanation e = t.explain(TestRequest.get("http://me/?v=%31").source("192.168.0.1"));

    assertThat(e.rejected()).containsExactly(
        new RejectedRoute("q", "query parameter v value \"1\" is not \"2\""),
        new RejectedRoute("src", "source \"192.168.0.1\" not in [10.0.0.0/8]"),
        new RejectedRoute("src-unknown", "source \"192.168.0.1\" not in [10.0.0.0/8]"),
        new RejectedRoute("who", "no peer principal (the connection presented no verified "
            + "identity; needed: [spiffe://a/*])"));
  }

  @Test
  void explainDoesNotAdvanceASplit() {
    RouteAction.Split s = (RouteAction.Split) OUTBOUND.routes().get(1).action();
    String[] before = new String[20];
    Arrays.setAll(before, i -> s.pickCluster());

    for (int i = 0; i < 7; i++) OUTBOUND.explain(TestRequest.get("http://inventory/x"));
    String[] after = new String[20];
    Arrays.setAll(after, i -> s.pickCluster());

    assertThat(after).containsExactly(before);
  }

  @Test
  void longAndControlValuesAreQuotedAndShortened() {
    String value = "a\r\n" + "b".repeat(200);
    RouteTable t = inbound(vhost("self", List.of("*"),
        to("h", match().header(header("x-v", Kind.EXACT, "z")))));

    String reason = t.explain(TestRequest.get("http://me/").header("x-v", value))
        .rejected().get(0).reason();

    assertThat(reason).isEqualTo("header x-v value \"a\\u000d\\u000a" + "b".repeat(77)
        + "\"... (203 chars) is not \"z\"");
  }

  @Test
  void anInboundSplitNamesTheLocalApplicationAndListsOnlyItsClusters() {
    RouteTable inbound = RouteFixtures.inbound(vhost("self", List.of("*"),
        route("canary", prefix("/"), new io.mesh4j.config.ActionConfig.Split(List.of(
            new io.mesh4j.config.ActionConfig.WeightedCluster(null, 95, true),
            new io.mesh4j.config.ActionConfig.WeightedCluster("inventory-v2", 5, false))))));

    Explanation e = inbound.explain(TestRequest.get("http://shop/items"));

    assertThat(e.clusters()).containsExactly("inventory-v2");
    assertThat(e.toText()).endsWith(
        "action: split (split local application 95/100, inventory-v2 5/100)\n");
  }

  @Test
  void decidesOnTheCanonicalPathAndShowsIt() {
    Explanation e = OUTBOUND.explain(
        TestRequest.get("http://shop/x/../%6Fld/;jsessionid=1/a?x=1"));

    assertThat(e.canonicalPath()).isEqualTo("/old/a");
    assertThat(e.route()).isEqualTo("old");
    assertThat(e.toCompactJsonMap()).containsEntry("canonical_path", "/old/a")
        .doesNotContainKey("reason");
    assertThat(e.toText()).contains("canonical path: /old/a\n");
  }

  @Test
  void aRefusedPathIsActionRefuseWithItsReasonAndNoRoute() {
    RouteTable in = inbound(vhost("self", List.of("*"), route("app", prefix("/"), pass())));

    Explanation e = in.explain(TestRequest.get("http://me/a/%2Fb"));

    assertThat(e.action()).isEqualTo("refuse");
    assertThat(e.refusal()).isEqualTo(PathRefusal.ESCAPED_SLASH);
    assertThat(e.outcome()).isEqualTo(RouteMatch.Outcome.NO_ROUTE);
    assertThat(e.route()).isNull();
    Map<String, Object> compact = new LinkedHashMap<>();
    compact.put("virtual_host", null);
    compact.put("route", null);
    compact.put("action", "refuse");
    compact.put("status", 400);
    compact.put("reason", "escaped-slash");
    assertThat(e.toCompactJsonMap()).containsExactlyEntriesOf(compact);
    assertThat(e.toText()).endsWith(
        "action: refuse (path \"/a/%2Fb\" refused (escaped-slash): answered 400)\n");
  }

  @Test
  void underTheConfiguredRulesAnEscapedSlashMayBeForwardedOrRedirected() {
    RouteTable in = inbound(vhost("self", List.of("*"), route("app", prefix("/a/b"), pass())));
    RequestPath forward = RequestPath.of(new io.mesh4j.config.PathNormalizationConfig(true, true,
        io.mesh4j.config.PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_FORWARD));
    RequestPath redirect = RequestPath.of(new io.mesh4j.config.PathNormalizationConfig(true, true,
        io.mesh4j.config.PathNormalizationConfig.EscapedSlashes.UNESCAPE_AND_REDIRECT));

    Explanation f = in.explain(TestRequest.get("http://me/a%2Fb?q=1"), forward);
    Explanation r = in.explain(TestRequest.get("http://me/a%2Fb?q=1"), redirect);

    assertThat(f.route()).isEqualTo("app");
    assertThat(f.canonicalPath()).isEqualTo("/a/b");
    assertThat(r.action()).isEqualTo("redirect");
    assertThat(r.status()).isEqualTo(307);
    assertThat(r.location()).isEqualTo("/a/b?q=1");
  }
}
