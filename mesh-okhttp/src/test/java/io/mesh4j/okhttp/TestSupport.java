package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;

/** Small helpers shared by the client tests. */
final class TestSupport {
  private TestSupport() {}

  /** Waits until {@code condition} holds, polling; fails with {@code what} after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting: " + what);
      LockSupport.parkNanos(1_000_000L);
    }
  }

  /**
   * Fails unless {@code client} ends with no call running and every pooled connection idle (a
   * connection still held by a call means a response body was leaked).
   */
  static void assertNoLeaks(OkHttpClient client) {
    await("no running calls", Duration.ofSeconds(5),
        () -> client.dispatcher().runningCallsCount() == 0);
    await("every pooled connection idle", Duration.ofSeconds(5),
        () -> client.connectionPool().connectionCount() == client.connectionPool().idleConnectionCount());
    assertThat(client.dispatcher().runningCallsCount()).isZero();
  }

  /** A loopback port nothing listens on (bound then closed): connecting to it is refused. */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Mesh.Builder meshBuilder(String yaml) {
    return Mesh.builder().config(ConfigLoader.load(yaml));
  }
}
