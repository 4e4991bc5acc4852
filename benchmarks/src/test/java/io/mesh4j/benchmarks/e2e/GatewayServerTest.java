package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.gateway.GatewayTransport;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scenario G's gateway: real Jetty backends behind a real Jetty + MeshFilter + mesh-gateway. */
class GatewayServerTest {

  @ParameterizedTest(name = "async {0}, {1}")
  @CsvSource({"true, JETTY", "false, JETTY", "true, OKHTTP", "false, OKHTTP"})
  void theGatewayForwardsEveryRequestEvenlyOverTheBackendsOnKeptAliveConnections(boolean async,
      GatewayTransport transport) throws IOException {
    OkHttpClient client = HttpClients.newClient();
    try (BackendServer backends = BackendServer.start(3);
        GatewayServer gateway = GatewayServer.start(backends.ports(), async, transport)) {
      Hops.assertRoundRobinOverThreeBackends(client, gateway.port());
      // One connection from the client, and at most one per backend from the gateway (plus the
      // health checks' own connections): nothing reconnects per request.
      assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
      if (transport == GatewayTransport.OKHTTP) {
        assertThat(gateway.client().connectionPool().connectionCount()).isEqualTo(3);
      } else {
        List<Destination> pools = gateway.gateway().jettyClient().getDestinations();
        assertThat(pools).hasSize(3);
        for (Destination d : pools) {
          assertThat(((AbstractConnectionPool) d.getConnectionPool()).getConnectionCount()).isEqualTo(1);
        }
      }
      // The filter counts an exchange when it completes, which may be just after the client read
      // the last answer: wait for it with a deadline.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (forwarded(gateway) < 30 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      assertThat(forwarded(gateway)).isEqualTo(30);
    } finally {
      HttpClients.shutdown(client);
    }
  }

  private static long forwarded(GatewayServer gateway) {
    long n = 0;
    for (Timer t : gateway.mesh().meterRegistry().find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_OUTCOME, MeshMetricNames.OUTCOME_FORWARD).timers()) {
      n += t.count();
    }
    return n;
  }

  @Test
  void inItsOwnJvmItPrintsItsPortForwardsAndStopsWhenStdinCloses(@TempDir Path dir) throws IOException {
    OkHttpClient client = HttpClients.newClient();
    try (BackendServer backends = BackendServer.start(3)) {
      GatewayProcess process = GatewayProcess.start(backends.ports(), dir.resolve("err.log"));
      try {
        SidecarScenario g = SidecarScenario.gateway(process);
        assertThat(g.key()).isEqualTo("G");
        long cpuBefore = g.sidecarCpuNanos();
        assertThat(cpuBefore).as("the JVM's start-up CPU").isPositive();
        for (int i = 0; i < 3; i++) assertThat(g.newExchange().run()).isTrue();
        g.close();
      } finally {
        process.close();
      }
      assertThat(process.isAlive()).isFalse();
      assertThat(process.exitValue()).as("exited by itself, not killed").isZero();
      assertThat(Files.readString(dir.resolve("err.log"), StandardCharsets.UTF_8)).doesNotContain("Exception");
    } finally {
      HttpClients.shutdown(client);
    }
  }
}
