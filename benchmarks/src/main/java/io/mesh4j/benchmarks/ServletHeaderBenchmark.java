package io.mesh4j.benchmarks;

import io.mesh4j.route.RequestView;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One header lookup of the servlet filter's request view (the joined read of a possibly repeated
 * header, issue 15) on a real Jetty 12 ee10 request, held open with {@code startAsync} while
 * the benchmark reads it. {@code enumerateFirst} is the former body of {@code
 * ServletRequestView.header} ({@code getHeaders} on every lookup), {@code getHeaderFirst} the
 * current one ({@code getHeader}, then {@code getHeaders} only for a present header); both are
 * copied here because the view is package-private. Baseline: a bare {@code getHeader}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ServletHeaderBenchmark {
  /** {@code absent}: no such header; {@code single}: one line; {@code repeated}: two lines. */
  @Param({"absent", "single", "repeated"})
  public String header;

  private Server server;
  private Socket client;
  private AsyncContext async;
  private HttpServletRequest request;
  private String name;

  @Setup(Level.Trial)
  public void start() throws Exception {
    CompletableFuture<HttpServletRequest> held = new CompletableFuture<>();
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        AsyncContext a = req.startAsync();
        a.setTimeout(0);
        async = a;
        held.complete(req);
      }
    }), "/*");
    server.setHandler(context);
    server.start();
    client = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort());
    OutputStream out = client.getOutputStream();
    out.write(("GET /api/items HTTP/1.1\r\nHost: inventory\r\nX-Single: prod\r\n"
        + "X-Repeated: prod\r\nX-Repeated: canary\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    request = held.get(10, TimeUnit.SECONDS);
    name = switch (header) {
      case "absent" -> "x-absent";
      case "single" -> "x-single";
      case "repeated" -> "x-repeated";
      default -> throw new IllegalArgumentException("header: " + header);
    };
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    async.complete();
    client.close();
    server.stop();
  }

  @Benchmark
  public String baselineGetHeader() {
    return request.getHeader(name);
  }

  @Benchmark
  public String enumerateFirst() {
    Enumeration<String> lines = request.getHeaders(name);
    if (lines == null || !lines.hasMoreElements()) return request.getHeader(name);
    String value = lines.nextElement();
    while (lines.hasMoreElements()) value = RequestView.join(value, lines.nextElement());
    return value;
  }

  @Benchmark
  public String getHeaderFirst() {
    String first = request.getHeader(name);
    if (first == null) return null;
    Enumeration<String> lines = request.getHeaders(name);
    if (lines == null || !lines.hasMoreElements()) return first;
    String value = lines.nextElement();
    while (lines.hasMoreElements()) value = RequestView.join(value, lines.nextElement());
    return value;
  }
}
