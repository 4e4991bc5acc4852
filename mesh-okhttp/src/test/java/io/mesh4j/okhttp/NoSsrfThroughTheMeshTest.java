package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import java.io.IOException;
import java.util.List;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The security guarantee "no SSRF through the mesh": what a request carries — its Host header,
 * path, query, user info, forwarding headers — can select only configured clusters and their
 * endpoints, never another address. A {@code victim} server on loopback, which no config or
 * endpoint source names, stands in for the metadata service or internal admin port an attacker
 * would aim at; it must never see a request.
 */
class NoSsrfThroughTheMeshTest {
  Backend inventory;
  Backend payments;
  Backend victim;
  Mesh mesh;
  OkHttpClient client;

  @BeforeEach
  void start() {
    inventory = new Backend().otherwise(200, "inventory");
    payments = new Backend().otherwise(200, "payments");
    victim = new Backend().otherwise(200, "victim");
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: payments, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              domains: [inventory, inventory.mesh.invalid]
              routes:
                - name: api
                  match: { prefix: /api/ }
                  to: inventory
                  rewrite: { prefix: /v2/, host: inventory.internal }
                - name: rest
                  match: { prefix: / }
                  to: inventory
        """.formatted(inventory.address(), payments.address())).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void stop() {
    assertNoLeaks(client);
    mesh.close();
    List.of(inventory, payments, victim).forEach(Backend::close);
  }

  private String call(Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  /** Every shape of a mesh URL an attacker-influenced path or query could produce. */
  @ParameterizedTest
  @ValueSource(strings = {
    "/x",
    "//%s/x",
    "/@%s/x",
    "/..%%2F..%%2F%s/x",
    "/%%2F%%2F%s/",
    "/api/../../%s/x",
    "/api/%%40%s",
    "/redirect?url=http://%s/&next=//%s/",
  })
  void aPathOrQueryNamingAnotherAddressStillGoesToTheClustersEndpoint(String pathTemplate)
      throws Exception {
    String path = pathTemplate.replace("%s", victim.address()).replace("%%", "%");
    Request request = new Request.Builder().url("http://inventory" + path).build();

    if (path.contains("%2F")) {
      // An escaped slash has no safe canonical path (issue 15): refused, nothing sent anywhere.
      assertThatThrownBy(() -> call(request)).isInstanceOfSatisfying(MeshException.class,
          e -> assertThat(e.reason()).isEqualTo(MeshException.Reason.INVALID_PATH));
      assertThat(inventory.count()).isZero();
    } else {
      assertThat(call(request)).isEqualTo("200 inventory");
      assertThat(inventory.count()).isEqualTo(1);
    }
    assertThat(victim.count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-Forwarded-Host", "X-Original-URL", "X-Rewrite-URL", ":authority",
      "Forwarded"})
  void aHeaderNamingAnotherAddressNeverChangesWhereTheRequestGoes(String header) throws Exception {
    String value = header.equals("Forwarded")
        ? "host=" + victim.address()
        : header.endsWith("URL") ? "http://" + victim.address() + "/x" : victim.address();
    if (header.equals(":authority")) header = "x-authority"; // not a legal header name in OkHttp
    Request request = new Request.Builder().url("http://inventory/api/items")
        .header(header, value)
        .build();

    assertThat(call(request)).isEqualTo("200 inventory");
    RecordedRequest seen = inventory.take();
    assertThat(seen.getTarget()).isEqualTo("/v2/items");
    assertThat(victim.count()).isZero();
    assertThat(payments.count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"payments", "PAYMENTS:80"})
  void aHostHeaderSelectsOnlyAmongConfiguredClusters(String host) throws Exception {
    // As in Envoy, the Host (authority) a request carries selects the virtual host or cluster;
    // a caller that sets one to another cluster's name reaches that cluster's endpoints.
    Request request = new Request.Builder().url("http://inventory/x").header("Host", host).build();

    assertThat(call(request)).isEqualTo("200 payments");
    assertThat(inventory.count()).isZero();
    assertThat(victim.count()).isZero();
  }

  @Test
  void aHostHeaderNamingAnAddressOutsideTheConfigMakesTheCallNotAMeshCallNeverAHopThere() {
    // The Host names no cluster and no virtual host: the call is not a mesh call and is sent
    // untouched to the URL the application built (a .invalid name, RFC 6761, that never
    // resolves). The mesh never turns a header value into a connection target.
    Request request = new Request.Builder().url("http://inventory.mesh.invalid/x")
        .header("Host", victim.address())
        .build();

    assertThatThrownBy(() -> call(request)).isInstanceOf(java.net.UnknownHostException.class)
        .hasMessageContaining("inventory.mesh.invalid");
    assertThat(victim.count()).isZero();
    assertThat(inventory.count()).isZero();
  }

  @Test
  void userInfoInAMeshUrlSelectsNothing() throws Exception {
    Request request = new Request.Builder()
        .url("http://" + victim.address().replace(':', '_') + "@inventory/x")
        .build();

    assertThat(call(request)).isEqualTo("200 inventory");
    assertThat(victim.count()).isZero();
  }

  @Test
  void aHostRewriteChangesTheHostHeaderOnlyNeverTheDestination() throws Exception {
    assertThat(call(new Request.Builder().url("http://inventory/api/a").build()))
        .isEqualTo("200 inventory");
    RecordedRequest seen = inventory.take();
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory.internal");
    assertThat(victim.count()).isZero();
  }
}
