package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The end-to-end comparison's backends: {@code count} embedded Jetty 12 servers on ephemeral
 * 127.0.0.1 ports, sharing one thread pool, each answering {@code GET /} (any path but {@code
 * /health}) with a fixed {@value #BODY_LENGTH}-byte text body naming the instance, and {@code GET
 * /health} with {@code 200 ok}. Other methods get 405.
 *
 * <p>As a program ({@code java -cp benchmarks.jar io.mesh4j.benchmarks.e2e.BackendServer 3}) it
 * prints one line {@code ports: p1,p2,p3} once every server accepts connections, and stops when its
 * standard input reaches end of file, so the backends never outlive the process that started them.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class BackendServer implements AutoCloseable {
  /** Length in bytes of every {@code GET /} response body. */
  public static final int BODY_LENGTH = 100;

  private final QueuedThreadPool pool;
  private final List<Server> servers;
  private final int[] ports;
  private final LongAdder connectionsOpened;

  private BackendServer(QueuedThreadPool pool, List<Server> servers, int[] ports, LongAdder opened) {
    this.pool = pool;
    this.servers = servers;
    this.ports = ports;
    this.connectionsOpened = opened;
  }

  /**
   * Starts {@code count} servers on ephemeral loopback ports.
   *
   * @throws IllegalArgumentException when {@code count} is not 1..16
   * @throws IllegalStateException when a server fails to start (those already started are stopped)
   */
  public static BackendServer start(int count) {
    return start(count, new long[count]);
  }

  /**
   * Starts {@code count} servers whose {@code GET /} answers after {@code serviceMillis[i]}
   * milliseconds (0: at once), timed on a scheduler so no thread sleeps; {@code /health} always
   * answers at once. The service time of the tail benchmark (issue 19).
   *
   * @throws IllegalArgumentException when {@code count} is not 1..16 or the times do not match
   */
  public static BackendServer start(int count, long[] serviceMillis) {
    if (count < 1 || count > 16) throw new IllegalArgumentException("count: " + count + " (expected: 1-16)");
    if (serviceMillis.length != count) {
      throw new IllegalArgumentException("service times: " + serviceMillis.length + " (expected: " + count + ")");
    }
    QueuedThreadPool pool = new QueuedThreadPool(256, 8);
    pool.setName("backend");
    List<Server> servers = new ArrayList<>(count);
    int[] ports = new int[count];
    LongAdder opened = new LongAdder();
    Connection.Listener counter = new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        opened.increment();
      }
    };
    try {
      pool.start();
      for (int i = 0; i < count; i++) {
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        connector.setIdleTimeout(300_000);
        connector.addEventListener(counter);
        server.addConnector(connector);
        server.setHandler(new Fixed(i, serviceMillis[i], DELAYS));
        servers.add(server);
        server.start();
        ports[i] = connector.getLocalPort();
      }
    } catch (Exception e) {
      BackendServer partial = new BackendServer(pool, servers, ports, opened);
      partial.close();
      throw new IllegalStateException("cannot start backend " + servers.size() + ": " + e, e);
    }
    return new BackendServer(pool, servers, ports, opened);
  }

  /** TCP connections accepted so far, over all instances (shows whether callers keep them alive). */
  public long connectionsOpened() {
    return connectionsOpened.sum();
  }

  /** The bound ports, in instance order (a fresh copy). */
  public int[] ports() {
    return ports.clone();
  }

  /** The exact {@code GET /} body of instance {@code index}: ASCII, {@value #BODY_LENGTH} bytes. */
  public static byte[] body(int index) {
    StringBuilder b = new StringBuilder(BODY_LENGTH).append("backend ").append(index).append(' ');
    while (b.length() < BODY_LENGTH - 1) b.append('.');
    return b.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Times the delayed answers of every backend of the JVM. */
  private static final java.util.concurrent.ScheduledThreadPoolExecutor DELAYS = delays();

  private static java.util.concurrent.ScheduledThreadPoolExecutor delays() {
    java.util.concurrent.ScheduledThreadPoolExecutor e =
        new java.util.concurrent.ScheduledThreadPoolExecutor(2, r -> {
          Thread t = new Thread(r, "backend-delay");
          t.setDaemon(true);
          return t;
        });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /** Stops every server and the shared pool; never throws. */
  @Override
  public void close() {
    for (Server server : servers) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // Best effort: the process is going away.
      }
    }
    try {
      pool.stop();
    } catch (Exception ignored) {
      // Best effort.
    }
  }

  /**
   * Runs {@code count} (default 3) backends until standard input closes.
   *
   * @param args {@code [count [serviceMillis,...]]}
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long[] service = new long[count];
    if (args.length > 1) {
      String[] parts = args[1].split(",");
      for (int i = 0; i < count; i++) service[i] = Long.parseLong(parts[i].strip());
    }
    try (BackendServer backends = start(count, service)) {
      PrintStream out = System.out;
      StringBuilder line = new StringBuilder("ports: ");
      for (int i = 0; i < backends.ports.length; i++) line.append(i == 0 ? "" : ",").append(backends.ports[i]);
      out.println(line);
      out.flush();
      ChildJvm.awaitStdinEnd();
    }
  }

  /** The handler of instance {@code index}, answering at once (for other benchmark servers). */
  static Handler fixed(int index) {
    return new Fixed(index, 0, DELAYS);
  }

  /** Answers from preallocated bytes; never blocks, so Jetty may run it on the selector thread. */
  private static final class Fixed extends Handler.Abstract.NonBlocking {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    private static final ByteBuffer HEALTH = ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
    private final ByteBuffer body;
    private final long serviceMillis;
    private final java.util.concurrent.ScheduledExecutorService delays;

    Fixed(int index, long serviceMillis, java.util.concurrent.ScheduledExecutorService delays) {
      this.body = ByteBuffer.wrap(body(index)).asReadOnlyBuffer();
      this.serviceMillis = serviceMillis;
      this.delays = delays;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String method = request.getMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
        return true;
      }
      boolean health = "/health".equals(request.getHttpURI().getPath());
      ByteBuffer content = health ? HEALTH : body;
      response.setStatus(HttpStatus.OK_200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, content.remaining());
      ByteBuffer out = "HEAD".equals(method) ? EMPTY : content.slice();
      if (health || serviceMillis <= 0) {
        response.write(true, out, callback);
      } else {
        delays.schedule(() -> response.write(true, out, callback), serviceMillis,
            java.util.concurrent.TimeUnit.MILLISECONDS);
      }
      return true;
    }
  }
}
