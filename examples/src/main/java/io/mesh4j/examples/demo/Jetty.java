package io.mesh4j.examples.demo;

import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.BindException;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Small embedded Jetty 12 (ee10) servers on 127.0.0.1, sized for a demo with many of them. */
final class Jetty {
  private Jetty() {}

  /**
   * A servlet application: {@code filter} (when not null) on {@code /*} for REQUEST and ASYNC
   * dispatches, in front of {@code servlet} on {@code /*}, both async-supported. This is all it
   * takes to put a service behind mesh4j.
   */
  static ServletContextHandler app(MeshFilter filter, HttpServlet servlet) {
    ServletContextHandler context = new ServletContextHandler("/");
    if (filter != null) {
      FilterHolder holder = new FilterHolder(filter);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    }
    ServletHolder holder = new ServletHolder(servlet);
    // Async-supported (with the filter), so that requests the mesh forwards to a cluster do not
    // hold a container thread while the upstream answers (docs/gateway.md, Threads).
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    return context;
  }

  /**
   * Starts a server for {@code handler} on 127.0.0.1:{@code port} (0: any free port).
   *
   * @throws IOException when the port is taken (the message names it and {@code name}) or the
   *     server cannot start
   */
  static Server start(String name, int port, Handler handler) throws IOException {
    QueuedThreadPool threads = new QueuedThreadPool(24, 2);
    threads.setName(name);
    threads.setDaemon(true);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(handler);
    server.setStopTimeout(0);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw new IOException("port " + port + " (" + name + ") is already in use; stop whatever "
            + "uses it, or give the demo other ports (--port, --admin-port, --config)", e);
      }
      throw new IOException("cannot start " + name + " on 127.0.0.1:" + port + ": " + e, e);
    }
    return server;
  }

  /** The port {@code server} listens on. */
  static int port(Server server) {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** Stops {@code server}, dropping connections and requests in flight; never throws. */
  static void stopQuietly(Server server) {
    if (server == null) return;
    try {
      server.stop();
    } catch (Exception e) {
      // A server that fails to stop cleanly is stopped as far as the demo is concerned.
    }
  }
}
