package io.mesh4j.benchmarks.e2e;

import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.time.SystemScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The mTLS benchmark's backend, run in its own JVM so its CPU stays out of the client's figures:
 * one embedded Jetty 12 answering {@code GET /} with {@link BackendServer}'s fixed 100-byte body
 * on two 127.0.0.1 ports, one plaintext and one mutual TLS (the recipe of {@code
 * docs/security.md}: {@link TlsContexts#server} over a {@link PemFileIdentitySource} that follows
 * rotations, client certificates required).
 *
 * <p>{@code GET /stats} (on either port) answers {@code handshakes=H tls_connections=T
 * plain_connections=P generation=G}: TLS handshakes completed, connections accepted per port, and
 * the generation of the identity served (1, then +1 per rotation picked up).
 *
 * <p>As a program: {@code MtlsBackend DIR} (the identity directory: {@code tls.crt}, {@code
 * tls.key}, {@code ca.crt}) prints {@code ports: PLAIN,TLS} once both listen and stops when its
 * standard input reaches end of file.
 */
public final class MtlsBackend {
  private MtlsBackend() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Path dir = Path.of(args[0]);
    PemFileIdentitySource identity = PemFileIdentitySource.builder("backend")
        .certChain(dir.resolve("tls.crt")).privateKey(dir.resolve("tls.key"))
        .trustBundle(dir.resolve("ca.crt")).refresh(Duration.ofMillis(200))
        .scheduler(new SystemScheduler("backend-identity")).build();
    SSLContext context = TlsContexts.server(identity);
    LongAdder handshakes = new LongAdder();
    LongAdder tlsConnections = new LongAdder();
    LongAdder plainConnections = new LongAdder();

    QueuedThreadPool pool = new QueuedThreadPool(256, 8);
    pool.setName("backend");
    Server server = new Server(pool);
    ServerConnector plain = new ServerConnector(server, 1, 1);
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(context);
    ssl.setNeedClientAuth(true);
    ssl.setEndpointIdentificationAlgorithm(null);
    HttpConfiguration http = new HttpConfiguration();
    http.addCustomizer(new SecureRequestCustomizer(false));
    ServerConnector tls = new ServerConnector(server, 1, 1,
        new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    tls.addBean(new SslHandshakeListener() {
      @Override
      public void handshakeSucceeded(Event event) {
        handshakes.increment();
      }
    });
    for (ServerConnector c : new ServerConnector[] {plain, tls}) {
      c.setHost("127.0.0.1");
      c.setPort(0);
      c.setAcceptQueueSize(1024);
      c.setIdleTimeout(300_000);
      server.addConnector(c);
    }
    plain.addEventListener(counter(plainConnections, Connection.class));
    // A TLS connection opens two Connections (the SslConnection and the HTTP one above it).
    tls.addEventListener(counter(tlsConnections, SslConnection.class));
    Handler fixed = BackendServer.fixed(0);
    server.setHandler(new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback)
          throws Exception {
        if (!"/stats".equals(request.getHttpURI().getPath())) {
          return fixed.handle(request, response, callback);
        }
        WorkloadIdentity id = identity.current();
        byte[] body = ("handshakes=" + handshakes.sum() + " tls_connections="
            + tlsConnections.sum() + " plain_connections=" + plainConnections.sum()
            + " generation=" + id.generation() + "\n").getBytes(StandardCharsets.US_ASCII);
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
      }
    });
    server.start();
    System.out.println("ports: " + plain.getLocalPort() + "," + tls.getLocalPort());
    System.out.flush();
    ChildJvm.awaitStdinEnd();
    server.stop();
    identity.close();
  }

  /** Counts the TCP connections a connector accepts, by their outermost {@code kind}. */
  private static Connection.Listener counter(LongAdder n, Class<? extends Connection> kind) {
    return new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        if (kind.isInstance(connection)) n.increment();
      }
    };
  }
}
