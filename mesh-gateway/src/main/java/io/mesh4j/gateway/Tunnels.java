package io.mesh4j.gateway;

import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One gateway's upgraded connections: the threads their copy loops run on, their idle and maximum
 * duration, and the set of open ones, so that {@link #close()} ends them all and tests can see that
 * none is left. Thread-safe.
 */
final class Tunnels implements AutoCloseable {
  final Ticker ticker;
  final Scheduler scheduler;
  /** No byte either way for this long ends a tunnel; {@code null}: never. */
  final Duration idleTimeout;
  /** A tunnel ends this long after it opened; {@code null}: never. */
  final Duration maxDuration;
  final ExecutorService executor;
  private final Set<JettyTunnel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** Whether Jetty 12 ee10 is on the class path ({@link JettyTunnel} needs it). */
  final boolean jetty = present("org.eclipse.jetty.ee10.servlet.ServletContextRequest");

  Tunnels(Ticker ticker, Scheduler scheduler, Duration idleTimeout, Duration maxDuration) {
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.idleTimeout = idleTimeout;
    this.maxDuration = maxDuration;
    AtomicInteger n = new AtomicInteger();
    // Threads are made when a tunnel opens and end 30 s after their last tunnel closed.
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "mesh4j-gateway-tunnel-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.executor = pool;
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, Tunnels.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Registers an opening tunnel; false once the gateway is closed. */
  boolean opened(JettyTunnel t) {
    open.add(t);
    if (closed) {
      open.remove(t);
      return false;
    }
    return true;
  }

  void closed(JettyTunnel t) {
    open.remove(t);
  }

  /** The tunnels open now. */
  int openCount() {
    return open.size();
  }

  /** Ends every open tunnel and stops the threads. */
  @Override
  public void close() {
    closed = true;
    for (JettyTunnel t : open) t.close("gateway closed");
    executor.shutdown();
  }
}
