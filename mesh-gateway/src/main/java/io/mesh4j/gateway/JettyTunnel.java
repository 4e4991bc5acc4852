package io.mesh4j.gateway;

import io.mesh4j.time.Scheduler;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import okio.Buffer;
import okio.BufferedSink;
import okio.BufferedSource;
import okio.Okio;
import okio.Socket;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection ({@code 101 Switching Protocols}, e.g. a WebSocket) that the gateway
 * forwarded, on Jetty 12: once the {@code 101} is sent, Jetty hands the client's connection to
 * this {@link org.eclipse.jetty.io.Connection} ({@link HttpStream#UPGRADE_CONNECTION_ATTRIBUTE},
 * the mechanism of Jetty's own WebSocket server), and bytes flow unparsed both ways — so every
 * frame of any protocol passes — until either side closes, an error, the idle timeout (no byte
 * either way) or the maximum duration; then both sides are closed, once.
 *
 * <p>Why not {@code HttpServletRequest#upgrade}: Jetty 12.1's servlet upgrade gives the handler
 * an input that is already at end of stream for a bodiless GET and keeps parsing the client's
 * frames as HTTP (measured: the first frame is answered {@code 400 Illegal character}).
 *
 * <p>Threads: client to upstream runs on Jetty's selector callbacks ({@link #onFillable}, no
 * thread waits for the client); upstream to client is a blocking copy loop on one thread of the
 * gateway's tunnel executor (okio sockets are blocking). 16 KB buffers each way. Thread-safe:
 * {@link #close(String)} may be called from any thread.
 */
final class JettyTunnel extends AbstractConnection {
  private static final Logger log = LoggerFactory.getLogger(JettyTunnel.class);
  private static final int BUFFER = 16 * 1024;

  private final Socket upstream;
  private final Tunnels tunnels;
  private final BufferedSink toUpstream;
  private final ByteBuffer in = ByteBuffer.allocate(BUFFER);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long lastActivity;
  private volatile Scheduler.Cancellable idleTimer;
  private volatile Scheduler.Cancellable maxTimer;
  private volatile String closedBy;

  private JettyTunnel(EndPoint endPoint, java.util.concurrent.Executor executor, Socket upstream,
      Tunnels tunnels) {
    super(endPoint, executor);
    this.upstream = upstream;
    this.tunnels = tunnels;
    this.toUpstream = Okio.buffer(upstream.getSink());
  }

  /** Whether {@code req} runs on Jetty 12 (ee10), where this tunnel can take the connection over. */
  static boolean supports(HttpServletRequest req) {
    try {
      return ServletContextRequest.getServletContextRequest(req) != null;
    } catch (LinkageError notJetty) {
      return false;
    }
  }

  /**
   * Arranges for the client's connection to become a tunnel to {@code upstream} once the {@code
   * 101} the caller is writing has been sent.
   */
  static void install(HttpServletRequest req, Socket upstream, Tunnels tunnels) {
    ServletContextRequest core = ServletContextRequest.getServletContextRequest(req);
    org.eclipse.jetty.io.Connection connection = core.getConnectionMetaData().getConnection();
    EndPoint endPoint = connection.getEndPoint();
    JettyTunnel tunnel = new JettyTunnel(endPoint, core.getComponents().getExecutor(), upstream,
        tunnels);
    core.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, tunnel);
  }

  @Override
  public void onOpen() {
    super.onOpen();
    if (!tunnels.opened(this)) {
      close("gateway closed");
      return;
    }
    // The tunnel's own idle rule (both directions) replaces the connector's.
    getEndPoint().setIdleTimeout(0);
    lastActivity = tunnels.ticker.read();
    if (tunnels.idleTimeout != null) {
      idleTimer = tunnels.scheduler.schedule(this::checkIdle, tunnels.idleTimeout);
    }
    if (tunnels.maxDuration != null) {
      maxTimer = tunnels.scheduler.schedule(() -> close("max duration"), tunnels.maxDuration);
    }
    try {
      tunnels.executor.execute(this::upstreamToClient);
    } catch (RuntimeException rejected) {
      close("gateway closed");
      return;
    }
    fillInterested();
  }

  /** Client to upstream: what the client sent, written to the upstream at once. */
  @Override
  public void onFillable() {
    try {
      while (!closed.get()) {
        BufferUtil.clear(in); // Jetty's fill appends after the limit (flush mode)
        int n = getEndPoint().fill(in);
        if (n == 0) {
          fillInterested();
          return;
        }
        if (n < 0) {
          close("client closed");
          return;
        }
        lastActivity = tunnels.ticker.read();
        toUpstream.write(in.array(), in.arrayOffset() + in.position(), in.remaining());
        toUpstream.flush();
      }
    } catch (IOException | RuntimeException e) {
      close(closed.get() ? "closed" : "client to upstream: " + e);
    }
  }

  private void upstreamToClient() {
    String end = "upstream closed";
    try {
      BufferedSource source = Okio.buffer(upstream.getSource());
      // The attempt's read timeout no longer applies: the tunnel has its own idle timeout.
      source.timeout().clearTimeout().clearDeadline();
      Buffer scratch = new Buffer();
      byte[] bytes = new byte[BUFFER];
      while (source.read(scratch, BUFFER) >= 0) {
        lastActivity = tunnels.ticker.read();
        int n;
        while ((n = scratch.read(bytes)) > 0) {
          FutureCallback written = new FutureCallback();
          getEndPoint().write(written, ByteBuffer.wrap(bytes, 0, n));
          written.get();
        }
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      end = closed.get() ? "closed" : "upstream to client: " + e;
    }
    close(end);
  }

  private void checkIdle() {
    if (closed.get()) return;
    long idle = tunnels.ticker.read() - lastActivity;
    long limit = tunnels.idleTimeout.toNanos();
    if (idle >= limit) {
      close("idle timeout");
    } else {
      idleTimer = tunnels.scheduler.schedule(this::checkIdle, Duration.ofNanos(limit - idle));
    }
  }

  @Override
  public void onClose(Throwable cause) {
    super.onClose(cause);
    close(cause == null ? "client connection closed" : "client connection: " + cause);
  }

  /** Why the tunnel ended, or {@code null} while open. */
  String closedBy() {
    return closedBy;
  }

  /** Ends both directions once; any thread. */
  void close(String reason) {
    if (!closed.compareAndSet(false, true)) return;
    closedBy = reason;
    Scheduler.Cancellable i = idleTimer;
    if (i != null) i.cancel();
    Scheduler.Cancellable m = maxTimer;
    if (m != null) m.cancel();
    upstream.cancel();
    closeQuietly(upstream.getSink());
    closeQuietly(upstream.getSource());
    getEndPoint().close();
    tunnels.closed(this);
    log.debug("mesh4j: upgraded connection closed: {}", reason);
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // Already broken: nothing more to release.
    }
  }
}
