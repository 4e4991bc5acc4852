package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WatchdogSentinelTest {
  private ServerSocket silent;
  private final List<Socket> accepted = new ArrayList<>();
  private Thread acceptor;

  /** A server that accepts connections and never answers: only a timeout ends a call to it. */
  @BeforeEach
  void startSilentServer() throws Exception {
    silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    acceptor = new Thread(() -> {
      try {
        while (true) {
          Socket s = silent.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
        }
      } catch (Exception closed) {
        // the test is over
      }
    }, "silent-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws Exception {
    silent.close();
    synchronized (accepted) {
      for (Socket s : accepted) s.close();
    }
    acceptor.join(5_000);
  }

  @Test
  void staysArmedWhileUsedAndLeavesTheQueueOnePeriodAfterTheLastUse() {
    WatchdogSentinel sentinel = new WatchdogSentinel(TimeUnit.MILLISECONDS.toNanos(20));
    assertThat(sentinel.armed()).isFalse();

    sentinel.touch();
    assertThat(sentinel.armed()).isTrue();
    // Touched while it comes due three times: re-armed each time.
    await("three dues while used", Duration.ofSeconds(10), () -> {
      sentinel.touch();
      assertThat(sentinel.armed()).isTrue();
      return sentinel.dues() >= 3;
    });

    int duesBefore = sentinel.dues();
    await("disarmed once unused", Duration.ofSeconds(10), () -> !sentinel.armed());
    // One due to notice the last use, one to find none: then it stays out of the queue.
    assertThat(sentinel.dues() - duesBefore).isBetween(1, 2);
    int duesAtRest = sentinel.dues();

    sentinel.touch();
    assertThat(sentinel.armed()).isTrue();
    await("due again after re-arming", Duration.ofSeconds(10), () -> sentinel.dues() > duesAtRest);
  }

  @Test
  void aCallTimeoutDueBeforeTheSentinelFiresAtItsOwnDeadline() {
    // A sentinel due in 10 s heads the queue; a 100 ms call timeout goes before it.
    new WatchdogSentinel(TimeUnit.SECONDS.toNanos(10)).touch();
    assertThat(timeOfCallTimingOut(100)).isBetween(100L, 5_000L);
  }

  @Test
  void aCallTimeoutDueAfterTheSentinelStillFires() {
    // A sentinel due every 200 ms comes due (and re-arms or leaves) while the call waits behind it.
    WatchdogSentinel sentinel = new WatchdogSentinel(TimeUnit.MILLISECONDS.toNanos(200));
    sentinel.touch();
    assertThat(timeOfCallTimingOut(700)).isBetween(700L, 4_000L);
    assertThat(sentinel.dues()).isPositive();
  }

  @Test
  void theSharedSentinelIsArmedByAnAttemptsCallTimeout() {
    WatchdogSentinel.beforeCallTimeout();
    assertThat(timeOfCallTimingOut(100)).isBetween(100L, 5_000L);
  }

  @Test
  void anOkioThatRefusesTheSentinelTurnsItOffWithoutFailingTheAttempt() {
    WatchdogSentinel sentinel = new WatchdogSentinel(TimeUnit.SECONDS.toNanos(10));
    sentinel.enter(); // already queued: okio refuses a second enter ("Unbalanced enter/exit")
    try {
      sentinel.touch(); // does not throw
      assertThat(sentinel.armed()).isTrue(); // off for good: never entered again
      sentinel.touch();
      assertThat(sentinel.dues()).isZero();
    } finally {
      sentinel.exit();
    }
  }

  /** Milliseconds until a call to the silent server with a call timeout of {@code millis} fails. */
  private long timeOfCallTimingOut(long millis) {
    OkHttpClient client = new OkHttpClient();
    try {
      Call call = client.newCall(
          new Request.Builder().url("http://127.0.0.1:" + silent.getLocalPort() + "/").build());
      call.timeout().timeout(millis, TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      assertThatThrownBy(call::execute)
          .isInstanceOf(InterruptedIOException.class)
          .hasMessageContaining("timeout");
      return (System.nanoTime() - start) / 1_000_000;
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
