package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mesh4j.Mesh;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.zip.CRC32;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 200 MB up and 200 MB down through the gateway while this JVM runs with {@code -Xmx64m} (its own
 * surefire execution, see the pom): the client, the front Jetty with the filter and gateway, and
 * the upstream Jetty all live in that heap, so buffering a body anywhere would fail with
 * OutOfMemoryError. The bytes are checked with a CRC both ways.
 */
class LargeBodyTest {
  static final long SIZE = 200L * 1024 * 1024;

  private Server upstream;
  private Mesh mesh;
  private Front front;
  private final OkHttpClient client = new OkHttpClient.Builder()
      .readTimeout(Duration.ofSeconds(60))
      .writeTimeout(Duration.ofSeconds(60))
      .build();

  /** Deterministic bytes: byte i is (i * 31 + i / 4096) mod 256. */
  static void fill(byte[] b, long offset, int n) {
    for (int i = 0; i < n; i++) {
      long p = offset + i;
      b[i] = (byte) (p * 31 + p / 4096);
    }
  }

  static long expectedCrc() {
    CRC32 crc = new CRC32();
    byte[] b = new byte[64 * 1024];
    for (long off = 0; off < SIZE; off += b.length) {
      int n = (int) Math.min(b.length, SIZE - off);
      fill(b, off, n);
      crc.update(b, 0, n);
    }
    return crc.getValue();
  }

  @BeforeEach
  void start() throws Exception {
    upstream = new Server();
    ServerConnector c = new ServerConnector(upstream);
    c.setHost("127.0.0.1");
    c.setPort(0);
    upstream.addConnector(c);
    ServletContextHandler ctx = new ServletContextHandler("/");
    ctx.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        CRC32 crc = new CRC32();
        long n = 0;
        byte[] buf = new byte[32 * 1024];
        InputStream in = req.getInputStream();
        int r;
        while ((r = in.read(buf)) >= 0) {
          crc.update(buf, 0, r);
          n += r;
        }
        res.setContentType("text/plain");
        res.getWriter().print(n + " " + crc.getValue());
      }

      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        res.setContentType("application/octet-stream");
        if (req.getParameter("chunked") == null) res.setContentLengthLong(SIZE);
        OutputStream out = res.getOutputStream();
        byte[] buf = new byte[32 * 1024];
        for (long off = 0; off < SIZE; off += buf.length) {
          int n = (int) Math.min(buf.length, SIZE - off);
          fill(buf, off, n);
          out.write(buf, 0, n);
        }
      }
    }), "/*");
    upstream.setHandler(ctx);
    upstream.start();
    mesh = Mesh.builder().config(Configs.of("127.0.0.1:" + c.getLocalPort(), "", """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: big
                match: {prefix: /big/}
                to: v2
                timeout: 120s
        """)).build();
  }

  @AfterEach
  void stop() throws Exception {
    if (front != null) front.close();
    mesh.close();
    upstream.stop();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void twoHundredMegabytesGoUpAndComeDownInA64MegabyteHeap(boolean async) throws Exception {
    // Only meaningful in the pom's bounded-memory execution (which sets the property); a -Dtest
    // run also reaches the default execution, whose heap proves nothing.
    assumeTrue(Boolean.getBoolean("mesh4j.boundedHeap"), "runs in the bounded-memory execution");
    assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx64m")
        .isLessThanOrEqualTo(64L * 1024 * 1024);
    front = new Front(mesh, async);
    long crc = expectedCrc();
    resetPeaks();

    RequestBody upload = new RequestBody() {
      @Override
      public MediaType contentType() {
        return MediaType.get("application/octet-stream");
      }

      @Override
      public long contentLength() {
        return SIZE;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        byte[] b = new byte[64 * 1024];
        for (long off = 0; off < SIZE; off += b.length) {
          int n = (int) Math.min(b.length, SIZE - off);
          fill(b, off, n);
          sink.write(b, 0, n);
        }
      }
    };
    try (Response r = client.newCall(new Request.Builder().url(front.url("/big/up"))
        .post(upload).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo(SIZE + " " + crc);
    }

    for (String query : new String[] {"", "?chunked=1"}) {
      try (Response r = client.newCall(new Request.Builder().url(front.url("/big/down" + query))
          .header("Accept-Encoding", "identity").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        CRC32 got = new CRC32();
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        InputStream in = r.body().byteStream();
        int k;
        while ((k = in.read(buf)) >= 0) {
          got.update(buf, 0, k);
          n += k;
        }
        assertThat(n).as("bytes of /big/down%s", query).isEqualTo(SIZE);
        assertThat(got.getValue()).isEqualTo(crc);
      }
    }
    long peak = peakHeapUsed();
    System.out.printf("LargeBodyTest async=%s: peak heap used %d MB for 3 x 200 MB%n",
        async, peak / (1024 * 1024));
    assertThat(peak).isLessThan(64L * 1024 * 1024);
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }
  }

  private static long peakHeapUsed() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
    }
    return sum;
  }
}
