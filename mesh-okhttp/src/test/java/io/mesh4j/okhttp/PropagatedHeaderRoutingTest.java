package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.context.MeshContext;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Header-based outbound routes see the headers the mesh propagates, as they will be sent. */
class PropagatedHeaderRoutingTest {
  final Backend stable = new Backend();
  final Backend canary = new Backend();
  Mesh mesh;
  OkHttpClient client;

  @BeforeEach
  void setUp() {
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: inventory-v2, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              routes:
                - name: canary
                  match: { prefix: /, headers: [{ name: x-canary, exact: "true" }] }
                  to: inventory-v2
                - name: default
                  match: { prefix: / }
                  to: inventory
        propagate:
          headers: [x-canary]
        """.formatted(stable.address(), canary.address())).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void tearDown() {
    assertNoLeaks(client);
    mesh.close();
    stable.close();
    canary.close();
  }

  private void get(Request.Builder request) throws IOException {
    try (Response r = client.newCall(request.url("http://inventory/api/items").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void aPropagatedHeaderSelectsTheRouteThatMatchesIt() throws Exception {
    try (MeshContext.Scope s = MeshContext.attach(MeshContext.builder().header("x-canary", "true").build())) {
      get(new Request.Builder());
    }

    assertThat(canary.received).hasSize(1);
    assertThat(canary.take().getHeaders().get("x-canary")).isEqualTo("true");
    assertThat(stable.received).isEmpty();
  }

  @Test
  void theCallersOwnHeaderWinsOverThePropagatedOneForRoutingAsOnTheWire() throws Exception {
    try (MeshContext.Scope s = MeshContext.attach(MeshContext.builder().header("x-canary", "true").build())) {
      get(new Request.Builder().header("x-canary", "false"));
    }

    assertThat(stable.received).hasSize(1);
    assertThat(stable.take().getHeaders().values("x-canary")).containsExactly("false");
    assertThat(canary.received).isEmpty();
  }

  @Test
  void withoutAContextOnlyTheCallersHeadersCount() throws Exception {
    get(new Request.Builder());
    get(new Request.Builder().header("x-canary", "true"));

    assertThat(stable.received).hasSize(1);
    assertThat(canary.received).hasSize(1);
  }

  @Test
  void aRepeatedHeaderIsMatchedOnItsJoinedLinesSoExactFailsOnTwo() throws Exception {
    get(new Request.Builder().addHeader("x-canary", "true").addHeader("x-canary", "false"));
    get(new Request.Builder().addHeader("x-canary", "false").addHeader("X-Canary", "true"));

    assertThat(canary.received).isEmpty();
    assertThat(stable.received).hasSize(2);
    assertThat(stable.take().getHeaders().values("x-canary")).containsExactly("true", "false");
  }

  @Test
  void joinedHeaderReturnsTheSingleLineItselfAndJoinsRepeatedLinesInOrder() {
    okhttp3.Headers one = okhttp3.Headers.of("X-Env", "prod", "other", "x");
    okhttp3.Headers two = okhttp3.Headers.of("x-env", "prod", "other", "x", "X-ENV", "dev");

    assertThat(MeshCall.joinedHeader(one, "x-env")).isSameAs(one.value(0));
    assertThat(MeshCall.joinedHeader(two, "x-env")).isEqualTo("prod,dev");
    assertThat(MeshCall.joinedHeader(two, "absent")).isNull();
  }
}
