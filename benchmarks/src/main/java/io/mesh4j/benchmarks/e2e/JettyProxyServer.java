package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;

/**
 * Scenario J's hop: Jetty 12's own reverse proxy ({@link ProxyHandler.Reverse} on a core {@link
 * Server}, no servlet layer, no mesh4j) forwarding round robin to the backends over its {@link
 * HttpClient}. It is the floor for a gateway built on Jetty's server and client: what the two HTTP
 * codecs, Jetty's I/O and a minimal forward cost on this machine, measured the same way as G (the
 * mesh4j gateway) and D (nginx). Server threads and connector as the gateway's ({@link
 * GatewayServer#hopServer}); the client keeps up to {@value HttpClients#MAX_IDLE_CONNECTIONS}
 * connections per backend.
 *
 * <p>As a program ({@code java -cp benchmarks.jar io.mesh4j.benchmarks.e2e.JettyProxyServer
 * p1,p2,p3}) it prints one line {@code port: N} once it accepts connections and stops when its
 * standard input reaches end of file. {@link #close()} is idempotent.
 */
public final class JettyProxyServer implements AutoCloseable {
  private final Server server;
  private final int port;

  private JettyProxyServer(Server server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts the proxy in front of {@code backendPorts}.
   *
   * @throws IllegalStateException when Jetty cannot start (everything started is stopped again)
   */
  static JettyProxyServer start(int[] backendPorts) {
    int[] ports = backendPorts.clone();
    AtomicInteger next = new AtomicInteger();
    ProxyHandler.Reverse proxy = new ProxyHandler.Reverse((Request request) -> {
      int port = ports[Math.floorMod(next.getAndIncrement(), ports.length)];
      return HttpURI.build(request.getHttpURI()).scheme("http").host("127.0.0.1").port(port);
    });
    HttpClient client = new HttpClient();
    client.setMaxConnectionsPerDestination(HttpClients.MAX_IDLE_CONNECTIONS);
    proxy.setHttpClient(client);
    Server server = GatewayServer.hopServer("proxy");
    server.setHandler(proxy);
    try {
      server.start();
    } catch (Exception e) {
      new JettyProxyServer(server, -1).close();
      throw new IllegalStateException("cannot start the Jetty proxy: " + e, e);
    }
    return new JettyProxyServer(server, GatewayServer.port(server));
  }

  /** The 127.0.0.1 port it listens on. */
  int port() {
    return port;
  }

  /** Stops Jetty and the proxy's client; never throws. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception ignored) {
      // Best effort: the process is going away.
    }
  }

  /**
   * Runs the proxy until standard input closes.
   *
   * @param args {@code p1,p2,p3}: the backends' ports
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    if (args.length != 1) throw new IllegalArgumentException("usage: JettyProxyServer p1,p2,p3");
    int[] ports = ChildJvm.ports(args[0]);
    try (JettyProxyServer proxy = start(ports)) {
      System.out.println("port: " + proxy.port());
      System.out.flush();
      ChildJvm.awaitStdinEnd();
    }
  }
}
