package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Shared test plumbing: meshes on fake time, OkHttp clients, tiny servlets, meter lookups. */
final class Fixtures {
  private Fixtures() {}

  /** A mesh serving {@code yaml} on {@code time}, its meters in {@code registry}. */
  static Mesh mesh(String yaml, FakeTime time, MeterRegistry registry) {
    return Mesh.builder().config(ConfigLoader.load(yaml)).ticker(time).scheduler(time)
        .meterRegistry(registry).build();
  }

  static Mesh mesh(String yaml, FakeTime time) {
    return mesh(yaml, time, new SimpleMeterRegistry());
  }

  /** A client that follows no redirects and retries nothing. */
  static OkHttpClient client() {
    return new OkHttpClient.Builder().followRedirects(false).followSslRedirects(false)
        .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(20)).build();
  }

  /** A client whose sockets are bound to {@code localAddress} (any 127/8 address is loopback). */
  static OkHttpClient clientFrom(String localAddress) {
    return client().newBuilder().socketFactory(new BoundSocketFactory(localAddress)).build();
  }

  static Response get(OkHttpClient client, okhttp3.HttpUrl url) throws IOException {
    return client.newCall(new Request.Builder().url(url).build()).execute();
  }

  /** Calls {@code url} and returns "status body" (the body trimmed). */
  static String call(OkHttpClient client, Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  /** Waits (up to 10 s) for {@code condition}, polling every millisecond. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what);
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** The {@code mesh.server.requests} timer with these tags, or null. */
  static Timer requests(MeterRegistry registry, String route, String status, String outcome) {
    return registry.find(MeshMetricNames.SERVER_REQUESTS)
        .tag(MeshMetricNames.TAG_ROUTE, route)
        .tag(MeshMetricNames.TAG_STATUS, status)
        .tag(MeshMetricNames.TAG_OUTCOME, outcome)
        .timer();
  }

  /** How many requests {@code mesh.server.requests} counted with these tags (0 when none). */
  static long count(MeterRegistry registry, String route, String status, String outcome) {
    Timer t = requests(registry, route, status, outcome);
    return t == null ? 0 : t.count();
  }

  /** How many requests {@code mesh.server.requests} counted in all. */
  static long totalRequests(MeterRegistry registry) {
    return registry.find(MeshMetricNames.SERVER_REQUESTS).timers().stream()
        .mapToLong(Timer::count).sum();
  }

  static double counter(MeterRegistry registry, String name, String tag, String value) {
    Counter c = registry.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  /** A servlet from a lambda. */
  static HttpServlet servlet(Handler handler) {
    return new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        handler.handle(req, res);
      }
    };
  }

  /** A servlet answering 200 with {@code text}. */
  static HttpServlet text(String text) {
    return servlet((req, res) -> write(res, 200, text));
  }

  static void write(HttpServletResponse res, int status, String text) throws IOException {
    res.setStatus(status);
    res.setContentType("text/plain;charset=utf-8");
    res.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
  }

  @FunctionalInterface
  interface Handler {
    void handle(HttpServletRequest req, HttpServletResponse res) throws IOException;
  }

  /** Creates unconnected sockets bound to one local address. */
  private static final class BoundSocketFactory extends SocketFactory {
    private final InetAddress local;

    BoundSocketFactory(String local) {
      try {
        this.local = InetAddress.getByName(local);
      } catch (IOException e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Override
    public Socket createSocket() throws IOException {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(local, 0));
      return s;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return connected(new InetSocketAddress(address, port));
    }

    private Socket connected(InetSocketAddress to) throws IOException {
      Socket s = createSocket();
      s.connect(to);
      return s;
    }
  }

  static void assertStatusAndBody(Response r, int status, String body) throws IOException {
    assertThat(r.code()).isEqualTo(status);
    assertThat(r.body().string()).isEqualTo(body);
  }
}
