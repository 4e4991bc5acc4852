package io.mesh4j.examples;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * The mesh in front of a servlet application, nothing else: {@code /api/} is rate limited (429 past
 * 5 requests/s, burst 10), {@code /internal/} is only for 10.0.0.0/8 (403 for everyone else).
 * {@code java -cp examples/target/mesh4j-demo.jar io.mesh4j.examples.ServerOnlyExample 8080}
 */
public final class ServerOnlyExample {
  /** The whole mesh config. Usually a mesh.yaml file. */
  public static final String CONFIG = """
      version: 1
      service: orders
      inbound:
        virtual_hosts:
          - name: orders
            domains: ["*"]
            routes:
              - { name: api, match: { prefix: /api/ }, pass: {}, rate_limit: { requests_per_second: 5, burst: 10 } }
        authz:
          default_action: allow
          rules:
            - { name: ops-network, action: allow, match: { prefix: /internal/, source: [10.0.0.0/8] } }
            - { name: internal, action: deny, match: { prefix: /internal/ } }
      """;

  public static void main(String[] args) throws Exception {
    Server server = start(Mesh.of(ConfigLoader.load(CONFIG)), args.length > 0 ? Integer.parseInt(args[0]) : 8080);
    System.out.println("try: curl -i " + server.getURI() + "api/orders  (and internal/stats)");
    server.join();
  }

  /** Starts Jetty on {@code port} (0: any free one) with {@link MeshFilter} in front of the app. */
  public static Server start(Mesh mesh, int port) throws Exception {
    ServletContextHandler app = new ServletContextHandler("/");
    FilterHolder mesh4j = new FilterHolder(new MeshFilter(mesh));       // the mesh, in front
    mesh4j.setAsyncSupported(true);
    app.addFilter(mesh4j, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    app.addServlet(new ServletHolder(new HttpServlet() {   // the application: no limits, no rules
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        res.setContentType("text/plain");
        res.getWriter().println("orders: " + req.getRequestURI());
      }
    }), "/*");
    Server server = new Server(new InetSocketAddress("127.0.0.1", port));
    server.setHandler(app);
    server.start();
    return server;
  }
}
