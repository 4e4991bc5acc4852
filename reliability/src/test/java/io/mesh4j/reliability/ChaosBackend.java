package io.mesh4j.reliability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * One real embedded Jetty 12 backend on {@code 127.0.0.1} whose behaviour is switched on command:
 * killed and restarted on the same port, slowed down, answering 503, stalling, resetting
 * connections mid-response, or lying (healthy health endpoint, failing traffic).
 *
 * <p>Every request other than {@code /health} that carries {@value Ledger#ID_HEADER} is recorded
 * in the shared {@link Ledger} <em>as soon as it arrives</em>, whatever the mode does next, so a
 * request that reached a backend is counted even when it is then stalled, reset or answered 503.
 *
 * <p>Thread-safe: modes are switched from any thread; requests already being handled finish under
 * the mode they started with.
 */
final class ChaosBackend implements AutoCloseable {
  /** What the backend does with the next requests. */
  enum Mode {
    /** 200 with a small body. */
    OK,
    /** Stopped: connections refused (the listening socket is closed). */
    DOWN,
    /** 200, after {@link #SLOW_DELAY}. */
    SLOW,
    /** 503 for traffic; the health endpoint still answers 200. */
    ERROR_503,
    /** Accepts and reads requests, health checks included, and never answers. */
    STALL,
    /**
     * Traffic: alternately closes the connection before any response byte, or sends the headers
     * and part of the body and then closes it. The health endpoint answers 200.
     */
    RESET,
    /** The health endpoint answers 200 while traffic gets 500. */
    LIE,
    /** 200 with {@code x-mesh-draining: true}: the instance asks its clients to stop sending. */
    DRAINING
  }

  static final Duration SLOW_DELAY = Duration.ofMillis(60);
  private static final byte[] HEALTHY = "ok\n".getBytes(StandardCharsets.US_ASCII);
  private static final int BODY_LENGTH = 256;

  final int index;
  private final Server server;
  private final ServerConnector connector;
  private final Ledger ledger;
  private final ScheduledExecutorService timer;
  private final Set<Callback> stalled = ConcurrentHashMap.newKeySet();
  private final AtomicLong resets = new AtomicLong();
  private final byte[] body;
  private volatile Mode mode = Mode.OK;
  private final int port;

  ChaosBackend(int index, ThreadPool pool, Ledger ledger, ScheduledExecutorService timer) {
    this.index = index;
    this.ledger = ledger;
    this.timer = timer;
    StringBuilder b = new StringBuilder("backend ").append(index).append(' ');
    while (b.length() < BODY_LENGTH - 1) b.append('.');
    this.body = b.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
    this.server = new Server(pool);
    this.connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setReuseAddress(true);
    connector.setIdleTimeout(30_000);
    server.addConnector(connector);
    server.setHandler(new Chaos());
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("backend " + index + " did not start: " + e, e);
    }
    this.port = connector.getLocalPort();
    connector.setPort(port); // a restart binds the same port again
  }

  /** {@code 127.0.0.1:port}, the same across restarts. */
  String address() {
    return "127.0.0.1:" + port;
  }

  Mode mode() {
    return mode;
  }

  /**
   * Switches to {@code next}: {@link Mode#DOWN} stops the server (its connections are closed),
   * leaving {@code DOWN} starts it again on the same port. Leaving {@link Mode#STALL} aborts the
   * stalled exchanges.
   */
  synchronized void mode(Mode next) {
    Mode previous = mode;
    if (previous == next) return;
    if (next == Mode.DOWN) {
      mode = next;
      releaseStalled();
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException("backend " + index + " did not stop: " + e, e);
      }
      return;
    }
    if (previous == Mode.DOWN) {
      try {
        server.start();
      } catch (Exception e) {
        throw new IllegalStateException("backend " + index + " did not restart on " + port + ": " + e, e);
      }
    }
    mode = next;
    if (previous == Mode.STALL) releaseStalled();
  }

  private void releaseStalled() {
    for (Callback c : stalled) {
      if (stalled.remove(c)) c.failed(new IllegalStateException("stall released"));
    }
  }

  @Override
  public synchronized void close() {
    mode = Mode.DOWN;
    releaseStalled();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("backend " + index + " did not stop: " + e, e);
    }
  }

  private final class Chaos extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      boolean health = "/health".equals(request.getHttpURI().getPath());
      String id = request.getHeaders().get(Ledger.ID_HEADER);
      if (!health && id != null) ledger.received(index, request.getMethod(), id);
      Mode m = mode;
      // Read the request body to its end first: answering with it unread would make Jetty close
      // the connection after the response, and the client's next request on that pooled
      // connection would fail for a reason no fault injected.
      Content.Source.consumeAll(request,
          Callback.from(() -> act(m, health, request, response, callback), callback::failed));
      return true;
    }

    private void act(Mode m, boolean health, Request request, Response response, Callback callback) {
      switch (m) {
        case OK, DOWN -> ok(health, response, callback);
        case SLOW -> timer.schedule(() -> ok(health, response, callback),
            SLOW_DELAY.toNanos(), TimeUnit.NANOSECONDS);
        case ERROR_503 -> {
          if (health) ok(true, response, callback);
          else status(503, response, callback);
        }
        case LIE -> {
          if (health) ok(true, response, callback);
          else status(500, response, callback);
        }
        case STALL -> {
          stalled.add(callback);
          if (mode != Mode.STALL && stalled.remove(callback)) {
            callback.failed(new IllegalStateException("stall released"));
          }
        }
        case DRAINING -> {
          if (!health) response.getHeaders().put("x-mesh-draining", "true");
          ok(health, response, callback);
        }
        case RESET -> {
          if (health) ok(true, response, callback);
          else reset(request, response, callback);
        }
      }
    }

    private void ok(boolean health, Response response, Callback callback) {
      byte[] content = health ? HEALTHY : body;
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, content.length);
      response.write(true, ByteBuffer.wrap(content), callback);
    }

    private void status(int status, Response response, Callback callback) {
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
      response.write(true, null, callback);
    }

    private void reset(Request request, Response response, Callback callback) {
      EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
      if ((resets.getAndIncrement() & 1) == 0) {
        endPoint.close();
        callback.failed(new IllegalStateException("reset before the response"));
        return;
      }
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(false, ByteBuffer.wrap(body, 0, body.length / 4), Callback.from(() -> {
        endPoint.close();
        callback.failed(new IllegalStateException("reset mid-response"));
      }, x -> callback.failed(x)));
    }
  }
}
