package io.mesh4j.examples.demo;

import io.mesh4j.Mesh;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Server;

/**
 * One upstream instance (an {@code inventory} or {@code inventory-v2} endpoint): a small servlet
 * application behind its own {@link MeshFilter} and {@link Mesh} in embedded Jetty. It answers
 * every GET with which instance served it and whether the request carried {@code x-canary: true};
 * its MeshFilter answers the health path (200, or 503 while draining).
 *
 * <p>{@link #kill()} stops the server as a crash would (requests in flight are cut off);
 * {@link #restart()} starts a new process-like instance (a new mesh) on the same port;
 * {@link #drain()} drains its mesh. Thread-safe.
 */
final class Instance {
  /** The response header naming the instance that answered. */
  static final String SERVED_BY = "x-served-by";
  /** The response header saying whether the instance saw {@code x-canary: true}. */
  static final String SAW_CANARY = "x-saw-canary";

  private final String name;
  private final String cluster;
  private final int weight;
  private final String healthPath;
  private final AtomicLong served = new AtomicLong();
  private volatile int port;
  private volatile Server server;
  private volatile Mesh mesh;

  Instance(String name, String cluster, int weight, String healthPath) {
    this.name = name;
    this.cluster = cluster;
    this.weight = weight;
    this.healthPath = healthPath;
  }

  String name() {
    return name;
  }

  String cluster() {
    return cluster;
  }

  /** The configured weight. */
  int weight() {
    return weight;
  }

  /** The port it listens on (after {@link #start}). */
  int port() {
    return port;
  }

  /** {@code 127.0.0.1:port}. */
  String address() {
    return "127.0.0.1:" + port;
  }

  /** Requests its application answered (health checks and admin requests not included). */
  long served() {
    return served.get();
  }

  /** Whether it is running. */
  boolean running() {
    return server != null;
  }

  /** Starts it on {@code port} (0: any free port). */
  synchronized void start(int requestedPort) throws IOException {
    if (server != null) throw new IllegalStateException(name + " is already running");
    // Each instance is its own little service: its mesh answers the health path and /mesh/
    // (admin on loopback, so `curl -X POST http://127.0.0.1:<port>/mesh/drain` drains it).
    Mesh m = Mesh.of(MeshConfig.builder()
        .service(cluster)
        .healthPath(healthPath)
        .admin(a -> a.enabled(true))
        .build());
    try {
      Server s = Jetty.start(name, requestedPort, Jetty.app(new MeshFilter(m), new Api()));
      this.port = Jetty.port(s);
      this.mesh = m;
      this.server = s;
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Stops it abruptly, as if the process died. */
  synchronized void kill() {
    Server s = server;
    Mesh m = mesh;
    server = null;
    mesh = null;
    Jetty.stopQuietly(s);
    if (m != null) m.close();
  }

  /** Starts it again on the same port, with a fresh mesh (a new process). */
  synchronized void restart() throws IOException {
    start(port);
  }

  /** Drains its mesh: the health path answers 503 and every response says so. */
  void drain() {
    Mesh m = mesh;
    if (m == null) throw new IllegalStateException(name + " is not running");
    m.drain();
  }

  /** Whether its mesh drains. */
  boolean draining() {
    Mesh m = mesh;
    return m != null && m.isDraining();
  }

  private final class Api extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
      served.incrementAndGet();
      boolean canary = "true".equals(req.getHeader(RequestKind.CANARY_HEADER));
      res.setHeader(SERVED_BY, name);
      res.setHeader(SAW_CANARY, Boolean.toString(canary));
      res.setContentType("application/json");
      byte[] body = ("{\"served_by\":\"" + name + "\",\"cluster\":\"" + cluster + "\",\"path\":\""
          + req.getRequestURI().replace("\"", "") + "\",\"x_canary\":" + canary
          + ",\"items\":[\"apple\",\"pear\",\"plum\"]}\n").getBytes(StandardCharsets.UTF_8);
      res.setContentLength(body.length);
      res.getOutputStream().write(body);
    }
  }
}
