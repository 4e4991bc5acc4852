package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSocket (and any {@code Upgrade}) forwarding: Jetty's WebSocket client → the front Jetty with
 * MeshFilter and the gateway → Jetty WebSocket echo upstreams, all on 127.0.0.1. The route's
 * picker and authz apply at the upgrade; frames then flow both ways until a side closes or a
 * timeout ends the tunnel.
 */
class GatewayUpgradeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  private Front front(String endpoints,
      java.util.function.Function<Mesh, MeshGateway> gateways, boolean async)
      throws Exception {
    Mesh mesh = closeLater(Mesh.builder().config(Configs.of(endpoints, "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: denied
                match: {prefix: /v2/ws, headers: [{name: x-deny, present: true}]}
                respond: {status: 403, body: denied}
              - name: v2
                match: {prefix: /v2/}
                to: v2
                timeout: 1s
        """)).build());
    MeshGateway gateway = gateways == null ? Gateways.create(mesh) : gateways.apply(mesh);
    return closeLater(new Front(mesh, async, gateway));
  }

  @ParameterizedTest(name = "filter async {0}")
  @ValueSource(booleans = {true, false})
  void framesFlowBothWaysUntilTheClientClosesAndNothingStaysOpen(boolean async) throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(), null, async);
    WsClient ws = closeLater(new WsClient());

    WsClient.Socket s = ws.connect("ws://127.0.0.1:" + front.port() + "/v2/ws");
    for (int i = 0; i < 100; i++) s.send("m" + i);
    s.session.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}),
        org.eclipse.jetty.websocket.api.Callback.NOOP);
    for (int i = 0; i < 100; i++) assertThat(s.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("m" + i);
    assertThat(s.binaries.poll(10, TimeUnit.SECONDS))
        .isEqualTo(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}));
    WsClient.await("the tunnel to open", WAIT, () -> front.gateway.openUpgrades() == 1);
    assertThat(up.upgradeHosts).containsExactly("127.0.0.1:" + front.port());

    s.session.close();
    assertThat(s.awaitClosed(WAIT)).isTrue();
    WsClient.await("the tunnel to close", WAIT, () -> front.gateway.openUpgrades() == 0);
    WsClient.await("the upstream session to close", WAIT, () -> up.open.get() == 0);
  }

  /** The upgrade goes through the route's picker: round robin over two upstreams. */
  @Test
  void eachUpgradeIsPickedByTheRoutesPicker() throws Exception {
    EchoUpstream a = closeLater(new EchoUpstream());
    EchoUpstream b = closeLater(new EchoUpstream());
    Front front = front(a.address() + ", " + b.address(), null, true);
    WsClient ws = closeLater(new WsClient());

    List<WsClient.Socket> sockets = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      WsClient.Socket s = ws.connect("ws://127.0.0.1:" + front.port() + "/v2/ws");
      s.send("hi " + i);
      assertThat(s.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("hi " + i);
      sockets.add(s);
    }

    assertThat(a.upgrades.get()).isEqualTo(3);
    assertThat(b.upgrades.get()).isEqualTo(3);
    for (WsClient.Socket s : sockets) s.session.close();
    WsClient.await("the tunnels to close", WAIT, () -> front.gateway.openUpgrades() == 0);
  }

  /** Authz / direct responses apply before the upgrade: the upstream never sees it. */
  @Test
  void aRouteThatAnswersItselfRefusesTheUpgradeBeforeTheUpstream() throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(), null, true);
    WsClient ws = closeLater(new WsClient());

    org.eclipse.jetty.websocket.client.ClientUpgradeRequest denied =
        new org.eclipse.jetty.websocket.client.ClientUpgradeRequest();
    denied.setHeader("x-deny", "1");
    assertThatThrownBy(() -> ws.client.connect(new WsClient.Socket(),
        java.net.URI.create("ws://127.0.0.1:" + front.port() + "/v2/ws"), denied)
        .get(10, TimeUnit.SECONDS))
        .hasStackTraceContaining("403");
    assertThat(up.upgrades.get()).isZero();
  }

  @Test
  void anUpstreamCloseReachesTheClientWithItsStatusAndReason() throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(), null, true);
    WsClient ws = closeLater(new WsClient());

    WsClient.Socket s = ws.connect("ws://127.0.0.1:" + front.port() + "/v2/ws");
    s.send("bye");

    assertThat(s.awaitClosed(WAIT)).isTrue();
    assertThat(s.closeStatus).isEqualTo(4001);
    assertThat(s.closeReason).isEqualTo("done");
    WsClient.await("the tunnel to close", WAIT, () -> front.gateway.openUpgrades() == 0);
  }

  /** A refused upgrade (the upstream has no WebSocket there) is passed to the client as is. */
  @Test
  void anUpstreamThatDoesNotSwitchProtocolsAnswersTheClientNormally() throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(), null, true);
    WsClient ws = closeLater(new WsClient());

    assertThatThrownBy(() -> ws.connect("ws://127.0.0.1:" + front.port() + "/v2/nothing"))
        .hasStackTraceContaining("404");
    assertThat(front.gateway.openUpgrades()).isZero();
  }

  @Test
  void anIdleTunnelIsClosedOnBothSides() throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(),
        m -> Gateways.builder(m).upgradeIdleTimeout(Duration.ofMillis(300)).build(), true);
    WsClient ws = closeLater(new WsClient());

    WsClient.Socket s = ws.connect("ws://127.0.0.1:" + front.port() + "/v2/ws");
    s.send("once");
    assertThat(s.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("once");

    assertThat(s.awaitClosed(WAIT)).isTrue();
    WsClient.await("the tunnel to close", WAIT, () -> front.gateway.openUpgrades() == 0);
    WsClient.await("the upstream session to close", WAIT, () -> up.open.get() == 0);
  }

  @Test
  void aTunnelIsClosedAtItsMaximumDurationWhateverItsTraffic() throws Exception {
    EchoUpstream up = closeLater(new EchoUpstream());
    Front front = front(up.address(),
        m -> Gateways.builder(m).upgradeMaxDuration(Duration.ofMillis(500)).build(), true);
    WsClient ws = closeLater(new WsClient());

    WsClient.Socket s = ws.connect("ws://127.0.0.1:" + front.port() + "/v2/ws");
    // Keep it busy: a ping-pong until the gateway ends it.
    int i = 0;
    while (s.closed.getCount() > 0 && i < 100_000) {
      s.send("p" + i);
      if (s.texts.poll(10, TimeUnit.SECONDS) == null) break;
      i++;
    }
    assertThat(s.awaitClosed(WAIT)).isTrue();
    assertThat(i).isPositive();
    WsClient.await("the tunnel to close", WAIT, () -> front.gateway.openUpgrades() == 0);
  }

  @Test
  void timeoutsMustBePositive() {
    Mesh mesh = closeLater(Mesh.builder().config(Configs.of("127.0.0.1:1", "", "{}")).build());
    assertThatThrownBy(() -> MeshGateway.builder(mesh).upgradeIdleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("upgradeIdleTimeout: PT0S (expected: a positive duration, or null for none)");
    assertThatThrownBy(() -> MeshGateway.builder(mesh).upgradeMaxDuration(Duration.ofSeconds(-1)))
        .hasMessageStartingWith("upgradeMaxDuration: PT-1S");
  }
}
