package io.mesh4j.benchmarks.e2e;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.gateway.GatewayTransport;
import io.mesh4j.gateway.MeshGateway;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Scenario G's hop: an application server that forwards everything. Embedded Jetty 12 (ee10) on
 * an ephemeral 127.0.0.1 port with {@link MeshFilter} on {@code /*} (REQUEST and ASYNC, async
 * supported, as docs/servlet.md recommends, unless {@value #ASYNC_PROPERTY} is {@code false}) and
 * a {@link MeshGateway} forwarder; the mesh's one
 * inbound route sends every path {@code to: backend}, the cluster of {@link MeshBenchConfig} with
 * scenario B's full default policy. The servlet behind the filter answers 404 and is never reached
 * while the route forwards.
 *
 * <p>The transport is {@value #TRANSPORT_PROPERTY} (default: the gateway's default, Jetty's
 * HttpClient, whose per-endpoint pools hold up to the cluster's {@code max_concurrent_requests}
 * connections). The OkHttp client keeps up to {@value HttpClients#MAX_IDLE_CONNECTIONS} idle
 * connections and allows as many concurrent calls (per host too), like nginx's {@code keepalive
 * 256} pool in scenario D, so neither hop reconnects under load.
 *
 * <p>As a program ({@code java -cp benchmarks.jar io.mesh4j.benchmarks.e2e.GatewayServer
 * p1,p2,p3}) it prints one line {@code port: N} once it accepts connections and stops when its
 * standard input reaches end of file. Thread-safe; {@link #close()} is idempotent.
 */
public final class GatewayServer implements AutoCloseable {
  /**
   * System property: {@code false} maps the filter and servlet without async support, so the
   * gateway forwards on the container thread (blocking mode); default {@code true} (async).
   */
  static final String ASYNC_PROPERTY = "mesh4j.bench.gateway.async";

  /**
   * System property: the gateway's {@link GatewayTransport} ({@code JETTY} or {@code OKHTTP});
   * default {@link MeshGateway#DEFAULT_TRANSPORT}.
   */
  static final String TRANSPORT_PROPERTY = "mesh4j.bench.gateway.transport";

  /** The transport {@value #TRANSPORT_PROPERTY} names, or the default. */
  static GatewayTransport transport() {
    String t = System.getProperty(TRANSPORT_PROPERTY);
    return t == null || t.isBlank() ? MeshGateway.DEFAULT_TRANSPORT
        : GatewayTransport.valueOf(t.trim().toUpperCase(java.util.Locale.ROOT));
  }

  private final Mesh mesh;
  private final MeshGateway gateway;
  private final Server server;
  private final int port;

  private GatewayServer(Mesh mesh, MeshGateway gateway, Server server, int port) {
    this.mesh = mesh;
    this.gateway = gateway;
    this.server = server;
    this.port = port;
  }

  /**
   * Starts the gateway in front of {@code backendPorts}.
   *
   * @throws IllegalStateException when Jetty cannot start (everything started is stopped again)
   */
  public static GatewayServer start(int[] backendPorts) {
    return start(backendPorts, !"false".equals(System.getProperty(ASYNC_PROPERTY)), transport());
  }

  /**
   * Starts the gateway in front of {@code backendPorts}, in async mode or in blocking mode.
   *
   * @throws IllegalStateException when Jetty cannot start (everything started is stopped again)
   */
  static GatewayServer start(int[] backendPorts, boolean async, GatewayTransport transport) {
    Mesh mesh = Mesh.builder().config(ConfigLoader.load(MeshBenchConfig.gatewayYaml(backendPorts))).build();
    MeshGateway gateway = MeshGateway.builder(mesh).transport(transport).client(upstreamClient()).build();
    Server server = hopServer("gateway");
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filter = new FilterHolder(MeshFilter.builder(mesh).forwarder(gateway).build());
    filter.setAsyncSupported(async);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    ServletHolder app = new ServletHolder(new NotForwarded());
    app.setAsyncSupported(async);
    context.addServlet(app, "/*");
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      GatewayServer partial = new GatewayServer(mesh, gateway, server, -1);
      partial.close();
      throw new IllegalStateException("cannot start the gateway: " + e, e);
    }
    return new GatewayServer(mesh, gateway, server, port(server));
  }

  /**
   * A Jetty server as every JVM hop of the benchmark runs it (the gateway, Jetty's own proxy): up
   * to 256 threads named {@code name}, one connector on an ephemeral 127.0.0.1 port with a
   * 1,024-deep accept queue and a 5-minute idle timeout. Not started.
   */
  static Server hopServer(String name) {
    QueuedThreadPool threads = new QueuedThreadPool(256, 8);
    threads.setName(name);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(1024);
    connector.setIdleTimeout(300_000);
    server.addConnector(connector);
    return server;
  }

  /** The port a started {@link #hopServer} listens on. */
  static int port(Server server) {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** The forwarding client before the gateway wraps it with the mesh. */
  private static OkHttpClient upstreamClient() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(HttpClients.MAX_IDLE_CONNECTIONS);
    dispatcher.setMaxRequestsPerHost(HttpClients.MAX_IDLE_CONNECTIONS);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(HttpClients.MAX_IDLE_CONNECTIONS, 5, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(10))
        .writeTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** The 127.0.0.1 port it listens on. */
  public int port() {
    return port;
  }

  /** The gateway's mesh, for tests. */
  Mesh mesh() {
    return mesh;
  }

  /** The mesh-wrapped OkHttp forwarding client, for tests. */
  OkHttpClient client() {
    return gateway.client();
  }

  /** The gateway, for tests. */
  MeshGateway gateway() {
    return gateway;
  }

  /** Stops Jetty, the forwarding client and the mesh; never throws. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception ignored) {
      // Best effort: the process is going away.
    }
    gateway.close(); // the Jetty client; the OkHttp client below is ours
    OkHttpClient client = gateway.client();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    mesh.close();
  }

  /**
   * Runs a gateway until standard input closes.
   *
   * @param args {@code p1,p2,p3}: the backends' ports
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    if (args.length != 1) throw new IllegalArgumentException("usage: GatewayServer p1,p2,p3");
    int[] ports = ChildJvm.ports(args[0]);
    try (GatewayServer gateway = start(ports)) {
      System.out.println("port: " + gateway.port());
      System.out.flush();
      ChildJvm.awaitStdinEnd();
    }
  }

  /** The application behind the filter: reached only by a request no route forwards. */
  private static final class NotForwarded extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
      res.sendError(404, "not forwarded");
    }
  }
}
