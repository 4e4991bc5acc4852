package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.route.Route;
import mockwebserver3.MockResponse;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** {@link RouteTarget}: an inbound route, matched elsewhere, run through the client's attempt loop. */
class RouteTargetTest {

  private static String yaml(String endpoints) {
    return """
        version: 1
        service: front
        clusters:
          - name: v2
            endpoints: [%s]
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - name: v2
                  match: {prefix: /v2/}
                  to: v2
                  rewrite: {prefix: /api/}
                  headers: {add: {x-route: v2}}
                - name: app
                  pass: {}
        """.formatted(endpoints);
  }

  @Test
  void aTaggedRequestSkipsTheOutboundTableAndGetsTheRoutesRewriteHeadersAndRetries() throws Exception {
    try (Backend up = new Backend();
        Mesh mesh = TestSupport.meshBuilder(yaml("127.0.0.1:" + TestSupport.closedPort() + ", "
            + up.address())).build()) {
      up.enqueue(new MockResponse.Builder().code(200).body("hi").build());
      OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
      Route route = mesh.current().inbound().routes().get(0);

      for (int i = 0; i < 2; i++) {
        Request r = new Request.Builder().url("http://v2/v2/items?x=1")
            .tag(RouteTarget.class, RouteTarget.of(route, "v2"))
            .build();
        try (Response response = client.newCall(r).execute()) {
          assertThat(response.code()).isEqualTo(200);
        }
      }

      assertThat(up.count()).isEqualTo(2);
      assertThat(up.received.get(0).getTarget()).isEqualTo("/api/items?x=1");
      assertThat(up.received.get(0).getHeaders().get("x-route")).isEqualTo("v2");
      assertThat(up.received.get(0).getHeaders().get("Host")).isEqualTo("v2");
      assertThat(mesh.meterRegistry().find("mesh.client.requests")
          .tag("route", "inbound/self/v2").tag("cluster", "v2").meters()).isNotEmpty();
      TestSupport.assertNoLeaks(client);
    }
  }

  @Test
  void onlyAForwardingRouteAndOneOfItsClustersMakeATarget() throws Exception {
    try (Mesh mesh = TestSupport.meshBuilder(yaml("127.0.0.1:1")).build()) {
      Route forward = mesh.current().inbound().routes().get(0);
      Route pass = mesh.current().inbound().routes().get(1);

      assertThatThrownBy(() -> RouteTarget.of(pass, "v2"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("route app does not forward: pass");
      assertThatThrownBy(() -> RouteTarget.of(forward, "other"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cluster other is not a target of route v2 ([v2])");
      assertThat(RouteTarget.of(forward, "v2")).hasToString("RouteTarget{self/v2 -> v2}");
    }
  }
}
