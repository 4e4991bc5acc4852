package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.SocketFactory;
import okhttp3.Dns;
import okhttp3.OkHttpClient;

/**
 * Sends an attempt to its endpoint without rewriting the request's URL: the attempt runs on a
 * client whose {@link Dns} answers the endpoint's address for any host and whose sockets connect
 * to the endpoint's port, so the URL keeps the caller's logical host and port.
 *
 * <p>Why: building a new {@code HttpUrl} per attempt costs about a kilobyte of allocation; and with
 * the caller's URL intact, {@code Host} / {@code :authority}, TLS (SNI and hostname verification
 * against the logical host), the cookie jar, the cache and {@code response.request()} all see the
 * URL the caller wrote.
 *
 * <p>Connection pooling stays per endpoint: OkHttp pools connections by address, and an address
 * includes its {@code Dns}, which is one object per endpoint address (kept while the address is
 * known, so a reload that keeps an endpoint keeps its connections). Attempts never use a proxy:
 * the endpoint is the destination.
 *
 * <p>Only possible when the client uses the default {@link SocketFactory} (a custom factory's
 * sockets cannot be steered); otherwise the interceptor rewrites the URL instead ({@link
 * #supports}). Thread-safe.
 */
final class EndpointTargeting {
  /** More distinct endpoint addresses than this, and the cache starts over. */
  static final int MAX_ENDPOINTS = 4096;

  private final OkHttpClient client;
  private final ConcurrentHashMap<String, OkHttpClient> byAddress = new ConcurrentHashMap<>();

  EndpointTargeting(OkHttpClient client) {
    this.client = client;
  }

  /** Whether attempts on {@code client} can be steered to endpoints this way. */
  static boolean supports(OkHttpClient client) {
    return client.socketFactory() == SocketFactory.getDefault();
  }

  /** The client whose calls go to {@code endpoint}, whatever their URL's host and port. */
  OkHttpClient client(Endpoint endpoint) {
    OkHttpClient c = byAddress.get(endpoint.address());
    if (c != null) return c;
    if (byAddress.size() >= MAX_ENDPOINTS) byAddress.clear();
    return byAddress.computeIfAbsent(endpoint.address(), a -> build(endpoint));
  }

  private OkHttpClient build(Endpoint endpoint) {
    return client.newBuilder()
        .dns(new EndpointDns(endpoint.host(), client.dns()))
        .socketFactory(new EndpointSocketFactory(endpoint.port()))
        .proxy(Proxy.NO_PROXY)
        .build();
  }

  /** Answers the endpoint's addresses for any host name. */
  static final class EndpointDns implements Dns {
    private final String host;
    private final Dns resolver;
    private final List<InetAddress> literal;

    EndpointDns(String host, Dns resolver) {
      this.host = host;
      this.resolver = resolver;
      this.literal = isIpLiteral(host) ? literal(host) : null;
    }

    private static List<InetAddress> literal(String ip) {
      try {
        return List.of(InetAddress.getByName(ip)); // an IP literal: parsed, never looked up
      } catch (UnknownHostException e) {
        return null;
      }
    }

    static boolean isIpLiteral(String host) {
      if (host.indexOf(':') >= 0) return true; // IPv6 (endpoints keep IPv6 without brackets)
      int dots = 0;
      for (int i = 0; i < host.length(); i++) {
        char c = host.charAt(i);
        if (c == '.') {
          dots++;
        } else if (c < '0' || c > '9') {
          return false;
        }
      }
      return dots == 3;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      return literal != null ? literal : resolver.lookup(host);
    }

    @Override
    public String toString() {
      return "EndpointDns{" + host + "}";
    }
  }

  /** Makes sockets that connect to the endpoint's port, whatever port OkHttp asks for. */
  static final class EndpointSocketFactory extends SocketFactory {
    private final int port;

    EndpointSocketFactory(int port) {
      this.port = port;
    }

    @Override
    public Socket createSocket() {
      return new EndpointSocket(port);
    }

    @Override
    public Socket createSocket(String host, int ignored) throws IOException {
      Socket s = createSocket();
      s.connect(new InetSocketAddress(host, port));
      return s;
    }

    @Override
    public Socket createSocket(String host, int ignored, InetAddress localHost, int localPort)
        throws IOException {
      Socket s = createSocket();
      s.bind(new InetSocketAddress(localHost, localPort));
      s.connect(new InetSocketAddress(host, port));
      return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int ignored) throws IOException {
      Socket s = createSocket();
      s.connect(new InetSocketAddress(host, port));
      return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int ignored, InetAddress localAddress,
        int localPort) throws IOException {
      Socket s = createSocket();
      s.bind(new InetSocketAddress(localAddress, localPort));
      s.connect(new InetSocketAddress(address, port));
      return s;
    }
  }

  /** A plain socket whose connect goes to the endpoint's port on the address OkHttp resolved. */
  static final class EndpointSocket extends Socket {
    private final int port;

    EndpointSocket(int port) {
      this.port = port;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      if (endpoint instanceof InetSocketAddress a && a.getPort() != port) {
        endpoint = a.isUnresolved()
            ? InetSocketAddress.createUnresolved(a.getHostString(), port)
            : new InetSocketAddress(a.getAddress(), port);
      }
      super.connect(endpoint, timeout);
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
      connect(endpoint, 0);
    }
  }
}
