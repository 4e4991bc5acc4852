package io.mesh4j.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reconnects against a port nobody listens on (127.0.0.1): every attempt is refused, and the
 * delays follow random(0, min(max, initial * 2^failures)) on the injected scheduler.
 */
class XdsClientBackoffTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  final FakeTime time = new FakeTime();
  /** Always the middle of the jitter range, so each delay is half its cap. */
  final RandomGenerator half = new RandomGenerator() {
    @Override
    public long nextLong() {
      throw new UnsupportedOperationException();
    }

    @Override
    public double nextDouble() {
      return 0.5;
    }
  };
  Mesh mesh;
  XdsClient xds;

  @BeforeEach
  void start() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    mesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: s\n"))
        .ticker(time).scheduler(time).build();
    XdsBootstrap b = XdsBootstrap.builder().server("127.0.0.1:" + closedPort).nodeId("n")
        .outbound("out").backoff(Duration.ofSeconds(1), Duration.ofSeconds(10)).build();
    xds = XdsClient.builder(b, mesh).scheduler(time).random(half).start();
  }

  @AfterEach
  void stop() {
    xds.close();
    mesh.close();
  }

  void awaitBackoffAfter(long streams) throws InterruptedException {
    assertThat(xds.awaitStatus(s -> s.streams() == streams
        && s.state() == XdsStatus.State.BACKOFF, WAIT)).isTrue();
  }

  @Test
  void delaysDoubleUpToTheMaxWithFullJitterAndTheMeshKeepsServing() throws Exception {
    List<Duration> delays = new java.util.ArrayList<>();
    for (long n = 1; n <= 6; n++) {
      awaitBackoffAfter(n);
      assertThat(time.pendingDelays()).hasSize(1);
      Duration d = time.pendingDelays().get(0);
      delays.add(d);
      time.advance(d);
    }

    assertThat(delays).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    assertThat(mesh.current().generation()).isEqualTo(1);
    assertThat(xds.status().types().values())
        .allSatisfy(t -> assertThat(t.version()).isEmpty());
  }

  @Test
  void closeCancelsThePendingReconnect() throws Exception {
    awaitBackoffAfter(1);

    xds.close();

    assertThat(time.pendingTasks()).isZero();
    assertThat(xds.status().state()).isEqualTo(XdsStatus.State.CLOSED);
    assertThat(mesh.configSources()).isEmpty();
  }
}
