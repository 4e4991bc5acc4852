package io.mesh4j.gateway;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A WebSocket upstream on 127.0.0.1 (Jetty 12 core WebSocket): at {@code /v2/ws} it echoes every
 * text and binary message; the text {@code bye} makes it close with 4001 "done". Records the
 * {@code Host} of each upgrade request and counts open sessions.
 */
public final class EchoUpstream implements AutoCloseable {
  final Server server;
  final ServerConnector connector;
  final List<String> upgradeHosts = new CopyOnWriteArrayList<>();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger upgrades = new AtomicInteger();

  EchoUpstream() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("echo-upstream");
    server = new Server(threads);
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ContextHandler context = new ContextHandler("/");
    WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container -> {
      // Sessions wait idle while a soak opens its other sockets: longer than Jetty's 30 s.
      container.setIdleTimeout(java.time.Duration.ofMinutes(5));
      container.addMapping("/v2/ws", (rq, rs, cb) -> {
          upgrades.incrementAndGet();
          upgradeHosts.add(rq.getHeaders().get("Host"));
          return new Echo();
        });
    });
    context.setHandler(ws);
    server.setHandler(context);
    server.start();
  }

  String address() {
    return "127.0.0.1:" + connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  public final class Echo implements Session.Listener.AutoDemanding {
    private Session session;

    @Override
    public void onWebSocketOpen(Session s) {
      session = s;
      open.incrementAndGet();
    }

    @Override
    public void onWebSocketText(String message) {
      if (message.equals("bye")) {
        session.close(4001, "done", Callback.NOOP);
      } else {
        session.sendText(message, Callback.NOOP);
      }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
      ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
      callback.succeed();
      session.sendBinary(copy, Callback.NOOP);
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
      open.decrementAndGet();
    }
  }
}
