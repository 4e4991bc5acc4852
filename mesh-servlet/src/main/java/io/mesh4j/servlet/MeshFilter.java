package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigException;
import io.mesh4j.context.MeshContext;
import io.mesh4j.context.RequestIdGenerator;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.server.InboundPipeline;
import io.mesh4j.internal.server.InboundPlan;
import io.mesh4j.internal.server.Outcome;
import io.mesh4j.route.RequestPath;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh on the server side: one Jakarta Servlet filter that applies a {@link Mesh}'s inbound
 * rules to every request the application receives.
 *
 * <pre>{@code
 * // programmatic (Jetty, Tomcat, Spring Boot's FilterRegistrationBean)
 * Mesh mesh = Mesh.fromFile(Path.of("mesh.yaml"));
 * MeshFilter filter = new MeshFilter(mesh);            // the caller owns and closes the mesh
 *
 * // web.xml or any container that instantiates the filter itself
 * //   <init-param><param-name>mesh4j.config</param-name><param-value>/etc/mesh.yaml</param-value>
 * //   the filter then loads, watches and (in destroy()) closes its own mesh.
 * }</pre>
 *
 * <p>Map it on {@code /*} for the {@code REQUEST} and {@code ASYNC} (and, if the application
 * uses error pages, {@code ERROR}) dispatcher types. For each request (a {@code REQUEST}
 * dispatch) it, in this order:
 *
 * <ol>
 *   <li>resolves the source address (the socket peer; {@code X-Forwarded-For} only from {@code
 *       inbound.trusted_proxies}, see {@link #sourceAddress}) and the peer's certificate identity
 *       (for {@code principals});
 *   <li>takes the {@code x-request-id} (or generates one), the {@code propagate.headers} and,
 *       when the mesh traces, the request's server span into a {@link MeshContext}, echoes {@code x-request-id} on the response, and adds {@code
 *       x-mesh-draining: true} while the mesh is draining;
 *   <li>answers the health endpoint ({@code inbound.health_path}, default {@code /mesh/health}):
 *       200 while serving, 503 while draining;
 *   <li>hands paths under {@code /mesh/} to the {@link AdminHandler} while {@code admin.enabled};
 *   <li>runs mesh-core's inbound pipeline ({@link InboundPipeline}: route, request policies,
 *       {@code authz} (403), {@code rate_limit} (429 with {@code Retry-After}), {@code fault},
 *       action), writing the answers it makes; a {@code pass} goes to the application with the
 *       route's {@code headers} applied and the context attached for the request's whole duration,
 *       async included; {@code to} and {@code split} hand the request to the {@link
 *       InboundForwarder} (module {@code mesh-gateway}) to send on to the chosen cluster, except on
 *       a split's {@code local} turns, which pass to the application;
 *   <li>records the outcome once ({@code mesh.server.requests}): after {@code doFilter}
 *       returns, or, for a request that went async, when its response completes.
 * </ol>
 *
 * <p>The filter only translates between the container and the engine: the decisions (order of
 * steps, per-route state carried across reloads) are mesh-core's. Thread-safe; one instance serves
 * all requests. Reloads of the mesh apply from the next request on. The per-request work takes no
 * lock; it allocates the request view, context, exchange and wrapper (a few small objects).
 */
public final class MeshFilter implements Filter {
  private static final Logger log = LoggerFactory.getLogger(MeshFilter.class);

  /** The init parameter naming a config file (YAML or JSON) the filter loads and owns. */
  public static final String CONFIG_PARAMETER = "mesh4j.config";
  /** The response header present with value {@code true} while the mesh is draining. */
  public static final String DRAINING_HEADER = "x-mesh-draining";
  /** The request attribute holding the source address the filter resolved (a String). */
  public static final String SOURCE_ADDRESS_ATTRIBUTE = "io.mesh4j.sourceAddress";
  /**
   * The request attribute holding the canonical request path ({@link RequestPath}, context path
   * included) every decision was made on and a forwarder sends (a String).
   */
  public static final String PATH_ATTRIBUTE = "io.mesh4j.path";

  /** The response header naming why the mesh answered a forwarded request itself (502, 503, 504). */
  public static final String FORWARD_ERROR_HEADER = "x-mesh-error";

  static final String EXCHANGE_ATTRIBUTE = MeshFilter.class.getName() + ".exchange";
  private static final String ADMIN_PREFIX = "/mesh/";
  private static final String ADMIN_ROOT = "/mesh";

  private final Hooks hooks;
  private final RequestIdGenerator requestIds;
  private final PeerIdentities identities = new PeerIdentities();
  private volatile PeerAuthentication peerAuthentication;
  private volatile Mesh mesh;
  private volatile boolean ownsMesh;
  private volatile InboundPipeline pipeline;
  /** The mesh reload check added at init when there is no forwarder; removed by destroy. */
  private volatile AutoCloseable reloadCheck;

  /**
   * A filter for a container to instantiate: {@link #init} loads the config file named by the
   * {@value #CONFIG_PARAMETER} init parameter and the filter owns the resulting mesh.
   */
  public MeshFilter() {
    this.hooks = new Hooks(null, null);
    this.requestIds = RequestIdGenerator.create();
  }

  /**
   * A filter applying {@code mesh}'s inbound rules. The caller keeps ownership: {@link #destroy()}
   * does not close the mesh.
   */
  public MeshFilter(Mesh mesh) {
    this(builder(mesh));
  }

  private MeshFilter(Builder b) {
    this.mesh = b.mesh;
    this.hooks = new Hooks(b.admin, b.forwarder);
    this.pipeline = pipeline(b.mesh);
    this.requestIds = b.requestIds != null ? b.requestIds : RequestIdGenerator.create();
  }

  /** A builder for a filter over {@code mesh} (which the caller keeps owning). */
  public static Builder builder(Mesh mesh) {
    return new Builder(Objects.requireNonNull(mesh, "mesh"));
  }

  /**
   * Loads the mesh from the {@value #CONFIG_PARAMETER} init parameter when the filter was
   * instantiated without one.
   *
   * @throws ServletException when there is neither a mesh nor the parameter, when both are
   *     given, when the config file cannot be loaded (the message lists every error), or when the
   *     config has an inbound {@code to} / {@code split} route and no {@link InboundForwarder} is
   *     available (the message names the route and says to add {@code io.mesh4j:mesh-gateway})
   */
  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    String file = filterConfig == null ? null : filterConfig.getInitParameter(CONFIG_PARAMETER);
    if (mesh != null) {
      if (file != null) {
        throw new ServletException("MeshFilter was given a Mesh and the " + CONFIG_PARAMETER
            + " init parameter (" + file + "); use one");
      }
      requireForwarder(mesh);
      return;
    }
    if (file == null || file.isBlank()) {
      throw new ServletException("MeshFilter needs a Mesh (new MeshFilter(mesh)) or the "
          + CONFIG_PARAMETER + " init parameter naming a config file");
    }
    try {
      Mesh m = Mesh.fromFile(Path.of(file.strip()));
      ownsMesh = true;
      pipeline = pipeline(m);
      mesh = m;
    } catch (ConfigException | IllegalArgumentException e) {
      throw new ServletException("MeshFilter cannot load " + CONFIG_PARAMETER + "=" + file + ": "
          + e.getMessage(), e);
    }
    try {
      requireForwarder(mesh);
    } catch (ServletException e) {
      mesh.close();
      mesh = null;
      ownsMesh = false;
      throw e;
    }
  }

  private void requireForwarder(Mesh m) throws ServletException {
    String missing = hooks.missingForwarder(m, m.current());
    if (missing != null) throw new ServletException(missing);
    if (hooks.forwarder(m) == null) {
      // Reloads to a config this filter could not serve are rejected by the mesh itself.
      reloadCheck = m.addReloadCheck(Hooks::forwardingErrors);
    }
  }

  /**
   * Closes the mesh if the filter loaded it from {@value #CONFIG_PARAMETER}, closes a forwarder
   * the filter made through {@link InboundForwarder.Factory} (when it is {@link AutoCloseable}),
   * and removes the reload check {@link #init} may have added to the mesh. A forwarder set with
   * {@link Builder#forwarder} stays the caller's.
   */
  @Override
  public void destroy() {
    AutoCloseable check = reloadCheck;
    if (check != null) {
      reloadCheck = null;
      try {
        check.close();
      } catch (Exception e) {
        log.warn("mesh4j: removing the filter's reload check failed", e);
      }
    }
    // A forwarder the filter made through its factory is the filter's to close.
    if (hooks.madeForwarder() instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("mesh4j: closing the inbound forwarder failed", e);
      }
    }
    Mesh m = mesh;
    if (ownsMesh && m != null) m.close();
  }

  /** The mesh this filter applies ({@code null} before {@link #init} for a container-made one). */
  public Mesh mesh() {
    return mesh;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse res)) {
      chain.doFilter(request, response);
      return;
    }
    Mesh m = mesh;
    if (m == null) throw new ServletException("MeshFilter was not initialized (init was not called)");
    if (req.getDispatcherType() == DispatcherType.ASYNC
        && req.getAttribute(Forwarding.ABORT_ATTRIBUTE) instanceof IOException abort) {
      // A forwarded response broke after it was committed (Forwarding.abort): failing this
      // dispatch makes the container cut the connection, so the client sees a broken response.
      req.removeAttribute(Forwarding.ABORT_ATTRIBUTE);
      throw abort;
    }
    if (req.getAttribute(EXCHANGE_ATTRIBUTE) instanceof Exchange exchange) {
      redispatch(exchange, req, res, chain);
    } else if (req.getDispatcherType() == DispatcherType.REQUEST) {
      handle(m, req, res, chain);
    } else {
      chain.doFilter(req, res);
    }
  }

  /** An async or error dispatch (or a forward/include) of a request this filter has seen. */
  private static void redispatch(
      Exchange exchange, HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest r = isWrapped(req) ? req : new MeshRequest(req, exchange, exchange.requestHeaders());
    try (MeshContext.Scope s = MeshContext.attach(exchange.context())) {
      chain.doFilter(r, res);
    }
  }

  private static boolean isWrapped(ServletRequest req) {
    return req instanceof MeshRequest
        || (req instanceof ServletRequestWrapper w && w.isWrapperFor(MeshRequest.class));
  }

  private void handle(Mesh m, HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    long start = MeshInternals.ticker(m).read();
    io.mesh4j.config.InboundTlsConfig tls = m.current().config().inbound().tls();
    if (tls != null && !peerAuthentication(m).admit(tls, req)) {
      // inbound.tls strict: plaintext (or TLS without a client certificate) never gets further.
      write(res, 403, "mesh4j: mutual TLS required (inbound.tls.mode strict)\n");
      return;
    }
    // One canonical path for every decision below, and only when the container will dispatch on
    // that same path: otherwise the decision would be about a request the application never sees.
    InboundPipeline pipe = pipeline;
    InboundPlan p = pipe.plan();
    String path = DispatchPath.canonical(req, p.paths());
    if (path == null) {
      DispatchPath.refuse(req, res, p);
      return;
    }
    req.setAttribute(PATH_ATTRIBUTE, path);
    String source = SourceAddresses.of(req, p);
    req.setAttribute(SOURCE_ADDRESS_ATTRIBUTE, source);
    ServletRequestView view = new ServletRequestView(req, path, source, identities);
    MeshContext context = MeshContext.fromRequest(p.propagate(), view, requestIds);
    if (context.requestId() != null) res.setHeader(MeshContext.REQUEST_ID, context.requestId());
    if (m.isDraining()) res.setHeader(DRAINING_HEADER, "true");

    String local = DispatchPath.withinContext(req, path);
    if (local.equals(p.healthPath())) {
      pipe.health(req.getMethod(), (status, body, headers) -> Exchange.write(res, status, body, headers));
      return;
    }
    if (p.adminEnabled() && (local.startsWith(ADMIN_PREFIX) || local.equals(ADMIN_ROOT))) {
      AdminHandler admin = hooks.admin(m);
      if (admin != null && admin.handle(req, res, source)) return;
    }

    Exchange exchange = new Exchange(pipe.traced(context, view), res, MeshInternals.ticker(m), start);
    switch (pipe.decide(p, view, exchange, exchange)) {
      case PASS -> pass(m, req, res, chain, exchange);
      case FORWARD -> forward(m, p, req, res, exchange, source);
      case ANSWERED -> { }
    }
  }

  /** A {@code to} or {@code split} decision: the request goes to the forwarder. */
  private void forward(
      Mesh m, InboundPlan p, HttpServletRequest req, HttpServletResponse res, Exchange exchange,
      String source) throws IOException {
    InboundForwarder forwarder = hooks.forwarder(m);
    if (forwarder == null) {
      // Only reachable when init() was never called: a refused config never becomes a plan.
      exchange.record(Outcome.ERROR, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      res.setHeader(FORWARD_ERROR_HEADER, "no-forwarder");
      write(res, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "no forwarder\n");
      return;
    }
    Forwarding forwarding = new Forwarding(req, res, exchange.route().route(), exchange.cluster(),
        source, SourceAddresses.strip(req.getRemoteAddr()), p.trustedProxies(), exchange, p.paths());
    boolean returned = false;
    try (MeshContext.Scope s = MeshContext.attach(exchange.context())) {
      forwarder.forward(forwarding);
      returned = true;
    } finally {
      if (!returned) forwarding.failed(res.isCommitted() ? res.getStatus() : 500);
    }
  }

  private static void pass(
      Mesh m, HttpServletRequest req, HttpServletResponse res, FilterChain chain, Exchange exchange)
      throws IOException, ServletException {
    req.setAttribute(EXCHANGE_ATTRIBUTE, exchange);
    MeshRequest wrapped = new MeshRequest(req, exchange, exchange.requestHeaders());
    boolean completed = false;
    try (MeshContext.Scope s = MeshContext.attach(exchange.context())) {
      chain.doFilter(wrapped, res);
      completed = true;
    } finally {
      if (exchange.isListening()) {
        // The listener records when the async response completes.
      } else if (req.isAsyncStarted()) {
        exchange.listenLate(req);
      } else if (completed) {
        if (m.isDraining() && !res.isCommitted()) res.setHeader(DRAINING_HEADER, "true");
        exchange.record(Outcome.PASS, res.getStatus());
      } else {
        // The application threw: unless it committed a status, the container answers 500.
        exchange.record(Outcome.ERROR, res.isCommitted() ? res.getStatus() : 500);
      }
    }
  }

  private PeerAuthentication peerAuthentication(Mesh m) {
    PeerAuthentication a = peerAuthentication;
    if (a == null) {
      a = new PeerAuthentication(m.meterRegistry(), m.serviceName());
      peerAuthentication = a;
    }
    return a;
  }

  private InboundPipeline pipeline(Mesh m) {
    return new InboundPipeline(m, s -> hooks.missingForwarder(m, s));
  }

  private static void write(HttpServletResponse res, int status, String body) throws IOException {
    Exchange.write(res, status, body, Map.of());
  }

  /** Builds a {@link MeshFilter}. Not thread-safe. */
  public static final class Builder {
    private final Mesh mesh;
    private AdminHandler admin;
    private InboundForwarder forwarder;
    private RequestIdGenerator requestIds;

    private Builder(Mesh mesh) {
      this.mesh = mesh;
    }

    /**
     * The handler for {@code /mesh/} admin paths (while {@code admin.enabled}). Default: made,
     * the first time an admin path is requested while enabled, by the first {@link
     * AdminHandler.Factory} that {@link ServiceLoader} finds with the context class loader of the
     * thread that created the filter (else the filter's own class loader); none found means
     * {@code /mesh/} paths go to the application.
     */
    public Builder admin(AdminHandler admin) {
      this.admin = Objects.requireNonNull(admin, "admin");
      return this;
    }

    /**
     * The forwarder for inbound {@code to} / {@code split} routes. Default: made, when a config
     * first needs one, by the first {@link InboundForwarder.Factory} that {@link ServiceLoader}
     * finds (as for {@link #admin}); {@code mesh-gateway} registers one.
     */
    public Builder forwarder(InboundForwarder forwarder) {
      this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
      return this;
    }

    /** Makes ids for requests that arrive without a valid {@code x-request-id}. */
    public Builder requestIds(RequestIdGenerator requestIds) {
      this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
      return this;
    }

    /** The filter. */
    public MeshFilter build() {
      return new MeshFilter(this);
    }
  }
}
