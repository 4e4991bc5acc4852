package io.mesh4j.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.time.FakeTime;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client TLS socket layered over a connected socket (as OkHttp makes them) reads that socket
 * through a buffer: one read of the socket per small record instead of two, the same bytes, and
 * the same timeout and close behaviour. Real handshakes and sockets on loopback.
 */
class BufferedReadSocketTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path serverDir;
  @TempDir Path clientDir;
  final ExecutorService pool = Executors.newCachedThreadPool();
  final FakeTime time = new FakeTime();
  PemFileIdentitySource serverSource;
  PemFileIdentitySource clientSource;
  SSLServerSocket server;

  @BeforeEach
  void start() throws IOException {
    TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
    TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
    serverSource = TestPki.source(serverDir, time);
    clientSource = TestPki.source(clientDir, time);
    server = (SSLServerSocket) TlsContexts.server(serverSource).getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws IOException {
    pool.shutdownNow();
    server.close();
    serverSource.close();
    clientSource.close();
  }

  /** A plain socket that counts the reads of its input stream. */
  static final class CountingSocket extends Socket {
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public InputStream getInputStream() throws IOException {
      return new FilterInputStream(super.getInputStream()) {
        @Override
        public int read() throws IOException {
          reads.incrementAndGet();
          return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          reads.incrementAndGet();
          return super.read(b, off, len);
        }
      };
    }
  }

  /** Connects {@code raw} to the server and layers the mesh client's TLS over it. */
  private SSLSocket layered(Socket raw) throws IOException {
    raw.connect(server.getLocalSocketAddress(), 5000);
    TlsContexts.ClientTls tls = TlsContexts.client(clientSource, true,
        PeerVerification.spiffeIds(List.of(API)), PeerObserver.NONE, Clock.systemUTC(), "1.2",
        null);
    SSLSocket s = (SSLSocket) tls.socketFactory().createSocket(raw, "api", server.getLocalPort(),
        true);
    s.setSoTimeout(5000);
    s.startHandshake();
    return s;
  }

  /** Waits (up to 5 s) until {@code bytes} can be read from the socket without blocking. */
  private static void awaitReadable(Socket raw, int bytes) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    InputStream in = raw.getInputStream();
    while (in.available() < bytes) {
      assertThat(System.nanoTime() - deadline).as("bytes readable in time").isNegative();
      Thread.onSpinWait();
    }
  }

  private static void readFully(InputStream in, byte[] b) throws IOException {
    new DataInputStream(in).readFully(b);
  }

  @Test
  void aSmallRecordTakesOneReadOfTheSocket() throws Exception {
    BlockingQueue<Integer> written = new LinkedBlockingQueue<>();
    int exchanges = 20;
    Future<?> served = pool.submit(() -> {
      try (Socket s = server.accept()) {
        s.setSoTimeout(5000);
        byte[] request = new byte[150];
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < exchanges; i++) {
          readFully(s.getInputStream(), request);
          out.write(new byte[230]);
          out.flush();
          written.add(i);
        }
      }
      return null;
    });
    CountingSocket raw = new CountingSocket();
    try (SSLSocket s = layered(raw)) {
      byte[] response = new byte[230];
      for (int i = 0; i < exchanges; i++) {
        s.getOutputStream().write(new byte[150]);
        s.getOutputStream().flush();
        assertThat(written.poll(5, TimeUnit.SECONDS)).isEqualTo(i);
        // The whole record (5-byte header, 230 bytes, content type, 16-byte tag) is readable.
        awaitReadable(raw, 5 + 230 + 1 + 16);
        int before = raw.reads.get();
        readFully(s.getInputStream(), response);
        // Without the buffer JSSE reads the header, then the body: always 2. The first exchange
        // also reads the server's session ticket, sent after the handshake.
        if (i > 0) {
          assertThat(raw.reads.get() - before).as("socket reads for exchange %d", i).isEqualTo(1);
        }
      }
    }
    // After the client closed: a TLS 1.3 server's close waits for the client's close_notify.
    served.get(5, TimeUnit.SECONDS);
  }

  @Test
  void largeBodiesArriveIntactAcrossManyRecords() throws Exception {
    byte[] body = new byte[1 << 20];
    new Random(7).nextBytes(body);
    Future<byte[]> echoed = pool.submit(() -> {
      try (Socket s = server.accept()) {
        s.setSoTimeout(5000);
        byte[] got = new byte[body.length];
        readFully(s.getInputStream(), got);
        s.getOutputStream().write(got);
        s.getOutputStream().flush();
        return got;
      }
    });
    byte[] back = new byte[body.length];
    try (SSLSocket s = layered(new Socket())) {
      Future<?> sent = pool.submit(() -> {
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
        return null;
      });
      readFully(s.getInputStream(), back);
      sent.get(5, TimeUnit.SECONDS);
    }
    assertThat(back).isEqualTo(body);
    assertThat(echoed.get(5, TimeUnit.SECONDS)).isEqualTo(body);
  }

  @Test
  void aReadTimeoutLosesNothingAndTheConnectionStaysUsable() throws Exception {
    BlockingQueue<String> go = new LinkedBlockingQueue<>();
    pool.submit(() -> {
      try (Socket s = server.accept()) {
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        go.take();
        s.getOutputStream().write(new byte[] {2, 3, 4});
        s.getOutputStream().flush();
        go.take();
      }
      return null;
    });
    try (SSLSocket s = layered(new Socket())) {
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(1);
      // What OkHttp's health check does: a short timeout on a connection with nothing to read.
      s.setSoTimeout(50);
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
      s.setSoTimeout(5000);
      go.add("more");
      byte[] next = new byte[3];
      readFully(in, next);
      assertThat(next).containsExactly(2, 3, 4);
      go.add("close");
    }
  }

  @Test
  void closingEitherSocketEndsTheConnection()
      throws Exception {
    pool.submit(() -> {
      try (Socket s = server.accept()) {
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        s.getInputStream().read();
      }
      return null;
    });
    Socket raw = new Socket();
    SSLSocket s = layered(raw);
    assertThat(s.getInputStream().read()).isEqualTo(1);
    assertThat(s.getInetAddress()).isEqualTo(raw.getInetAddress());
    assertThat(s.getPort()).isEqualTo(server.getLocalPort());
    s.close();
    assertThat(raw.isClosed()).isTrue();

    pool.submit(() -> {
      try (Socket x = server.accept()) {
        x.getOutputStream().write(1);
        x.getOutputStream().flush();
        x.getInputStream().read();
      }
      return null;
    });
    Socket raw2 = new Socket();
    SSLSocket s2 = layered(raw2);
    assertThat(s2.getInputStream().read()).isEqualTo(1);
    raw2.close(); // OkHttp cancels a call this way
    assertThatThrownBy(() -> s2.getInputStream().read()).isInstanceOf(IOException.class);
    s2.close();
  }
}
