package io.mesh4j.benchmarks;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
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
 * A mesh call's own CPU, without the network: {@link InterceptorOverheadBenchmark}'s GET, but over
 * an in-memory socket that answers on the calling thread as soon as the request head is written.
 * Everything OkHttp and the mesh do for a call still runs (route match, pick, breaker, attempt
 * call, HTTP/1.1 encoding and parsing, pooled connection reuse, outcome report, metrics); what is
 * gone is the kernel, the loopback and the server thread, whose scheduling is most of the
 * run-to-run spread of the loopback benchmark. Use it to compare builds whose difference is a few
 * instructions per call (e.g. a hook that is off), where the loopback run cannot resolve 1%:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar InMemoryCallBenchmark -prof gc
 * </pre>
 *
 * <p>{@code callerCpuNanos / calls} is the calling thread's CPU per call (see {@link
 * InterceptorOverheadBenchmark.CallerCpu}); OkHttp's pool-cleanup and timeout threads, which the
 * call wakes, are not in it.
 *
 * <p>Uses only API that has been stable since the first release (Mesh, ConfigLoader, MeshOkHttp),
 * so the same source compiles against older commits for before/after runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class InMemoryCallBenchmark {

  private Mesh mesh;
  private OkHttpClient plain;
  private OkHttpClient nested;
  private OkHttpClient wrapped;
  private Request plainRequest;
  private Request meshRequest;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    // A port nothing listens on: every byte goes to the in-memory socket, never to the kernel.
    String address = "127.0.0.1:9";
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
    OkHttpClient base = new OkHttpClient.Builder().socketFactory(new InMemorySocketFactory()).build();
    plain = base;
    nested = base.newBuilder()
        .addInterceptor(chain -> base.newCall(chain.request()).execute())
        .build();
    wrapped = MeshOkHttp.wrap(base, mesh);
    plainRequest = new Request.Builder().url("http://" + address + "/api/items").build();
    meshRequest = new Request.Builder().url("http://inventory/api/items").build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    mesh.close();
    plain.connectionPool().evictAll();
    nested.connectionPool().evictAll();
    wrapped.connectionPool().evictAll();
  }

  /** The same GET without the mesh: OkHttp's own cost over the in-memory socket. */
  @Benchmark
  public void plain(InterceptorOverheadBenchmark.CallerCpu cpu, Blackhole bh) throws IOException {
    call(plain, plainRequest, cpu, bh);
  }

  /**
   * The shape of a mesh call without the mesh: an application interceptor that sends the request
   * as a second call, as the mesh sends each attempt. {@code nested - plain} is what that shape
   * costs in OkHttp alone; {@code mesh - nested} is the mesh's own logic.
   */
  @Benchmark
  public void nested(InterceptorOverheadBenchmark.CallerCpu cpu, Blackhole bh) throws IOException {
    call(nested, plainRequest, cpu, bh);
  }

  /** A mesh call: what the mesh adds is {@code mesh - plain}. */
  @Benchmark
  public void mesh(InterceptorOverheadBenchmark.CallerCpu cpu, Blackhole bh) throws IOException {
    call(wrapped, meshRequest, cpu, bh);
  }

  private static void call(
      OkHttpClient client, Request request, InterceptorOverheadBenchmark.CallerCpu cpu, Blackhole bh)
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

  /** Makes {@link InMemorySocket}s. */
  static final class InMemorySocketFactory extends SocketFactory {
    @Override
    public Socket createSocket() {
      return new InMemorySocket();
    }

    @Override
    public Socket createSocket(String host, int port) {
      return new InMemorySocket();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) {
      return new InMemorySocket();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
      return new InMemorySocket();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) {
      return new InMemorySocket();
    }
  }

  /**
   * A connected socket with no file descriptor: bytes written are scanned for the end of a request
   * head ({@code \r\n\r\n}; the benchmark sends GETs, so no bodies), and each complete head queues
   * one {@code 200 ok} response for the next reads. A read with nothing queued times out at once,
   * which is what OkHttp's idle-connection health check expects of a healthy socket.
   */
  static final class InMemorySocket extends Socket {
    private static final byte[] RESPONSE =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
            .getBytes(StandardCharsets.US_ASCII);

    private byte[] pending = new byte[RESPONSE.length * 4];
    private int readAt;
    private int writeAt;
    private int matched;
    private boolean connected;
    private boolean closed;
    private InetSocketAddress remote;
    private int soTimeout;

    private final InputStream in =
        new InputStream() {
          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (closed) throw new IOException("socket closed");
            if (readAt == writeAt) throw new SocketTimeoutException("nothing queued");
            int n = Math.min(len, writeAt - readAt);
            System.arraycopy(pending, readAt, b, off, n);
            readAt += n;
            if (readAt == writeAt) readAt = writeAt = 0;
            return n;
          }

          @Override
          public int available() {
            return writeAt - readAt;
          }
        };

    private final OutputStream out =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (closed) throw new IOException("socket closed");
            for (int i = off; i < off + len; i++) {
              byte c = b[i];
              if ((matched == 0 || matched == 2) && c == '\r') {
                matched++;
              } else if ((matched == 1 || matched == 3) && c == '\n') {
                matched++;
              } else {
                matched = c == '\r' ? 1 : 0;
              }
              if (matched == 4) {
                queueResponse();
                matched = 0;
              }
            }
          }
        };

    private void queueResponse() {
      if (writeAt + RESPONSE.length > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(pending.length * 2, writeAt + RESPONSE.length));
      }
      System.arraycopy(RESPONSE, 0, pending, writeAt, RESPONSE.length);
      writeAt += RESPONSE.length;
    }

    @Override
    public void connect(SocketAddress endpoint) {
      connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) {
      remote = (InetSocketAddress) endpoint;
      connected = true;
    }

    @Override
    public InputStream getInputStream() {
      return in;
    }

    @Override
    public OutputStream getOutputStream() {
      return out;
    }

    @Override
    public boolean isConnected() {
      return connected;
    }

    @Override
    public boolean isBound() {
      return connected;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean isInputShutdown() {
      return closed;
    }

    @Override
    public boolean isOutputShutdown() {
      return closed;
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public void shutdownInput() {}

    @Override
    public void shutdownOutput() {}

    @Override
    public void setSoTimeout(int timeout) {
      soTimeout = timeout;
    }

    @Override
    public int getSoTimeout() {
      return soTimeout;
    }

    @Override
    public void setTcpNoDelay(boolean on) {}

    @Override
    public void setKeepAlive(boolean on) {}

    @Override
    public InetAddress getInetAddress() {
      return remote == null ? null : remote.getAddress();
    }

    @Override
    public int getPort() {
      return remote == null ? 0 : remote.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
      return remote;
    }

    @Override
    public InetAddress getLocalAddress() {
      return InetAddress.getLoopbackAddress();
    }

    @Override
    public int getLocalPort() {
      return 40000;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
      return new InetSocketAddress(getLocalAddress(), getLocalPort());
    }
  }
}
