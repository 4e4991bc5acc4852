package io.mesh4j.gateway;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/** Jetty's WebSocket client on loopback, and a listener that queues what it receives. */
public final class WsClient implements AutoCloseable {
  final WebSocketClient client = new WebSocketClient();

  WsClient() throws Exception {
    client.start();
  }

  Socket connect(String url) throws Exception {
    Socket s = new Socket();
    client.connect(s, URI.create(url)).get(10, TimeUnit.SECONDS);
    return s;
  }

  @Override
  public void close() throws Exception {
    client.stop();
  }

  /** Waits for {@code condition} until {@code deadline}; fails with {@code what} if it never holds. */
  static void await(String what, Duration deadline, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) throw new AssertionError("timed out waiting for " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** One client socket: texts and binaries received, in order, and how it closed. */
  public static final class Socket implements Session.Listener.AutoDemanding {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final BlockingQueue<ByteBuffer> binaries = new LinkedBlockingQueue<>();
    final CountDownLatch closed = new CountDownLatch(1);
    volatile Session session;
    volatile int closeStatus;
    volatile String closeReason;

    @Override
    public void onWebSocketOpen(Session s) {
      session = s;
    }

    @Override
    public void onWebSocketText(String message) {
      texts.add(message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
      binaries.add(ByteBuffer.allocate(payload.remaining()).put(payload).flip());
      callback.succeed();
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
      closeStatus = status;
      closeReason = reason;
      closed.countDown();
    }

    void send(String text) {
      session.sendText(text, Callback.NOOP);
    }

    boolean awaitClosed(Duration d) throws InterruptedException {
      return closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
