package io.mesh4j.gateway;

import io.mesh4j.Mesh;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The front: a real Jetty 12 (ee10) on 127.0.0.1 with a {@link MeshFilter} on /* and a "local
 * application" servlet that answers {@code local <path>} and counts its requests. With {@code
 * async} false the filter and servlet are not async-supported, so the gateway runs blocking.
 */
final class Front implements AutoCloseable {
  final Server server;
  final ServerConnector connector;
  final QueuedThreadPool threads;
  final AtomicInteger localHits = new AtomicInteger();
  final MeshFilter filter;
  final MeshGateway gateway;

  Front(Mesh mesh, boolean async) throws Exception {
    this(mesh, async, Gateways.create(mesh));
  }

  Front(Mesh mesh, boolean async, MeshGateway gateway) throws Exception {
    this(mesh, async, gateway, false);
  }

  /**
   * With {@code lenientUris}, Jetty lets {@code %2F}, {@code %2E} and empty segments reach the
   * filter ({@code UriCompliance.UNSAFE}, decoded ambiguous URIs); by default it answers 400 itself.
   */
  Front(Mesh mesh, boolean async, MeshGateway gateway, boolean lenientUris) throws Exception {
    this.gateway = gateway;
    this.filter = gateway == null ? new MeshFilter(mesh)
        : MeshFilter.builder(mesh).forwarder(gateway).build();
    threads = new QueuedThreadPool(64, 8);
    threads.setName("front");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    if (lenientUris) http.setUriCompliance(UriCompliance.UNSAFE);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    if (lenientUris) context.getServletHandler().setDecodeAmbiguousURIs(true);
    FilterHolder f = new FilterHolder((Filter) filter);
    f.setAsyncSupported(async);
    context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ServletHolder local = new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        localHits.incrementAndGet();
        byte[] body = ("local " + req.getRequestURI()).getBytes(StandardCharsets.UTF_8);
        res.setStatus(200);
        res.setContentType("text/plain");
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
      }
    });
    local.setAsyncSupported(async);
    context.addServlet(local, "/*");
    server.setHandler(context);
    server.start();
  }

  int port() {
    return connector.getLocalPort();
  }

  String url(String pathAndQuery) {
    return "http://127.0.0.1:" + port() + pathAndQuery;
  }

  @Override
  public void close() throws Exception {
    server.stop();
    if (gateway != null) gateway.close();
  }
}
