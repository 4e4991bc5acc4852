package io.mesh4j.benchmarks;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the mesh interceptor adds to an OkHttp call: the same GET against the same loopback server,
 * through a plain client ({@code plain}), through the wrapped client as a mesh call ({@code mesh}:
 * route match, pick, breaker permit, URL rewrite, attempt call, outcome report, metrics), and
 * through the wrapped client as a non-mesh call ({@code passthrough}: the cost every other call
 * pays). The difference between {@code mesh} and {@code plain} is the overhead; run with the GC
 * profiler to get the allocation difference ({@code gc.alloc.rate.norm}, which also counts the
 * server's own allocation, equal in all three):
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar InterceptorOverheadBenchmark -prof gc
 * </pre>
 *
 * <p>{@code CallerCpu} adds the calling thread's CPU time per call ({@code callerCpuNanos / calls}),
 * the figure to compare on a busy machine, where wall-clock scores mostly measure scheduling.
 *
 * <p>The server is a minimal keep-alive HTTP/1.1 responder on 127.0.0.1 with {@code TCP_NODELAY}
 * that answers every request with one write of a fixed 2-byte response, so the network part is as
 * small and as steady as loopback allows (MockWebServer's separate header and body writes meet
 * delayed ACKs and cost tens of milliseconds per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class InterceptorOverheadBenchmark {

  private LoopbackServer server;
  private Mesh mesh;
  private OkHttpClient plain;
  private OkHttpClient wrapped;
  private Request plainRequest;
  private Request meshRequest;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    server = new LoopbackServer();
    String address = "127.0.0.1:" + server.port();
    mesh =
        Mesh.builder()
            .config(ConfigLoader.load("""
                version: 1
                service: bench
                clusters:
                  - name: inventory
                    endpoints: [{ address: %s }]
                """.formatted(address)))
            .build();
    plain = new OkHttpClient();
    wrapped = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    plainRequest = new Request.Builder().url("http://" + address + "/api/items").build();
    meshRequest = new Request.Builder().url("http://inventory/api/items").build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    mesh.close();
    plain.connectionPool().evictAll();
    wrapped.connectionPool().evictAll();
    server.close();
  }

  @Benchmark
  public void plain(CallerCpu cpu, Blackhole bh) throws IOException {
    call(plain, plainRequest, cpu, bh);
  }

  @Benchmark
  public void mesh(CallerCpu cpu, Blackhole bh) throws IOException {
    call(wrapped, meshRequest, cpu, bh);
  }

  @Benchmark
  public void passthrough(CallerCpu cpu, Blackhole bh) throws IOException {
    call(wrapped, plainRequest, cpu, bh);
  }

  private static void call(OkHttpClient client, Request request, CallerCpu cpu, Blackhole bh)
      throws IOException {
    long start = THREADS.getCurrentThreadCpuTime();
    try (Response r = client.newCall(request).execute()) {
      bh.consume(r.code());
      bh.consume(r.body().source().readByteArray());
    }
    cpu.callerCpuNanos += THREADS.getCurrentThreadCpuTime() - start;
    cpu.calls++;
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * CPU time of the calling thread, which runs everything the client does for a call (the mesh
   * interceptor and the attempt included; not the server): unlike the wall-clock score, it does not
   * include waiting for the server's threads to be scheduled, which dominates on a busy machine.
   * Reported as totals per iteration; the CPU per call is {@code callerCpuNanos / calls}.
   */
  @State(Scope.Thread)
  @org.openjdk.jmh.annotations.AuxCounters(org.openjdk.jmh.annotations.AuxCounters.Type.EVENTS)
  public static class CallerCpu {
    public long callerCpuNanos;
    public long calls;

    @Setup(Level.Iteration)
    public void reset() {
      callerCpuNanos = 0;
      calls = 0;
    }
  }

  /** A keep-alive HTTP/1.1 server answering every request with {@code 200 ok} in one write. */
  static final class LoopbackServer implements AutoCloseable {
    private static final byte[] RESPONSE =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket socket;
    private final Thread acceptor;

    LoopbackServer() throws IOException {
      socket = new ServerSocket(0, 128, InetAddress.getByName("127.0.0.1"));
      acceptor = new Thread(this::accept, "bench-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          s.setTcpNoDelay(true);
          Thread t = new Thread(() -> serve(s), "bench-connection");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    /** Reads request heads (no bodies: the benchmark sends GETs) and answers each. */
    private static void serve(Socket s) {
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        byte[] buf = new byte[8192];
        int matched = 0;
        while (true) {
          int n = in.read(buf);
          if (n < 0) return;
          for (int i = 0; i < n; i++) {
            byte b = buf[i];
            // Find "\r\n\r\n": the end of a request head.
            if ((matched == 0 || matched == 2) && b == '\r') {
              matched++;
            } else if ((matched == 1 || matched == 3) && b == '\n') {
              matched++;
            } else {
              matched = b == '\r' ? 1 : 0;
            }
            if (matched == 4) {
              out.write(RESPONSE);
              out.flush();
              matched = 0;
            }
          }
        }
      } catch (IOException e) {
        // connection closed by the client
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
