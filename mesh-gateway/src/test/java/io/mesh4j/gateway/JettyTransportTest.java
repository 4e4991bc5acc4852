package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.endpoint.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only the Jetty transport does (the behaviour both transports share is tested by every other
 * gateway test, run once per transport): HTTP/2 cleartext upstream, request trailers and GET
 * bodies forwarded, one pool per endpoint sized from the cluster, failure classification. Real
 * Jetty 12 front (filter + gateway) and upstream on 127.0.0.1, a raw socket as the client.
 */
class JettyTransportTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
  }

  private <T extends AutoCloseable> T closeLater(T t) {
    closeables.add(t);
    return t;
  }

  /** What the upstream received, one per request. */
  record Seen(String method, String version, String path, String authority, String body,
      HttpFields headers, HttpFields trailers) {}

  /**
   * A Jetty core upstream (HTTP/1.1, or h2c only): records each request, answers 200 with {@code
   * got <body>} and the trailer {@code x-sum: <body length>}.
   */
  private final class Upstream implements AutoCloseable {
    final Server server;
    final ServerConnector connector;
    final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    Upstream(boolean h2c) throws Exception {
      QueuedThreadPool threads = new QueuedThreadPool(16, 2);
      threads.setName("upstream");
      server = new Server(threads);
      HttpConfiguration http = new HttpConfiguration();
      connector = h2c
          ? new ServerConnector(server, new HTTP2CServerConnectionFactory(http))
          : new ServerConnector(server, new HttpConnectionFactory(http));
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      server.setHandler(new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
            throws Exception {
          byte[] body = Content.Source.asInputStream(request).readAllBytes();
          seen.add(new Seen(request.getMethod(), request.getConnectionMetaData().getProtocol(),
              request.getHttpURI().getPathQuery(), request.getHttpURI().getAuthority(),
              new String(body, StandardCharsets.UTF_8), request.getHeaders(),
              request.getTrailers()));
          response.setStatus(200);
          response.setTrailersSupplier(() -> HttpFields.build().add("x-sum", "" + body.length));
          // Two writes: no Content-Length, so the trailers can reach an HTTP/1.1 client too.
          byte[] answer = new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
          response.write(false, ByteBuffer.wrap("got ".getBytes(StandardCharsets.UTF_8)),
              Callback.from(() -> response.write(true, ByteBuffer.wrap(answer), callback),
                  callback::failed));
          return true;
        }
      });
      server.start();
      closeLater(this);
    }

    String address() {
      return "127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  private Front front(String endpoints, String clusterExtra, boolean async,
      UpstreamProtocol protocol) throws Exception {
    Mesh mesh = closeLater(Mesh.of(Configs.of(endpoints, clusterExtra, """
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: v2
                match: {prefix: /v2/}
                to: v2
        """)));
    MeshGateway gateway = MeshGateway.builder(mesh)
        .transport(GatewayTransport.JETTY).upstreamProtocol(protocol).build();
    return closeLater(new Front(mesh, async, gateway));
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void anH2cUpstreamGetsTheRequestAsHttp2AndItsAnswerAndTrailersComeBack(boolean async)
      throws Exception {
    Upstream up = new Upstream(true);
    Front front = front(up.address(), "", async, UpstreamProtocol.H2C);

    String raw = exchange(front.port(), "POST /v2/h2?q=1 HTTP/1.1\r\nHost: shop.example\r\n"
        + "Content-Length: 5\r\nConnection: close\r\n\r\nhello");

    Seen s = up.seen.poll(10, TimeUnit.SECONDS);
    assertThat(s).as(raw).isNotNull();
    assertThat(s.version()).isEqualTo("HTTP/2.0");
    assertThat(s.method()).isEqualTo("POST");
    assertThat(s.path()).isEqualTo("/v2/h2?q=1");
    // The client's Host as :authority (Jetty's HTTP/2 client always spells the port out).
    assertThat(s.authority()).isEqualTo("shop.example:80");
    assertThat(s.headers().get("Host")).isNull();
    assertThat(s.body()).isEqualTo("hello");
    assertThat(raw).startsWith("HTTP/1.1 200");
    assertThat(raw.toLowerCase(java.util.Locale.ROOT)).contains("\r\nx-sum: 5\r\n");
    assertThat(raw).contains("got ").contains("hello");
    Destination d = front.gateway.jettyClient().getDestinations().get(0);
    assertThat(d.getConnectionPool()).isInstanceOf(MultiplexConnectionPool.class);
  }

  @ParameterizedTest(name = "async {0}")
  @ValueSource(booleans = {true, false})
  void requestTrailersAndTheBodyOfAGetAreForwarded(boolean async) throws Exception {
    Upstream up = new Upstream(false);
    Front front = front(up.address(), "", async, UpstreamProtocol.HTTP_1_1);

    String raw = exchange(front.port(), "GET /v2/t HTTP/1.1\r\nHost: f\r\n"
        + "Transfer-Encoding: chunked\r\nTrailer: x-check\r\nConnection: close\r\n\r\n"
        + "3\r\nabc\r\n0\r\nx-check: 42\r\n\r\n");

    Seen s = up.seen.poll(10, TimeUnit.SECONDS);
    assertThat(s).isNotNull();
    assertThat(s.method()).isEqualTo("GET");
    assertThat(s.body()).isEqualTo("abc");
    assertThat(s.trailers()).isNotNull();
    assertThat(s.trailers().get("x-check")).isEqualTo("42");
    assertThat(raw).startsWith("HTTP/1.1 200").contains("got ");
    assertThat(raw.toLowerCase(java.util.Locale.ROOT)).contains("\r\nx-sum: 3\r\n");
  }

  @Test
  void aGetWithoutBodyIsSentWithoutContentLengthOrChunking() throws Exception {
    Upstream up = new Upstream(false);
    Front front = front(up.address(), "", true, UpstreamProtocol.HTTP_1_1);

    exchange(front.port(), "GET /v2/plain HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n");

    Seen s = up.seen.poll(10, TimeUnit.SECONDS);
    assertThat(s.headers().get("Content-Length")).isNull();
    assertThat(s.headers().get("Transfer-Encoding")).isNull();
    assertThat(s.headers().get("Content-Type")).isNull();
    assertThat(s.body()).isEmpty();
  }

  @Test
  void aRequestWithoutBodyMakesNoListenerOfTheJettyClientThrow() throws Exception {
    // Jetty's client calls every Response listener the attempt implements, registered or not; a
    // listener that throws costs an exception per request and is logged at INFO with its stack.
    Upstream up = new Upstream(false);
    Front front = front(up.address(), "", true, UpstreamProtocol.HTTP_1_1);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(exchange(front.port(), "GET /v2/plain HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"))
            .startsWith("HTTP/1.1 200");
        assertThat(up.seen.poll(10, TimeUnit.SECONDS)).isNotNull();
      }
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .doesNotContain("Exception while notifying listener")
        .doesNotContain("NullPointerException");
  }

  @Test
  void eachEndpointGetsOnePoolSizedFromTheClustersMaxConcurrentRequests() throws Exception {
    Upstream a = new Upstream(false);
    Upstream b = new Upstream(false);
    Front front = front(a.address() + ", " + b.address(),
        "circuit_breaker: {max_concurrent_requests: 3}", true, UpstreamProtocol.HTTP_1_1);

    for (int i = 0; i < 4; i++) {
      assertThat(exchange(front.port(), "GET /v2/p HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
    }

    List<Destination> ds = front.gateway.jettyClient().getDestinations();
    assertThat(ds).hasSize(2);
    for (Destination d : ds) {
      assertThat(((AbstractConnectionPool) d.getConnectionPool()).getMaxConnectionCount())
          .isEqualTo(3);
      assertThat(d.getOrigin().getTag()).isEqualTo(new GatewayPlan.PoolKey("v2", 3));
    }
  }

  @Test
  void aMirroringRouteIsForwardedThroughOkHttpWhichSendsTheShadowCopy() throws Exception {
    Upstream primary = new Upstream(false);
    Upstream shadow = new Upstream(false);
    Mesh mesh = closeLater(Mesh.of(io.mesh4j.config.ConfigLoader.load("""
        version: 1
        service: front
        clusters:
          - name: v2
            endpoints: [%s]
          - name: shadow
            endpoints: [%s]
        inbound:
          virtual_hosts:
            - name: self
              domains: ["*"]
              routes:
                - name: v2
                  match: {prefix: /v2/}
                  to: v2
                  mirror: {cluster: shadow}
        """.formatted(primary.address(), shadow.address()))));
    Front front = closeLater(new Front(mesh, true,
        MeshGateway.builder(mesh).transport(GatewayTransport.JETTY).build()));

    assertThat(exchange(front.port(), "GET /v2/m HTTP/1.1\r\nHost: shop.example\r\n"
        + "Connection: close\r\n\r\n")).startsWith("HTTP/1.1 200");

    assertThat(primary.seen.poll(10, TimeUnit.SECONDS).authority()).isEqualTo("shop.example");
    Seen copy = shadow.seen.poll(10, TimeUnit.SECONDS);
    assertThat(copy).isNotNull();
    assertThat(copy.authority()).isEqualTo("shop.example-shadow");
    assertThat(front.gateway.jettyClient().getDestinations()).isEmpty();
  }

  @Test
  void h2cNeedsTheJettyTransport() {
    Mesh mesh = closeLater(Mesh.of(Configs.of("127.0.0.1:1", "", "virtual_hosts: []")));
    assertThatThrownBy(() -> MeshGateway.builder(mesh).transport(GatewayTransport.OKHTTP)
        .upstreamProtocol(UpstreamProtocol.H2C).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("upstreamProtocol: H2C (expected: transport JETTY");
  }

  @Test
  void aFailureBeforeTheRequestBeganNeverLeftAndOneAfterMayHaveReachedTheServer() {
    IOException refused = UpstreamException.of(new ConnectException("Connection refused"));
    assertThat(UpstreamException.classify(refused, false)).isEqualTo(Failure.CONNECT_FAILURE);
    assertThat(UpstreamException.classify(refused, true)).isEqualTo(Failure.CONNECT_FAILURE);
    IOException reset = UpstreamException.of(new org.eclipse.jetty.io.EofException("reset"));
    assertThat(UpstreamException.classify(reset, false)).isEqualTo(Failure.CONNECT_FAILURE);
    assertThat(UpstreamException.classify(reset, true)).isEqualTo(Failure.RESET);
    IOException refusedStream = UpstreamException.of(new IOException("refused_stream_error"));
    assertThat(UpstreamException.classify(refusedStream, true)).isEqualTo(Failure.REFUSED_STREAM);
    IOException idle = UpstreamException.of(new TimeoutException("Idle timeout 60000 ms elapsed"));
    assertThat(UpstreamException.classify(idle, true)).isEqualTo(Failure.TIMEOUT);
    assertThat(UpstreamException.isDeadline(idle)).isFalse();
    IOException total = UpstreamException.of(new TimeoutException("Total timeout 500 ms elapsed"));
    assertThat(UpstreamException.isDeadline(total)).isTrue();
  }

  /** Sends {@code request} (with {@code Connection: close}); returns the whole response. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return all.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
