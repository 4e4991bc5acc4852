package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.authz.Authorizer;
import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import io.mesh4j.context.MeshContext;
import io.mesh4j.context.RequestIdGenerator;
import io.mesh4j.fault.Fault;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyRun;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.time.Scheduler;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
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
 *   <li>takes the {@code x-request-id} (or generates one) and the {@code propagate.headers}
 *       into a {@link MeshContext}, echoes {@code x-request-id} on the response, and adds {@code
 *       x-mesh-draining: true} while the mesh is draining;
 *   <li>answers the health endpoint ({@code inbound.health_path}, default {@code /mesh/health}):
 *       200 while serving, 503 while draining;
 *   <li>hands paths under {@code /mesh/} to the {@link AdminHandler} while {@code admin.enabled};
 *   <li>matches the inbound route table and runs the request policies ({@code policies}: global,
 *       virtual host, route; see {@link io.mesh4j.policy.RequestPolicy}), which may edit the
 *       headers the application sees or answer the request themselves;
 *   <li>applies {@code authz} (403), the route's {@code
 *       rate_limit} (429 with {@code Retry-After}), {@code fault} (delay, abort) and action:
 *       {@code redirect}, {@code respond}, or {@code pass} to the application with the route's
 *       {@code headers} applied and the context attached for the request's whole duration,
 *       async included; {@code to} and {@code split} hand the request to the {@link
 *       InboundForwarder} (module {@code mesh-gateway}) to send on to the chosen cluster, except on
 *       a split's {@code local} turns, which pass to the application;
 *   <li>records the outcome once ({@code mesh.server.requests}): after {@code doFilter}
 *       returns, or, for a request that went async, when its response completes.
 * </ol>
 *
 * <p>Thread-safe; one instance serves all requests. Reloads of the mesh apply from the next
 * request on. The per-request work takes no lock; it allocates the request view, context and
 * wrapper (a few small objects).
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
  private static final byte[] NO_BODY = new byte[0];

  private final AdminHandler explicitAdmin;
  private final InboundForwarder explicitForwarder;
  private final RequestIdGenerator requestIds;
  private final ClassLoader serviceClassLoader = serviceClassLoader();
  private final PeerIdentities identities = new PeerIdentities();
  private final Object lock = new Object();
  private volatile Mesh mesh;
  private volatile boolean ownsMesh;
  private volatile InboundPlan plan;
  private volatile AdminHandler loadedAdmin;
  private volatile boolean adminLookedUp;
  private volatile InboundForwarder loadedForwarder;
  private volatile boolean forwarderLookedUp;
  /** The mesh reload check added at init when there is no forwarder; removed by destroy. */
  private volatile AutoCloseable reloadCheck;
  /** A snapshot the filter refused (forwarding routes, no forwarder); the previous plan serves. */
  private volatile MeshSnapshot refused;

  /**
   * A filter for a container to instantiate: {@link #init} loads the config file named by the
   * {@value #CONFIG_PARAMETER} init parameter and the filter owns the resulting mesh.
   */
  public MeshFilter() {
    this.explicitAdmin = null;
    this.explicitForwarder = null;
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
    this.explicitAdmin = b.admin;
    this.explicitForwarder = b.forwarder;
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
    String missing = missingForwarder(m, m.current());
    if (missing != null) throw new ServletException(missing);
    if (forwarder(m) == null) {
      // Reloads to a config this filter could not serve are rejected by the mesh itself.
      reloadCheck = m.addReloadCheck(MeshFilter::forwardingErrors);
    }
  }

  /** The errors of a config with inbound forwarding routes, for a filter without a forwarder. */
  static java.util.List<io.mesh4j.config.ConfigError> forwardingErrors(
      io.mesh4j.config.MeshConfig config) {
    java.util.List<io.mesh4j.config.ConfigError> errors = new java.util.ArrayList<>();
    java.util.List<VirtualHostConfig> hosts = config.inbound().virtualHosts();
    for (int i = 0; i < hosts.size(); i++) {
      java.util.List<RouteConfig> routes = hosts.get(i).routes();
      for (int j = 0; j < routes.size(); j++) {
        ActionConfig a = routes.get(j).action();
        if (forwards(a)) {
          String key = a instanceof ActionConfig.Forward ? "to" : "split";
          errors.add(new io.mesh4j.config.ConfigError(
              "inbound.virtual_hosts[" + i + "].routes[" + j + "]." + key,
              "forwards inbound requests, but the servlet filter has no InboundForwarder"
                  + " (expected: io.mesh4j:mesh-gateway on the application's class path)"));
        }
      }
    }
    return errors;
  }

  /**
   * Why {@code s} cannot be served by this filter: the first inbound route that forwards to a
   * cluster when no {@link InboundForwarder} is available; {@code null} when it can be.
   */
  private String missingForwarder(Mesh m, MeshSnapshot s) {
    String route = firstForwardingRoute(s);
    if (route == null || forwarder(m) != null) return null;
    return "mesh4j: " + route + " forwards inbound requests to a cluster, but no InboundForwarder"
        + " is available: add io.mesh4j:mesh-gateway to the application (or set one with"
        + " MeshFilter.builder(mesh).forwarder(...))";
  }

  /** Whether an inbound route with action {@code a} can send a request to a cluster. */
  private static boolean forwards(ActionConfig a) {
    return a instanceof ActionConfig.Forward
        || (a instanceof ActionConfig.Split split && split.clusters().stream()
            .anyMatch(w -> !w.local() && w.weight() > 0));
  }

  /** The config path of the first inbound route that can send a request to a cluster, or null. */
  static String firstForwardingRoute(MeshSnapshot s) {
    java.util.List<VirtualHostConfig> hosts = s.config().inbound().virtualHosts();
    for (int i = 0; i < hosts.size(); i++) {
      java.util.List<RouteConfig> routes = hosts.get(i).routes();
      for (int j = 0; j < routes.size(); j++) {
        if (forwards(routes.get(j).action())) {
          return "inbound.virtual_hosts[" + i + "].routes[" + j + "] (" + hosts.get(i).name() + "/"
              + routes.get(j).name() + ")";
        }
      }
    }
    return null;
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
    if (loadedForwarder instanceof AutoCloseable c) {
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
    try (MeshContext.Scope s = MeshContext.attach(exchange.context)) {
      chain.doFilter(r, res);
    }
  }

  private static boolean isWrapped(ServletRequest req) {
    return req instanceof MeshRequest
        || (req instanceof ServletRequestWrapper w && w.isWrapperFor(MeshRequest.class));
  }

  private void handle(Mesh m, HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    long start = m.ticker().read();
    // One canonical path for every decision below, and only when the container will dispatch on
    // that same path: otherwise the decision would be about a request the application never sees.
    InboundPlan p = plan(m);
    String path = DispatchPath.canonical(req, p.paths);
    if (path == null) {
      refusePath(req, res, p);
      return;
    }
    req.setAttribute(PATH_ATTRIBUTE, path);
    String source = sourceAddress(req, p);
    req.setAttribute(SOURCE_ADDRESS_ATTRIBUTE, source);
    ServletRequestView view = new ServletRequestView(req, path, source, identities);
    MeshContext context = MeshContext.fromRequest(p.propagate, view, requestIds);
    if (context.requestId() != null) res.setHeader(MeshContext.REQUEST_ID, context.requestId());
    if (m.isDraining()) res.setHeader(DRAINING_HEADER, "true");

    String local = pathWithinContext(req, path);
    if (local.equals(p.healthPath)) {
      health(m, req, res);
      return;
    }
    if (p.adminEnabled && (local.startsWith(ADMIN_PREFIX) || local.equals(ADMIN_ROOT))) {
      AdminHandler admin = admin(m);
      if (admin != null && admin.handle(req, res, source)) return;
    }

    RouteMatch match = p.routes.match(view);
    RouteState route = match.isRouted() ? p.state(match.route()) : p.unrouted;
    Exchange exchange = new Exchange(context, route, res, m.ticker(), start);
    PolicyChain policies = match.isRouted() ? match.route().policies() : p.routes.policies();
    if (!policies.isEmpty() && !runPolicies(policies, match, view, context, exchange, res, start)) {
      return;
    }

    // Answers the filter makes itself are recorded before they are written, so a client that
    // goes away mid-write cannot make a request go uncounted.
    Authorizer.Decision decision = p.authorizer.decide(view);
    if (!decision.allowed()) {
      p.denied(decision).increment();
      exchange.record(Outcome.DENIED, HttpServletResponse.SC_FORBIDDEN);
      write(res, HttpServletResponse.SC_FORBIDDEN, "access denied\n");
      return;
    }
    if (route.bucket != null && !route.bucket.tryAcquire()) {
      route.rateLimited.increment();
      exchange.record(Outcome.RATELIMITED, 429);
      res.setHeader("Retry-After", Long.toString(route.bucket.retryAfterSeconds()));
      write(res, 429, "rate limited\n");
      return;
    }
    Fault fault = route.fault.decide();
    if (fault.delayed()) hold(m.scheduler(), fault.delayNanos());
    if (fault.aborted()) {
      exchange.record(Outcome.FAULT, fault.abortStatus());
      write(res, fault.abortStatus(), "fault filter abort\n");
      return;
    }
    switch (route.action.kind()) {
      case REDIRECT -> {
        RouteAction.Redirect redirect = (RouteAction.Redirect) route.action;
        exchange.record(Outcome.REDIRECT, redirect.code());
        res.setStatus(redirect.code());
        res.setHeader("Location", redirect.location(view));
        res.setContentLength(0);
      }
      case RESPOND -> {
        RouteAction.Respond respond = (RouteAction.Respond) route.action;
        exchange.record(Outcome.RESPOND, respond.status());
        respond(res, respond);
      }
      case FORWARD, SPLIT -> forwardOrPass(m, p, req, res, chain, exchange, source);
      default -> pass(m, req, res, chain, exchange);
    }
  }

  /**
   * Answers a request whose path {@link DispatchPath#canonical} did not accept: 307 to the
   * unescaped path under {@code unescape_and_redirect}, else 400 counted by reason.
   */
  private static void refusePath(HttpServletRequest req, HttpServletResponse res, InboundPlan p)
      throws IOException {
    String raw = DispatchPath.raw(req);
    String target = raw == null ? null : p.paths.redirect(raw);
    if (target != null) {
      String query = req.getQueryString();
      res.setStatus(307);
      res.setHeader("Location", query == null ? target : target + "?" + query);
      res.setContentLength(0);
      return;
    }
    p.pathRefused(DispatchPath.refusal(req, p.paths)).increment();
    write(res, HttpServletResponse.SC_BAD_REQUEST, "invalid request path\n");
  }

  /**
   * Runs the request policies (global, virtual host, route) before authz, rate limit, fault and
   * action, so they observe those answers too. Returns false when a policy answered the request.
   */
  private static boolean runPolicies(
      PolicyChain policies, RouteMatch match, ServletRequestView view, MeshContext context,
      Exchange exchange, HttpServletResponse res, long start) throws IOException {
    Route r = match.isRouted() ? match.route() : null;
    PolicyRun run = policies.start(
        view, r == null ? null : r.virtualHost(), r == null ? null : r.name(), context.requestId(),
        start);
    exchange.policies(run);
    PolicyDecision d = run.onRequest();
    if (!d.isContinue()) {
      exchange.record(Outcome.POLICY, d.status());
      respond(res, d.status(), d.body(), d.headers());
      return false;
    }
    exchange.applyHeaderEdits(run);
    return true;
  }

  /** A {@code to} or {@code split} route: to the forwarder, or to the application on a local turn. */
  private void forwardOrPass(
      Mesh m, InboundPlan p, HttpServletRequest req, HttpServletResponse res, FilterChain chain,
      Exchange exchange, String source) throws IOException, ServletException {
    RouteState route = exchange.route;
    String cluster;
    if (route.action instanceof RouteAction.Split split) {
      ActionConfig.WeightedCluster entry = split.pickEntry();
      if (entry.local()) {
        pass(m, req, res, chain, exchange);
        return;
      }
      cluster = entry.cluster();
    } else {
      cluster = ((RouteAction.Forward) route.action).cluster();
    }
    InboundForwarder forwarder = forwarder(m);
    if (forwarder == null) {
      // Only reachable when init() was never called: a refused config never becomes a plan.
      exchange.record(Outcome.ERROR, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      res.setHeader(FORWARD_ERROR_HEADER, "no-forwarder");
      write(res, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "no forwarder\n");
      return;
    }
    Forwarding forwarding = new Forwarding(req, res, route.route, cluster, source,
        SourceAddresses.strip(req.getRemoteAddr()), p.trustedProxies, exchange, p.paths);
    boolean returned = false;
    try (MeshContext.Scope s = MeshContext.attach(exchange.context)) {
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
    try (MeshContext.Scope s = MeshContext.attach(exchange.context)) {
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

  /**
   * The request's source address: the socket peer ({@code getRemoteAddr()}), unless the peer is
   * in {@code inbound.trusted_proxies}; then the right-most {@code X-Forwarded-For} entry that is
   * not itself a trusted proxy (every line of the header counts, in order; when all entries are
   * trusted proxies, the left-most; an entry that is not an IP literal stops the walk at the last
   * trusted address). A forged header from any other peer changes nothing.
   */
  static String sourceAddress(HttpServletRequest req, InboundPlan p) {
    String peer = SourceAddresses.strip(req.getRemoteAddr());
    if (p.trustedProxies.length == 0) return peer;
    return SourceAddresses.resolve(peer, req.getHeaders(SourceAddresses.X_FORWARDED_FOR), p.trustedProxies);
  }

  private static String pathWithinContext(HttpServletRequest req, String uri) {
    String ctx = req.getContextPath();
    return ctx != null && !ctx.isEmpty() && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
  }

  private InboundPlan plan(Mesh m) {
    MeshSnapshot s = m.current();
    InboundPlan p = plan;
    if (p != null && p.snapshot == s) return p;
    if (p != null && s == refused) return p;
    synchronized (lock) {
      p = plan;
      if (p != null && p.snapshot == s) return p;
      // Never go back to an older snapshot than the one already planned.
      if (p != null && p.snapshot.generation() > s.generation()) return p;
      if (p != null && s != refused) {
        String missing = missingForwarder(m, s);
        if (missing != null) {
          refused = s;
          log.error("{}; the filter keeps serving config generation {} inbound (generation {} is"
              + " refused)", missing, p.snapshot.generation(), s.generation());
        }
      }
      if (p != null && s == refused) return p;
      InboundPlan next = InboundPlan.build(s, p, m.meterRegistry(), m.ticker());
      plan = next;
      return next;
    }
  }

  private InboundForwarder forwarder(Mesh m) {
    if (explicitForwarder != null) return explicitForwarder;
    if (forwarderLookedUp) return loadedForwarder;
    synchronized (lock) {
      if (!forwarderLookedUp) {
        loadedForwarder = loadForwarder(m);
        forwarderLookedUp = true;
      }
      return loadedForwarder;
    }
  }

  private InboundForwarder loadForwarder(Mesh m) {
    try {
      Iterator<InboundForwarder.Factory> it =
          ServiceLoader.load(InboundForwarder.Factory.class, serviceClassLoader).iterator();
      if (it.hasNext()) return it.next().create(m);
    } catch (ServiceConfigurationError | RuntimeException e) {
      log.warn("mesh4j: loading the inbound forwarder failed", e);
    }
    return null;
  }

  private AdminHandler admin(Mesh m) {
    if (explicitAdmin != null) return explicitAdmin;
    if (adminLookedUp) return loadedAdmin;
    synchronized (lock) {
      if (!adminLookedUp) {
        loadedAdmin = loadAdmin(m);
        adminLookedUp = true;
      }
      return loadedAdmin;
    }
  }

  /** The creating thread's context class loader (a web application's, in a container), else ours. */
  private static ClassLoader serviceClassLoader() {
    ClassLoader tccl = Thread.currentThread().getContextClassLoader();
    return tccl != null ? tccl : MeshFilter.class.getClassLoader();
  }

  private AdminHandler loadAdmin(Mesh m) {
    try {
      Iterator<AdminHandler.Factory> it =
          ServiceLoader.load(AdminHandler.Factory.class, serviceClassLoader).iterator();
      if (it.hasNext()) return it.next().create(m);
      log.warn("mesh4j: admin.enabled is true but no AdminHandler.Factory is on the class path; "
          + "/mesh/ paths go to the application");
    } catch (ServiceConfigurationError | RuntimeException e) {
      log.warn("mesh4j: loading the admin handler failed; /mesh/ paths go to the application", e);
    }
    return null;
  }

  private static void health(Mesh m, HttpServletRequest req, HttpServletResponse res) throws IOException {
    String method = req.getMethod();
    res.setHeader("Cache-Control", "no-store");
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      res.setHeader("Allow", "GET, HEAD");
      write(res, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "method not allowed\n");
      return;
    }
    if (m.isDraining()) {
      write(res, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "draining\n");
    } else {
      write(res, HttpServletResponse.SC_OK, "serving\n");
    }
  }

  private static void respond(HttpServletResponse res, RouteAction.Respond respond) throws IOException {
    respond(res, respond.status(), respond.body(), respond.headers());
  }

  private static void respond(
      HttpServletResponse res, int status, String text, Map<String, String> headers)
      throws IOException {
    res.setStatus(status);
    byte[] body = text.isEmpty() ? NO_BODY : text.getBytes(StandardCharsets.UTF_8);
    boolean typed = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase("content-type")) {
        res.setContentType(h.getValue());
        typed = true;
      } else {
        res.setHeader(h.getKey(), h.getValue());
      }
    }
    if (body.length > 0 && !typed) res.setContentType("text/plain;charset=utf-8");
    res.setContentLength(body.length);
    if (body.length > 0) res.getOutputStream().write(body);
  }

  private static void write(HttpServletResponse res, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setContentType("text/plain;charset=utf-8");
    res.setContentLength(bytes.length);
    res.getOutputStream().write(bytes);
  }

  /** Holds the calling thread for {@code nanos} on the mesh's scheduler (a fault delay). */
  private static void hold(Scheduler scheduler, long nanos) {
    CountDownLatch done = new CountDownLatch(1);
    Scheduler.Cancellable task = scheduler.schedule(done::countDown, Duration.ofNanos(nanos));
    try {
      done.await();
    } catch (InterruptedException e) {
      task.cancel();
      Thread.currentThread().interrupt();
    }
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
