package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.cluster.Cluster;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.metrics.MeshMetricNames;
import java.io.IOException;
import java.time.Duration;
import mockwebserver3.MockResponse;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dying cluster of issue 19, over real sockets: outlier detection holds one endpoint ejected
 * (max_ejection_percent lets only one go) after it answered a 500 once; it is healthy again, and
 * then the two others die. Envoy (and mesh4j before the last resort) fails every request although
 * a live endpoint exists; the attempt loop tries the ejected endpoint once both usable ones
 * refused the connection.
 */
class LastResortClientTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  static Request get() {
    return new Request.Builder().url("http://inventory/items").build();
  }

  int status() throws IOException {
    try (Response r = f.client.newCall(get()).execute()) {
      return r.code();
    }
  }

  Endpoint endpoint(Backend b) {
    for (Endpoint e : f.mesh.cluster("inventory").endpoints()) {
      if (e.port() == b.port()) return e;
    }
    throw new AssertionError(b.address());
  }

  @Test
  void whenBothUsableEndpointsDieTheEjectedHealthyOneServesEveryRequest() throws IOException {
    Backend healthyAgain = f.backend().enqueue(new MockResponse.Builder().code(500).build());
    Backend dies1 = f.backend();
    Backend dies2 = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [%s, %s, %s]
            outlier_detection: { consecutive_5xx: 1, base_ejection_time: 300s }
            retry: { attempts: 3, backoff: { base: 1ms, max: 2ms }, budget: off }
        """.formatted(healthyAgain.address(), dies1.address(), dies2.address()));
    Cluster cluster = f.mesh.cluster("inventory");
    Endpoint ejected = endpoint(healthyAgain);
    // Its one 500 ejects it (default max_ejection_percent 10: at least one may always go).
    for (int i = 0; i < 3 && !cluster.status(ejected).ejected(); i++) status();
    assertThat(cluster.status(ejected).ejected()).isTrue();
    int servedBefore = healthyAgain.count();

    dies1.close();
    dies2.close();
    f.client.connectionPool().evictAll(); // the dead servers' kept-alive connections are gone too

    int failed = 0;
    for (int i = 0; i < 30; i++) {
      if (status() != 200) failed++;
    }

    assertThat(failed).isZero();
    assertThat(healthyAgain.count() - servedBefore).isEqualTo(30);
    assertThat(f.registry.get(MeshMetricNames.CLIENT_LAST_RESORT)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").counter().count()).isEqualTo(30);
    // The cap held: the dead endpoints were detected but never ejected, the healthy one stays out.
    assertThat(cluster.status(endpoint(dies1)).ejected()).isFalse();
    assertThat(cluster.status(endpoint(dies2)).ejected()).isFalse();
    assertThat(cluster.status(ejected).ejected()).isTrue();
    await("attempts reported", Duration.ofSeconds(5), () -> f.activeRequests("inventory") == 0);
  }

  @Test
  void withoutAnAttemptLeftForItTheCallFailsAsBefore() throws IOException {
    Backend healthyAgain = f.backend().enqueue(new MockResponse.Builder().code(500).build());
    Backend dies1 = f.backend();
    Backend dies2 = f.backend();
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [%s, %s, %s]
            outlier_detection: { consecutive_5xx: 1, base_ejection_time: 300s }
            retry: { attempts: 2, backoff: { base: 1ms, max: 2ms }, budget: off }
        """.formatted(healthyAgain.address(), dies1.address(), dies2.address()));
    Cluster cluster = f.mesh.cluster("inventory");
    Endpoint ejected = endpoint(healthyAgain);
    for (int i = 0; i < 3 && !cluster.status(ejected).ejected(); i++) status();
    assertThat(cluster.status(ejected).ejected()).isTrue();
    dies1.close();
    dies2.close();
    f.client.connectionPool().evictAll();

    Throwable t = org.assertj.core.api.Assertions.catchThrowable(this::status);

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.reason()).isEqualTo(MeshException.Reason.UPSTREAM_FAILURE);
      assertThat(e.attempts()).isEqualTo(2);
      assertThat(e.requestSent()).isFalse();
      assertThat(e.getMessage()).doesNotContain("last-resort");
    });
    assertThat(f.registry.get(MeshMetricNames.CLIENT_LAST_RESORT)
        .tag(MeshMetricNames.TAG_CLUSTER, "inventory").counter().count()).isZero();
  }
}
