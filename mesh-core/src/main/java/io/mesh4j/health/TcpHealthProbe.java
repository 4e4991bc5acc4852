package io.mesh4j.health;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@code tcp} probe: an endpoint is healthy when a TCP connection to it opens within
 * the check's {@code timeout}; the connection is closed at once, nothing is sent.
 *
 * <p>Connects are non-blocking, multiplexed on one selector thread ({@code
 * mesh4j-tcp-probe-<n>}) that starts with the first probe and stops on {@link #close()}; {@link
 * #probe} only enqueues, so it never blocks the scheduler thread. A DNS name (endpoint sources
 * normally hand out IP addresses) is resolved on that selector thread. Refused, unreachable,
 * unresolvable and timed-out connects complete the stage with {@link ProbeResult#unhealthy}; the
 * stage never completes exceptionally. The deadline uses the system clock, since the connect is
 * real I/O. Thread-safe.
 */
public final class TcpHealthProbe implements HealthProbe, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpHealthProbe.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ConcurrentLinkedQueue<Attempt> queue = new ConcurrentLinkedQueue<>();
  private final Object lifecycle = new Object();
  private Selector selector;
  private Thread thread;
  private volatile boolean closed;

  /** A probe whose selector thread starts on first use. */
  public TcpHealthProbe() {}

  @Override
  public CompletionStage<ProbeResult> probe(Endpoint endpoint, HealthCheckConfig config) {
    Attempt a =
        new Attempt(
            endpoint.host(),
            endpoint.port(),
            System.nanoTime() + Math.max(1_000_000L, config.timeout().toNanos()),
            config.timeout().toMillis());
    Selector s;
    synchronized (lifecycle) {
      if (closed) return CompletableFuture.completedFuture(ProbeResult.unhealthy("probe closed"));
      try {
        s = startIfNeeded();
      } catch (IOException e) {
        return CompletableFuture.completedFuture(ProbeResult.unhealthy("no selector: " + e));
      }
      queue.add(a);
    }
    s.wakeup();
    return a.result;
  }

  private Selector startIfNeeded() throws IOException {
    if (selector == null) {
      Selector s = Selector.open();
      Thread t = new Thread(() -> loop(s), "mesh4j-tcp-probe-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      selector = s;
      thread = t;
      t.start();
    }
    return selector;
  }

  private void loop(Selector s) {
    List<Attempt> active = new ArrayList<>();
    try {
      while (!closed) {
        long now = System.nanoTime();
        long wait = 0;
        for (Attempt a : active) {
          long left = Math.max(1, (a.deadline - now + 999_999) / 1_000_000);
          wait = wait == 0 ? left : Math.min(wait, left);
        }
        s.select(wait);
        if (closed) break;
        Attempt next;
        while ((next = queue.poll()) != null) start(s, next, active);
        Iterator<SelectionKey> it = s.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          Attempt a = (Attempt) key.attachment();
          try {
            if (((SocketChannel) key.channel()).finishConnect()) {
              finish(a, ProbeResult.healthy(), active);
            }
          } catch (IOException e) {
            finish(a, ProbeResult.unhealthy(describe(e)), active);
          }
        }
        now = System.nanoTime();
        for (int i = active.size() - 1; i >= 0; i--) {
          Attempt a = active.get(i);
          if (now - a.deadline >= 0) {
            finish(a, ProbeResult.unhealthy("connect timed out after " + a.timeoutMillis + "ms"), active);
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) log.warn("tcp health probe selector failed; probes now fail until restarted", e);
    } finally {
      for (Attempt a : List.copyOf(active)) finish(a, ProbeResult.unhealthy("probe closed"), active);
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing left to release
      }
      List<Attempt> stranded = new ArrayList<>();
      synchronized (lifecycle) {
        if (selector == s) {
          selector = null;
          thread = null;
        }
        Attempt left;
        while ((left = queue.poll()) != null) stranded.add(left);
      }
      for (Attempt a : stranded) a.result.complete(ProbeResult.unhealthy("probe closed"));
    }
  }

  private void start(Selector s, Attempt a, List<Attempt> active) {
    try {
      InetSocketAddress address = new InetSocketAddress(a.host, a.port);
      if (address.isUnresolved()) {
        a.result.complete(ProbeResult.unhealthy("unknown host " + a.host));
        return;
      }
      a.channel = SocketChannel.open();
      a.channel.configureBlocking(false);
      if (a.channel.connect(address)) {
        closeQuietly(a);
        a.result.complete(ProbeResult.healthy());
        return;
      }
      a.channel.register(s, SelectionKey.OP_CONNECT, a);
      active.add(a);
    } catch (IOException | RuntimeException e) {
      closeQuietly(a);
      a.result.complete(ProbeResult.unhealthy(describe(e)));
    }
  }

  private static void finish(Attempt a, ProbeResult r, List<Attempt> active) {
    active.remove(a);
    closeQuietly(a);
    a.result.complete(r);
  }

  private static void closeQuietly(Attempt a) {
    if (a.channel == null) return;
    try {
      a.channel.close();
    } catch (IOException ignored) {
      // the probe's verdict is already decided
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /**
   * Stops the selector thread and waits up to 5 seconds for it to end; pending probes complete as
   * unhealthy ("probe closed"). Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (lifecycle) {
      closed = true;
      t = thread;
      if (selector != null) selector.wakeup();
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final class Attempt {
    final String host;
    final int port;
    final long deadline;
    final long timeoutMillis;
    final CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    SocketChannel channel;

    Attempt(String host, int port, long deadline, long timeoutMillis) {
      this.host = host;
      this.port = port;
      this.deadline = deadline;
      this.timeoutMillis = timeoutMillis;
    }
  }
}
