package io.mesh4j.gateway;

import java.time.Duration;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Makes the Jetty {@link HttpClient} the gateway forwards with, set up for proxying: no redirects
 * followed, no cookies stored, no {@code User-Agent} or {@code Content-Type} of its own, no content
 * decoders (so no {@code Accept-Encoding} added and no body decoded), {@code Expect: 100-continue}
 * honoured, heap buffers (a response chunk is written to the servlet output from its array).
 *
 * <p><b>Pools.</b> Every request is tagged with its cluster's {@link GatewayPlan.PoolKey}, so each
 * endpoint gets one pool per cluster (a Jetty destination is keyed by scheme, host, port and tag),
 * of {@code circuit_breaker.max_concurrent_requests} connections (HTTP/1.1) or multiplexed
 * connections (h2c). Destinations idle for {@link #DESTINATION_IDLE} are removed, which is how a
 * pool of an endpoint that left the cluster (or of a size a reload changed) goes away.
 */
final class JettyClients {
  /** Connect timeout (OkHttp's default). */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** A connection with no byte in either direction for this long is closed (a request on it fails). */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** A destination (an endpoint's pool) without connection or request for this long is removed. */
  static final Duration DESTINATION_IDLE = Duration.ofSeconds(60);

  private JettyClients() {}

  /** A new, started client for {@code protocol}. */
  static HttpClient start(UpstreamProtocol protocol) {
    QueuedThreadPool threads = new QueuedThreadPool(200, 2);
    threads.setName("mesh4j-gateway-client");
    threads.setDaemon(true);
    ClientConnector connector = new ClientConnector();
    connector.setExecutor(threads);
    HttpClientTransport transport = protocol == UpstreamProtocol.H2C
        ? H2c.transport(connector)
        : new HttpClientTransportOverHTTP(connector);
    boolean multiplexed = protocol == UpstreamProtocol.H2C;
    transport.setConnectionPoolFactory(d -> pool(d, multiplexed));
    HttpClient client = new HttpClient(transport);
    client.setExecutor(threads);
    // Daemon threads throughout: a gateway nobody closed does not keep the JVM alive.
    ScheduledExecutorScheduler scheduler =
        new ScheduledExecutorScheduler("mesh4j-gateway-client-scheduler", true);
    client.setScheduler(scheduler);
    connector.setScheduler(scheduler);
    client.setFollowRedirects(false);
    client.setUserAgentField(null);
    client.setDefaultRequestContentType(null);
    client.setHttpCookieStore(new HttpCookieStore.Empty());
    client.getProtocolHandlers().clear();
    client.getProtocolHandlers().put(new ContinueProtocolHandler());
    client.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
    client.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    client.setDestinationIdleTimeout(DESTINATION_IDLE.toMillis());
    client.setUseInputDirectByteBuffers(false);
    client.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE); // the breaker bounds what is in flight
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("mesh4j: the gateway's Jetty HttpClient did not start: " + e, e);
    }
    // After start, which installs the default decoders: none, so no Accept-Encoding of the
    // client's own and no body decoded.
    client.getContentDecoderFactories().clear();
    return client;
  }

  /** The pool of one destination: sized from the tag's cluster, else the client's default. */
  private static ConnectionPool pool(Destination d, boolean multiplexed) {
    Object tag = d.getOrigin().getTag();
    int max = tag instanceof GatewayPlan.PoolKey k ? k.maxConnections()
        : d.getHttpClient().getMaxConnectionsPerDestination();
    return multiplexed ? new MultiplexConnectionPool(d, max, 1) : new DuplexConnectionPool(d, max);
  }

  /** Stops {@code client} (its connections and threads). */
  static void stop(HttpClient client) {
    try {
      client.stop();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(JettyClients.class)
          .debug("mesh4j: stopping the gateway's Jetty HttpClient failed", e);
    }
  }

  /** The h2c transport, in its own class so HTTP/1.1 needs no HTTP/2 classes on the class path. */
  private static final class H2c {
    static HttpClientTransport transport(ClientConnector connector) {
      try {
        Class.forName("org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2");
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("mesh4j: upstreamProtocol H2C needs "
            + "org.eclipse.jetty.http2:jetty-http2-client-transport on the class path", e);
      }
      return new org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2(
          new org.eclipse.jetty.http2.client.HTTP2Client(connector));
    }
  }
}
