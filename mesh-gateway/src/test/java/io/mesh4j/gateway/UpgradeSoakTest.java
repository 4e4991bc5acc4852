package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.Test;

/**
 * Many WebSockets echoing through the gateway at once, each a ping-pong (the next message goes
 * when the last echo came back) until the run ends: every message sent comes back (0 lost), and
 * afterwards no tunnel, upstream session, client connection or tunnel thread is left.
 *
 * <p>Short by default (50 sockets, 2 s). The long form, 1,000 sockets for 60 s:
 * {@code mvn -B -o -pl mesh-gateway -am test -Dtest=UpgradeSoakTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dmesh4j.soak.sockets=1000 -Dmesh4j.soak.seconds=60}
 * (the properties reach the test fork through surefire's system properties).
 */
class UpgradeSoakTest {
  private static final int SOCKETS = Integer.getInteger("mesh4j.soak.sockets", 50);
  private static final int SECONDS = Integer.getInteger("mesh4j.soak.seconds", 2);

  @Test
  void everyFrameComesBackAndNothingIsLeftAfterwards() throws Exception {
    // -Dtest also selects this class in the 64 MB fork of LargeBodyTest: not a memory test.
    org.junit.jupiter.api.Assumptions.assumeFalse(Boolean.getBoolean("mesh4j.boundedHeap"));
    EchoUpstream up = new EchoUpstream();
    Mesh mesh = Mesh.builder().config(Configs.of(up.address(), "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: v2
                match: {prefix: /v2/}
                to: v2
                timeout: 10s              # bounds the upgrade handshake, not the tunnel
        """)).build();
    MeshGateway gateway = Gateways.create(mesh);
    Front front = new Front(mesh, true, gateway);
    WsClient ws = new WsClient();
    ws.client.setIdleTimeout(Duration.ofMinutes(5)); // sockets wait while the others open
    List<PingPong> sockets = new ArrayList<>();
    try {
      URI uri = URI.create("ws://127.0.0.1:" + front.port() + "/v2/ws");
      for (int i = 0; i < SOCKETS; i++) {
        PingPong p = new PingPong();
        ws.client.connect(p, uri).get(30, TimeUnit.SECONDS);
        sockets.add(p);
      }
      // A client sees its 101 a moment before Jetty hands the connection to the tunnel.
      WsClient.await("every tunnel to open", Duration.ofSeconds(30),
          () -> gateway.openUpgrades() == SOCKETS);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
      for (PingPong p : sockets) p.start(end);
      for (PingPong p : sockets) {
        assertThat(p.done.await(SECONDS + 60L, TimeUnit.SECONDS)).as("socket finished").isTrue();
      }
      long sent = 0;
      for (PingPong p : sockets) {
        assertThat(p.received.get()).as("echoes of one socket").isEqualTo(p.sent.get());
        assertThat(p.mismatches.get()).isZero();
        sent += p.sent.get();
      }
      assertThat(sent).isGreaterThanOrEqualTo(SOCKETS);
      System.out.printf("soak: %d sockets, %d s, %d messages echoed%n", SOCKETS, SECONDS, sent);

      for (PingPong p : sockets) p.session.close();
      WsClient.await("every tunnel to close", Duration.ofSeconds(30),
          () -> gateway.openUpgrades() == 0);
      WsClient.await("every upstream session to close", Duration.ofSeconds(30),
          () -> up.open.get() == 0);
      WsClient.await("every client connection to the front to close", Duration.ofSeconds(30),
          () -> front.connector.getConnectedEndPoints().isEmpty());
      WsClient.await("every upstream connection to close", Duration.ofSeconds(30),
          () -> up.connector.getConnectedEndPoints().isEmpty());
    } finally {
      ws.close();
      front.close();
      mesh.close();
      up.close();
    }
    WsClient.await("the tunnel threads to end", Duration.ofSeconds(30),
        () -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("mesh4j-gateway-tunnel") && t.isAlive()));
  }

  /** Sends message n+1 when echo n came back, until the deadline; checks every echo. */
  public static final class PingPong implements Session.Listener.AutoDemanding {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong mismatches = new AtomicLong();
    final CountDownLatch done = new CountDownLatch(1);
    private volatile long end;
    volatile Session session;

    @Override
    public void onWebSocketOpen(Session s) {
      session = s;
    }

    void start(long end) {
      this.end = end;
      send();
    }

    private void send() {
      long n = sent.incrementAndGet();
      session.sendText(Long.toString(n), Callback.NOOP);
    }

    @Override
    public void onWebSocketText(String message) {
      long n = received.incrementAndGet();
      if (!message.equals(Long.toString(n))) mismatches.incrementAndGet();
      if (System.nanoTime() - end < 0) {
        send();
      } else {
        done.countDown();
      }
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
      done.countDown();
    }
  }
}
