package io.mesh4j.servlet.admin;

import io.mesh4j.servlet.AdminHandler;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * An embedded Jetty 12 (ee10) on 127.0.0.1 with an "application" that answers 404 to everything,
 * and, unless {@code admin} is null, a tiny filter in front of it that offers each request to the
 * admin handler first (standing in for MeshFilter), with the socket peer as the source address.
 *
 * <p>{@link #beforeNextClustersPoll} queues actions the filter runs just before it hands the next
 * {@code /mesh/clusters} request to the admin (and {@link #beforeEveryClustersPoll} one for every
 * request), so a test can change state exactly between two dashboard polls.
 */
final class AdminServer implements AutoCloseable {
  private final Server server;
  private final int port;
  private final Queue<Runnable> beforeClustersPoll = new ConcurrentLinkedQueue<>();
  private volatile Runnable everyClustersPoll = () -> { };

  AdminServer(AdminHandler admin) throws Exception {
    this(admin, "");
  }

  AdminServer(AdminHandler admin, String contextPath) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(contextPath.isEmpty() ? "/" : contextPath);
    if (admin != null) {
      context.addFilter(new FilterHolder(new AdminFirst(admin, this)), "/*",
          EnumSet.of(DispatcherType.REQUEST));
    }
    context.addServlet(new ServletHolder(new NotFoundApp()), "/*");
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  /** Wraps a servlet context around {@code servlet} mapped at {@code mapping}. */
  static AdminServer withServlet(HttpServlet servlet, String mapping) throws Exception {
    return new AdminServer(servlet, mapping);
  }

  private AdminServer(HttpServlet servlet, String mapping) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ServletHolder(servlet), mapping);
    server.setHandler(context);
    server.start();
    port = connector.getLocalPort();
  }

  int port() {
    return port;
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  void beforeNextClustersPoll(Runnable action) {
    beforeClustersPoll.add(action);
  }

  /** Runs {@code action} before every {@code /mesh/clusters} request from now on. */
  void beforeEveryClustersPoll(Runnable action) {
    everyClustersPoll = action;
  }

  private void beforeClustersPoll() {
    Runnable r;
    while ((r = beforeClustersPoll.poll()) != null) r.run();
    everyClustersPoll.run();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /** What an application without a page at the path answers. */
  static final class NotFoundApp extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
      res.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }

  private static final class AdminFirst implements Filter {
    private final AdminHandler admin;
    private final AdminServer server;

    AdminFirst(AdminHandler admin, AdminServer server) {
      this.admin = admin;
      this.server = server;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest req = (HttpServletRequest) request;
      if (req.getRequestURI().endsWith("/mesh/clusters")) server.beforeClustersPoll();
      if (!admin.handle(req, (HttpServletResponse) response, req.getRemoteAddr())) {
        chain.doFilter(request, response);
      }
    }
  }
}
