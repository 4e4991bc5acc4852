package io.mesh4j.gateway;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.Forwarding;
import io.mesh4j.servlet.InboundForwarder;
import io.mesh4j.internal.MeshInternals;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import okhttp3.CookieJar;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The in-process gateway: forwards the requests of {@code MeshFilter}'s inbound {@code to} and
 * {@code split} routes to the chosen cluster through the engine's attempt loop, so forwarding
 * gets the same picker, health-checked endpoints, retries (a request whose body started to go out
 * is never retried), circuit breaker, outcome reporting and client metrics as an outbound call.
 *
 * <pre>{@code
 * // nothing to do: with mesh-gateway on the class path MeshFilter finds it by ServiceLoader.
 * // Or explicitly, e.g. to choose the transport or the upstream protocol:
 * MeshGateway gateway = MeshGateway.builder(mesh)
 *     .transport(GatewayTransport.JETTY)           // the default; OKHTTP for mesh-okhttp's path
 *     .upstreamProtocol(UpstreamProtocol.H2C)      // HTTP/2 cleartext to every endpoint
 *     .build();
 * MeshFilter filter = MeshFilter.builder(mesh).forwarder(gateway).build();
 * }</pre>
 *
 * <p><b>Transports</b> ({@link GatewayTransport}): {@link GatewayTransport#JETTY} (default) sends
 * each attempt with Jetty 12's non-blocking {@code HttpClient}, streaming both bodies through
 * servlet read/write listeners without a thread per request; {@link GatewayTransport#OKHTTP}
 * sends it through mesh-okhttp's client path on an OkHttp dispatcher thread. {@code Upgrade}
 * requests, requests of a route with a {@code mirror} and requests to a cluster with {@code tls}
 * use OkHttp under both.
 *
 * <p>Per request: the method, the request URI (path as sent, then the route's {@code rewrite}),
 * the query, every header except the hop-by-hop ones (RFC 9110 §7.6.1) and {@code
 * Content-Length} (the client's {@code Host} and {@code Expect: 100-continue} included), and the
 * body (streamed, one-shot, byte for byte) go to the upstream, with nothing of the forwarding
 * client's own added (no {@code User-Agent}, no {@code Accept-Encoding}, no decompression), with
 * {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} set (the client's values kept and appended
 * to only when the socket peer is a trusted proxy), {@code x-request-id} and the route's {@code
 * headers}. Header hardening at the edge, as Envoy recommends: a header whose name contains {@code
 * _} is dropped, forwarded or answered with 400 as {@code inbound.headers_with_underscores_action}
 * says (default: dropped), and {@code Forwarded} and {@code X-Real-IP} are forwarded only from a
 * trusted proxy (otherwise dropped, like the client's {@code X-Forwarded-*}); both are counted
 * ({@link io.mesh4j.metrics.MeshMetricNames#GATEWAY_HEADERS_REMOVED}, {@link
 * io.mesh4j.metrics.MeshMetricNames#GATEWAY_REJECTED}). The upstream {@code Host} is the
 * client's (the route's {@code rewrite.host} replaces it, Envoy's {@code host_rewrite_literal}).
 * The response's status, headers (hop-by-hop removed), body (streamed, still encoded) and
 * trailers go back. Failures without a response
 * become 502 (bad response, reset), 503 (no healthy endpoint, circuit open, concurrency limit,
 * connection refused on every try) or 504 (the route's or cluster's timeout) with a short text
 * body and {@code x-mesh-error: <reason>}.
 *
 * <p>A WebSocket (any {@code Upgrade}) is forwarded when the container is Jetty 12 (ee10): the
 * handshake goes through the same attempt loop, the upstream's {@code 101} socket is joined to
 * the client's connection and bytes flow both ways until either side closes, the idle timeout or
 * the maximum duration ({@link Builder#upgradeIdleTimeout}, {@link Builder#upgradeMaxDuration}).
 *
 * <p>When the request supports async ({@link jakarta.servlet.ServletRequest#isAsyncSupported()})
 * the container thread starts the call and returns: under JETTY the client's and the container's
 * I/O callbacks move the bodies, under OKHTTP a dispatcher thread runs the attempts and streams
 * the body. Otherwise the container thread runs the call.
 *
 * <p>Thread-safe. {@link #close()} stops the Jetty client, and the OkHttp client only when this
 * gateway made it.
 */
public final class MeshGateway implements InboundForwarder, AutoCloseable {
  /** The transport of a gateway whose builder was not told otherwise. */
  public static final GatewayTransport DEFAULT_TRANSPORT = GatewayTransport.JETTY;

  /** Concurrent forwarded calls allowed by the default client's dispatcher. */
  public static final int DEFAULT_MAX_REQUESTS = 256;

  private final OkHttpClient client;
  private final boolean ownsClient;
  private final Mesh mesh;
  private final GatewayMeters meters;
  private final Tunnels tunnels;
  /** The Jetty transport, or {@code null} for {@link GatewayTransport#OKHTTP}. */
  private final JettyForwarder jetty;

  /** Default {@link Builder#upgradeIdleTimeout}: Envoy's stream idle timeout. */
  public static final Duration DEFAULT_UPGRADE_IDLE_TIMEOUT = Duration.ofMinutes(5);

  private MeshGateway(OkHttpClient client, boolean ownsClient, Mesh mesh, Tunnels tunnels,
      GatewayMeters meters, JettyForwarder jetty) {
    this.client = client;
    this.tunnels = tunnels;
    this.ownsClient = ownsClient;
    this.mesh = mesh;
    this.meters = meters;
    this.jetty = jetty;
  }

  /** A gateway for {@code mesh} with its own OkHttp client (see {@link Builder#client}). */
  public static MeshGateway create(Mesh mesh) {
    return builder(mesh).build();
  }

  /** A builder for a gateway with a client of the caller's. */
  public static Builder builder(Mesh mesh) {
    return new Builder(mesh);
  }

  @Override
  public void forward(Forwarding forwarding) throws IOException {
    // Upgrades (OkHttp hands back the upgraded socket), mirroring routes (mesh-okhttp's mirror)
    // and routes to clusters that speak TLS (mesh-okhttp originates mesh TLS) go through OkHttp
    // under either transport.
    if (jetty != null && forwarding.route().mirror() == null
        && !ForwardCall.isUpgrade(forwarding.request(), tunnels)
        && !toTlsCluster(forwarding.route())) {
      jetty.forward(forwarding);
      return;
    }
    new ForwardCall(client, forwarding,
        mesh.current().config().inbound().headersWithUnderscoresAction(), meters, tunnels)
        .start();
  }

  /** Whether any cluster the route can forward to has {@code tls} enabled. */
  private boolean toTlsCluster(Route route) {
    if (!(route.action() instanceof RouteAction.ClusterTarget target)) return false;
    List<String> names = target.clusters();
    MeshSnapshot snapshot = mesh.current();
    for (int i = 0; i < names.size(); i++) {
      Cluster c = snapshot.cluster(names.get(i));
      if (c != null && c.config().tls().enabled()) return true;
    }
    return false;
  }

  /**
   * The mesh-wrapped OkHttp client that {@link GatewayTransport#OKHTTP} forwards with, and that
   * forwards {@code Upgrade} requests under either transport (for metrics and tests).
   */
  public OkHttpClient client() {
    return client;
  }

  /** The transport this gateway forwards (non-{@code Upgrade}) requests with. */
  public GatewayTransport transport() {
    return jetty != null ? GatewayTransport.JETTY : GatewayTransport.OKHTTP;
  }

  /**
   * The Jetty client of the {@link GatewayTransport#JETTY} transport (its destinations are the
   * per-endpoint pools), or {@code null} under {@link GatewayTransport#OKHTTP}.
   */
  public org.eclipse.jetty.client.HttpClient jettyClient() {
    return jetty == null ? null : jetty.client;
  }

  /**
   * Closes the open upgrades, stops the Jetty client (its connections and threads), and the OkHttp
   * client's dispatcher threads and idle connections if this gateway made that client.
   */
  @Override
  public void close() {
    tunnels.close();
    if (jetty != null) jetty.close();
    if (!ownsClient) return;
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  /** The upgraded connections open now (WebSockets and other {@code Upgrade}s). */
  public int openUpgrades() {
    return tunnels.openCount();
  }

  /** Options for a {@link MeshGateway}. Not thread-safe. */
  public static final class Builder {
    private final Mesh mesh;
    private OkHttpClient client;
    private Duration upgradeIdleTimeout = DEFAULT_UPGRADE_IDLE_TIMEOUT;
    private Duration upgradeMaxDuration;
    private GatewayTransport transport = DEFAULT_TRANSPORT;
    private UpstreamProtocol protocol = UpstreamProtocol.HTTP_1_1;

    /**
     * The HTTP client requests are forwarded with (see {@link GatewayTransport}). Default {@link
     * #DEFAULT_TRANSPORT}. {@code Upgrade} requests always use OkHttp.
     */
    public Builder transport(GatewayTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The protocol the {@link GatewayTransport#JETTY} transport speaks to every upstream endpoint:
     * {@link UpstreamProtocol#HTTP_1_1} (default) or {@link UpstreamProtocol#H2C}. Checked at
     * {@link #build()}: {@code H2C} with the OkHttp transport is refused.
     */
    public Builder upstreamProtocol(UpstreamProtocol protocol) {
      this.protocol = Objects.requireNonNull(protocol, "upstreamProtocol");
      return this;
    }

    /**
     * An upgraded connection (a WebSocket) with no byte in either direction for this long is
     * closed on both sides. Default {@link #DEFAULT_UPGRADE_IDLE_TIMEOUT}; {@code null}: never.
     * The container's own idle timeout on the client's connection applies too.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder upgradeIdleTimeout(Duration idle) {
      this.upgradeIdleTimeout = positive("upgradeIdleTimeout", idle);
      return this;
    }

    /**
     * An upgraded connection is closed on both sides this long after it opened, whatever its
     * traffic. Default {@code null}: no limit.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder upgradeMaxDuration(Duration max) {
      this.upgradeMaxDuration = positive("upgradeMaxDuration", max);
      return this;
    }

    private static Duration positive(String what, Duration d) {
      if (d != null && (d.isNegative() || d.isZero())) {
        throw new IllegalArgumentException(what + ": " + d + " (expected: a positive duration,"
            + " or null for none)");
      }
      return d;
    }

    private Builder(Mesh mesh) {
      this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    /**
     * The OkHttp client to wrap with the mesh for forwarding under {@link GatewayTransport#OKHTTP},
     * and for {@code Upgrade} requests under either transport (its pool, dispatcher and timeouts
     * are used; redirects are never followed and cookies never stored, whatever it says). It must
     * not already be wrapped. Default: a new client with a dispatcher allowing {@value
     * #DEFAULT_MAX_REQUESTS} concurrent calls and OkHttp's default timeouts; the gateway then
     * owns it and {@link MeshGateway#close()} shuts it down.
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The gateway.
     *
     * @throws IllegalStateException for {@code upstreamProtocol(H2C)} with the OkHttp transport,
     *     or {@code H2C} without {@code jetty-http2-client-transport} on the class path
     */
    public MeshGateway build() {
      if (protocol == UpstreamProtocol.H2C && transport != GatewayTransport.JETTY) {
        throw new IllegalStateException("upstreamProtocol: H2C (expected: transport JETTY, not "
            + transport + "; the OkHttp transport speaks HTTP/1.1 upstream)");
      }
      boolean owns = client == null;
      OkHttpClient base = client;
      if (base == null) {
        Dispatcher d = new Dispatcher();
        d.setMaxRequests(DEFAULT_MAX_REQUESTS);
        d.setMaxRequestsPerHost(DEFAULT_MAX_REQUESTS);
        base = new OkHttpClient.Builder().dispatcher(d).build();
      }
      OkHttpClient forwarding = base.newBuilder()
          .followRedirects(false)
          .followSslRedirects(false)
          .cookieJar(CookieJar.NO_COOKIES)
          .cache(null)
          .addNetworkInterceptor(AsSent.INTERCEPTOR)
          .build();
      Tunnels tunnels = new Tunnels(MeshInternals.ticker(mesh), MeshInternals.scheduler(mesh),
          upgradeIdleTimeout, upgradeMaxDuration);
      GatewayMeters meters = new GatewayMeters(mesh.meterRegistry(), mesh.serviceName());
      JettyForwarder jetty = transport == GatewayTransport.JETTY
          ? new JettyForwarder(JettyClients.start(protocol), true,
              protocol == UpstreamProtocol.H2C, mesh, meters)
          : null;
      return new MeshGateway(MeshOkHttp.wrap(forwarding, mesh), owns, mesh, tunnels, meters, jetty);
    }
  }
}
