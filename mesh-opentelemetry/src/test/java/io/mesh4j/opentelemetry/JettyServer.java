package io.mesh4j.opentelemetry;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** An embedded Jetty 12 (ee10) server on 127.0.0.1 with a filter on /* and servlets. */
final class JettyServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private JettyServer(Filter filter, Map<String, HttpServlet> servlets) throws Exception {
    server = new Server();
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder f = new FilterHolder(filter);
    f.setAsyncSupported(true);
    context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    servlets.forEach((path, servlet) -> {
      ServletHolder h = new ServletHolder(servlet);
      h.setAsyncSupported(true);
      context.addServlet(h, path);
    });
    server.setHandler(context);
    server.start();
  }

  static JettyServer start(Filter filter, Map<String, HttpServlet> servlets) throws Exception {
    return new JettyServer(filter, servlets);
  }

  int port() {
    return connector.getLocalPort();
  }

  HttpUrl url(String path) {
    return HttpUrl.get("http://127.0.0.1:" + port() + path);
  }

  /** Waits for {@code condition}, checking every millisecond, failing after 10 seconds. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
