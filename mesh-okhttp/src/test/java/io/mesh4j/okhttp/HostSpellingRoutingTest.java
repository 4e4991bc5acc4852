package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On the client side too, a virtual host is chosen on the host with case folded and a trailing
 * dot stripped (issue 15): every spelling of {@code inventory} reaches its cluster's backend.
 */
class HostSpellingRoutingTest {
  final Backend inventory = new Backend();
  final Backend other = new Backend();
  Mesh mesh;
  OkHttpClient client;

  @BeforeEach
  void setUp() {
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
          - { name: other, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: inventory
              domains: [inventory.example]
              routes: [{ name: inv, match: { prefix: / }, to: inventory }]
            - name: rest
              domains: ["*"]
              routes: [{ name: rest, match: { prefix: / }, to: other }]
        """.formatted(inventory.address(), other.address())).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void tearDown() {
    assertNoLeaks(client);
    mesh.close();
    inventory.close();
    other.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://inventory.example/x", "http://inventory.example./x",
      "http://INVENTORY.Example./x", "http://Inventory.EXAMPLE:8080/x"})
  void everySpellingOfTheHostChoosesItsVirtualHost(String url) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    assertThat(inventory.received).hasSize(1);
    assertThat(inventory.take().getTarget()).isEqualTo("/x");
    assertThat(other.received).isEmpty();
  }
}
