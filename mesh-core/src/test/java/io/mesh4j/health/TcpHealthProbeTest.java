package io.mesh4j.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TcpHealthProbeTest {
  private static final HealthCheckConfig CHECK =
      new HealthCheckConfig("tcp", null, null, Duration.ofSeconds(2), 3, 2, null);

  private final TcpHealthProbe probe = new TcpHealthProbe();

  @AfterEach
  void close() {
    probe.close();
  }

  private static ServerSocket listen() throws Exception {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return s;
  }

  private static Endpoint endpoint(int port) {
    return new Endpoint("inv", "127.0.0.1", port, 1, null);
  }

  @Test
  void anEndpointThatAcceptsConnectionsIsHealthy() throws Exception {
    try (ServerSocket server = listen()) {
      ProbeResult r = probe.probe(endpoint(server.getLocalPort()), CHECK).toCompletableFuture().get(5, TimeUnit.SECONDS);

      assertThat(r.passes(CHECK)).isTrue();
      assertThat(r.httpStatus()).isEqualTo(-1);
    }
  }

  @Test
  void aRefusedConnectionIsUnhealthyNotAnError() throws Exception {
    int port;
    try (ServerSocket server = listen()) {
      port = server.getLocalPort();
    }

    ProbeResult r = probe.probe(endpoint(port), CHECK).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(r.passes(CHECK)).isFalse();
    assertThat(r.detail()).contains("ConnectException");
  }

  @Test
  void aConnectThatHangsFailsAtTheTimeout() throws Exception {
    // A listener that never accepts, with a full backlog: Linux then drops new SYNs, so the
    // connect neither succeeds nor fails until the probe gives up.
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    List<java.net.Socket> fillers = new java.util.ArrayList<>();
    try (server) {
      for (int i = 0; i < 8; i++) {
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
        ch.configureBlocking(false);
        ch.connect(server.getLocalSocketAddress());
        fillers.add(ch.socket());
      }
      HealthCheckConfig quick = new HealthCheckConfig("tcp", null, null, Duration.ofMillis(300), 3, 2, null);
      long start = System.nanoTime();

      ProbeResult r = probe.probe(endpoint(server.getLocalPort()), quick).toCompletableFuture().get(5, TimeUnit.SECONDS);

      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.detail()).isEqualTo("connect timed out after 300ms");
      assertThat(tookMs).isBetween(290L, 3_000L);
    } finally {
      for (java.net.Socket s : fillers) s.close();
    }
  }

  @Test
  void manyProbesShareOneSelectorThread() throws Exception {
    try (ServerSocket server = listen()) {
      for (int i = 0; i < 20; i++) {
        assertThat(probe.probe(endpoint(server.getLocalPort()), CHECK).toCompletableFuture().get(5, TimeUnit.SECONDS).passes(CHECK))
            .isTrue();
      }

      assertThat(probeThreads()).hasSize(1);
    }
  }

  @Test
  void closeStopsTheSelectorThreadAndLaterProbesFailFast() throws Exception {
    try (ServerSocket server = listen()) {
      probe.probe(endpoint(server.getLocalPort()), CHECK).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    assertThat(probeThreads()).hasSize(1);

    probe.close();

    assertThat(probeThreads()).isEmpty();
    ProbeResult r = probe.probe(endpoint(1), CHECK).toCompletableFuture().getNow(null);
    assertThat(r.detail()).isEqualTo("probe closed");
  }

  @Test
  void noThreadStartsBeforeTheFirstProbe() {
    try (TcpHealthProbe idle = new TcpHealthProbe()) {
      assertThat(probeThreads()).isEmpty();
    }
  }

  private List<Thread> probeThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("mesh4j-tcp-probe-") && t.isAlive())
        .toList();
  }
}
