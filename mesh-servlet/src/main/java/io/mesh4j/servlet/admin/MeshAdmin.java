package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.AdminConfig;
import io.mesh4j.config.Cidr;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.tls.MeshTls;
import io.mesh4j.internal.tls.TlsExplain;
import io.mesh4j.route.DescribedRequest;
import io.mesh4j.route.Explanation;
import io.mesh4j.route.RouteTable;
import io.mesh4j.servlet.AdminHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /mesh/*} admin endpoints of one {@link Mesh}: live cluster state, the config and
 * routes in force, route explanations, Prometheus metrics, a dashboard page, and drain control.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><th>path</th><th>methods</th><th>answer</th></tr>
 *   <tr><td>{@code /mesh/}</td><td>GET, HEAD</td><td>the dashboard (HTML, self-contained)</td></tr>
 *   <tr><td>{@code /mesh/clusters}</td><td>GET, HEAD</td><td>clusters and endpoint state (JSON)</td></tr>
 *   <tr><td>{@code /mesh/config}</td><td>GET, HEAD</td><td>the config in force, masked (JSON)</td></tr>
 *   <tr><td>{@code /mesh/routes}</td><td>GET, HEAD</td><td>the compiled route tables (JSON)</td></tr>
 *   <tr><td>{@code /mesh/tls}</td><td>GET, HEAD</td><td>identity sources, per-cluster and inbound TLS, verified peers (JSON; never a key)</td></tr>
 *   <tr><td>{@code /mesh/explain}</td><td>GET, HEAD</td><td>{@code mesh4j explain --json} (JSON)</td></tr>
 *   <tr><td>{@code /mesh/metrics}</td><td>GET, HEAD</td><td>the application's {@code PrometheusMeterRegistry} (text, OpenMetrics); 501 without one</td></tr>
 *   <tr><td>{@code /mesh/drain}</td><td>POST</td><td>{@link Mesh#drain()}</td></tr>
 *   <tr><td>{@code /mesh/healthcheck/fail}</td><td>POST</td><td>{@link Mesh#drain()} (Envoy's name)</td></tr>
 *   <tr><td>{@code /mesh/healthcheck/ok}</td><td>POST</td><td>{@link Mesh#undrain()}</td></tr>
 * </table>
 *
 * <h2>Access</h2>
 *
 * <p>Checked per request against the config in force ({@code admin:}), so a reload can open or
 * close the admin. When {@code admin.enabled} is false, or the source address is not in {@code
 * admin.allow_from}, or the path is not one of the above, {@link #handle} returns {@code false}
 * without touching the response: inside {@code MeshFilter} the request then goes on to the
 * application, and {@link MeshAdminServlet} answers the container's own 404, so the admin is
 * indistinguishable from a missing page. A known path with the wrong method gets 405 with {@code
 * Allow}. A mutation that a browser sends from another origin ({@code Origin} not matching {@code
 * Host}, or {@code Sec-Fetch-Site: cross-site}) gets 403, so a web page cannot drain a service
 * through an operator's browser. Mutations, {@code /mesh/config} and {@code /mesh/explain} also
 * need a {@code Host} that is a loopback literal, {@code localhost} or in {@code
 * admin.allowed_hosts} (else 403), which defeats DNS rebinding.
 *
 * <h2>Embedding</h2>
 *
 * <p>{@code MeshFilter} finds {@link Factory} through {@link java.util.ServiceLoader} and calls
 * {@link #handle} with the source address it trusts. To serve the admin on another port, mount
 * {@link MeshAdminServlet} there instead.
 *
 * <p>Thread-safe and stateless apart from the mesh; not on the request hot path (a request that
 * is not under {@code /mesh} costs one string comparison).
 */
public final class MeshAdmin implements AdminHandler {
  private static final Logger log = LoggerFactory.getLogger(MeshAdmin.class);

  /** The path prefix every admin endpoint lives under. */
  public static final String PREFIX = "/mesh/";

  private static final String JSON = "application/json;charset=utf-8";
  private static final String GET_HEAD = "GET, HEAD";

  /** Whether micrometer-registry-prometheus, an optional dependency, is on the class path. */
  private static final boolean PROMETHEUS = PrometheusScrape.available();

  private final Mesh mesh;

  /** Created on the first admin response, not with the filter (thread-safe once configured). */
  private static final class Mappers {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** For explain, whose output matches the CLI's byte for byte. */
    static final ObjectMapper COMPACT = new ObjectMapper();
  }

  /** The admin of {@code mesh}. */
  public MeshAdmin(Mesh mesh) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
  }

  /** The mesh this admin shows. */
  public Mesh mesh() {
    return mesh;
  }

  /**
   * Answers {@code req} if it is an admin request the source may make.
   *
   * @param sourceAddress the client's IP literal as the caller trusts it (the socket peer, or the
   *     {@code X-Forwarded-For} address from a trusted proxy); {@code null} is never allowed
   * @return {@code false}, with the response untouched, when the admin is disabled, the source is
   *     not allowed, or the path (relative to the context path) is not an admin endpoint
   * @throws IOException when writing the response fails
   */
  @Override
  public boolean handle(HttpServletRequest req, HttpServletResponse res, String sourceAddress)
      throws IOException {
    String uri = req.getRequestURI();
    String ctx = req.getContextPath();
    int at = ctx == null || uri == null || !uri.startsWith(ctx) ? 0 : ctx.length();
    // The common case, a request for the application: no allocation, one comparison.
    if (uri == null || !uri.startsWith("/mesh", at)
        || (uri.length() > at + 5 && uri.charAt(at + 5) != '/')) {
      return false;
    }
    String path = uri.substring(at);
    MeshSnapshot snapshot = mesh.current();
    Endpoint endpoint = Endpoint.of(path);
    if (endpoint == null || !allowed(snapshot.config().admin(), sourceAddress)) return false;
    String method = req.getMethod();
    if (endpoint.mutation) {
      if (!"POST".equals(method)) {
        refuseMethod(res, "POST");
      } else if (crossOrigin(req)) {
        error(res, HttpServletResponse.SC_FORBIDDEN, "cross-origin admin requests are refused");
      } else if (!hostAllowed(snapshot.config().admin(), req.getHeader("Host"))) {
        refuseHost(res);
      } else {
        mutate(endpoint, res, sourceAddress);
      }
      return true;
    }
    boolean head = "HEAD".equals(method);
    if (!head && !"GET".equals(method)) {
      refuseMethod(res, GET_HEAD);
      return true;
    }
    if ((endpoint == Endpoint.CONFIG || endpoint == Endpoint.EXPLAIN)
        && !hostAllowed(snapshot.config().admin(), req.getHeader("Host"))) {
      refuseHost(res);
      return true;
    }
    switch (endpoint) {
      case ROOT -> redirectToDashboard(req, res);
      case DASHBOARD -> dashboard(res, head);
      case CLUSTERS -> send(res, StateJson.clusters(mesh, snapshot), head);
      case CONFIG -> send(res, StateJson.config(mesh, snapshot), head);
      case ROUTES -> send(res, StateJson.routes(mesh, snapshot), head);
      case TLS -> send(res, TlsJson.tls(mesh, snapshot), head);
      case EXPLAIN -> explain(req, res, snapshot, head);
      case METRICS -> metrics(req, res, head);
      default -> throw new AssertionError(endpoint);
    }
    return true;
  }

  static boolean allowed(AdminConfig admin, String sourceAddress) {
    if (!admin.enabled() || sourceAddress == null) return false;
    byte[] address = Cidr.parseAddress(sourceAddress);
    if (address == null) return false;
    for (Cidr c : admin.allowFrom()) {
      if (c.contains(address)) return true;
    }
    return false;
  }

  /**
   * Whether {@code hostHeader} names this admin as only an operator would: a loopback literal
   * (127.0.0.0/8, {@code [::1]}), {@code localhost}, or one of {@code admin.allowed_hosts}; port,
   * case and one trailing dot ignored. A page served from a rebound DNS name (the browser still
   * sends that name as {@code Host}) fails this, whatever its {@code Origin}.
   */
  static boolean hostAllowed(AdminConfig admin, String hostHeader) {
    if (hostHeader == null) return false;
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0 || (close + 1 < h.length() && h.charAt(close + 1) != ':')) return false;
      h = h.substring(0, close + 1);
    } else {
      int colon = h.indexOf(':');
      if (colon >= 0) h = h.substring(0, colon);
      if (h.endsWith(".") && !h.endsWith("..")) h = h.substring(0, h.length() - 1);
    }
    if (h.isEmpty()) return false;
    if (h.equals("localhost") || h.equals("[::1]")) return true;
    if (h.startsWith("127.")) {
      byte[] a = Cidr.parseAddress(h);
      if (a != null && a.length == 4) return true;
    }
    if (h.startsWith("[")) {
      byte[] a = Cidr.parseAddress(h.substring(1, h.length() - 1));
      if (a != null && a.length == 16) {
        boolean loopback = a[15] == 1;
        for (int i = 0; i < 15 && loopback; i++) loopback = a[i] == 0;
        if (loopback) return true;
      }
    }
    return admin.allowedHosts().contains(h);
  }

  private void refuseHost(HttpServletResponse res) throws IOException {
    error(res, HttpServletResponse.SC_FORBIDDEN, "admin requests must name a loopback Host,"
        + " localhost, or a host listed in admin.allowed_hosts");
  }

  /**
   * Whether a browser sent this request from a page of another origin. Tools such as curl send
   * neither header and pass.
   */
  static boolean crossOrigin(HttpServletRequest req) {
    String site = req.getHeader("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) return true;
    String origin = req.getHeader("Origin");
    if (origin == null) return false;
    String host = req.getHeader("Host");
    if (host == null) return true;
    try {
      URI o = new URI(origin);
      if (o.getScheme() == null || o.getHost() == null) return true; // "null" and the like
      String scheme = o.getScheme().toLowerCase(Locale.ROOT);
      int port = o.getPort() >= 0 ? o.getPort() : scheme.equals("https") ? 443 : 80;
      String own = req.getScheme() == null ? "http" : req.getScheme().toLowerCase(Locale.ROOT);
      return !scheme.equals(own) || !authority(o.getHost(), port).equals(normalizeHost(host, own));
    } catch (Exception e) {
      return true;
    }
  }

  private static String normalizeHost(String host, String scheme) {
    host = host.trim().toLowerCase(Locale.ROOT);
    int close = host.lastIndexOf(']');
    int colon = host.lastIndexOf(':');
    if (colon > close) return host;
    return host + ":" + (scheme.equals("https") ? 443 : 80);
  }

  private static String authority(String host, int port) {
    host = host.toLowerCase(Locale.ROOT);
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) host = "[" + host + "]";
    return host + ":" + port;
  }

  private void mutate(Endpoint endpoint, HttpServletResponse res, String source)
      throws IOException {
    switch (endpoint) {
      case DRAIN, HEALTHCHECK_FAIL -> mesh.drain();
      case HEALTHCHECK_OK -> mesh.undrain();
      default -> throw new AssertionError(endpoint);
    }
    log.info("mesh4j admin: {} from {}; draining={}", endpoint.path, source, mesh.isDraining());
    ObjectNode o = Mappers.JSON.createObjectNode();
    o.put("draining", mesh.isDraining());
    send(res, o, false);
  }

  private void explain(HttpServletRequest req, HttpServletResponse res, MeshSnapshot s, boolean head)
      throws IOException {
    DescribedRequest view;
    RouteTable table;
    try {
      String direction = req.getParameter("direction");
      if (direction == null || direction.equals("outbound")) {
        table = s.outbound();
      } else if (direction.equals("inbound")) {
        table = s.inbound();
      } else {
        throw new IllegalArgumentException("direction: expected outbound or inbound");
      }
      String[] headers = req.getParameterValues("header");
      view = DescribedRequest.parse(
          req.getParameter("method"), req.getParameter("url"),
          headers == null ? List.of() : Arrays.asList(headers),
          req.getParameter("source"), req.getParameter("principal"));
    } catch (IllegalArgumentException e) {
      error(res, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
      return;
    }
    Explanation x = table.explain(view, s.requestPath());
    // The CLI's answer, plus the live refusals of the TLS clusters it names.
    MeshTls tls = MeshInternals.tls(mesh);
    if ("text".equals(req.getParameter("format"))) {
      write(res, 200, "text/plain;charset=utf-8",
          TlsExplain.text(s.config(), x, tls).getBytes(StandardCharsets.UTF_8), head);
    } else {
      write(res, 200, JSON,
          Mappers.COMPACT.writeValueAsBytes(TlsExplain.compactJson(s.config(), x, tls)), head);
    }
  }

  /**
   * The application's Prometheus registry, scraped; 501 when there is none to scrape. The admin
   * never adds a registry of its own to the application's composite: that would change what the
   * application's registry holds and keep a second copy of every meter the application has.
   */
  private void metrics(HttpServletRequest req, HttpServletResponse res, boolean head)
      throws IOException {
    PrometheusScrape.Page page = PROMETHEUS
        ? PrometheusScrape.scrape(mesh.meterRegistry(), req.getHeader("Accept")) : null;
    if (page == null) {
      error(res, HttpServletResponse.SC_NOT_IMPLEMENTED, PROMETHEUS
          ? "/mesh/metrics scrapes a PrometheusMeterRegistry and the mesh's registry ("
              + mesh.meterRegistry().getClass().getSimpleName() + ") is not one and holds none:"
              + " pass one to Mesh.builder().meterRegistry(...), alone or in a"
              + " CompositeMeterRegistry"
          : "/mesh/metrics needs io.micrometer:micrometer-registry-prometheus on the class path"
              + " and a PrometheusMeterRegistry passed to Mesh.builder().meterRegistry(...)");
      return;
    }
    write(res, 200, page.contentType(), page.body(), head);
  }

  private static void redirectToDashboard(HttpServletRequest req, HttpServletResponse res) {
    String ctx = req.getContextPath() == null ? "" : req.getContextPath();
    res.setStatus(HttpServletResponse.SC_FOUND);
    res.setHeader("Location", ctx + PREFIX);
    res.setHeader("Cache-Control", "no-store");
    res.setContentLength(0);
  }

  private static void dashboard(HttpServletResponse res, boolean head) throws IOException {
    res.setHeader("Content-Security-Policy", Dashboard.CSP);
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    write(res, 200, "text/html;charset=utf-8", Dashboard.HTML, head);
  }

  private void send(HttpServletResponse res, ObjectNode body, boolean head) throws IOException {
    byte[] bytes;
    try {
      bytes = Mappers.JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IOException(e);
    }
    write(res, 200, JSON, bytes, head);
  }

  private void error(HttpServletResponse res, int status, String message) throws IOException {
    ObjectNode o = Mappers.JSON.createObjectNode();
    o.put("error", message);
    write(res, status, JSON, Mappers.JSON.writeValueAsBytes(o), false);
  }

  private void refuseMethod(HttpServletResponse res, String allow) throws IOException {
    res.setHeader("Allow", allow);
    error(res, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "method not allowed (allowed: " + allow + ")");
  }

  private static void write(
      HttpServletResponse res, int status, String contentType, byte[] body, boolean head)
      throws IOException {
    res.setStatus(status);
    res.setContentType(contentType);
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setContentLength(body.length);
    if (head) return;
    OutputStream out = res.getOutputStream();
    out.write(body);
    out.flush();
  }

  /** The admin paths. */
  private enum Endpoint {
    ROOT("/mesh", false),
    DASHBOARD("/mesh/", false),
    CLUSTERS("/mesh/clusters", false),
    CONFIG("/mesh/config", false),
    ROUTES("/mesh/routes", false),
    TLS("/mesh/tls", false),
    EXPLAIN("/mesh/explain", false),
    METRICS("/mesh/metrics", false),
    DRAIN("/mesh/drain", true),
    HEALTHCHECK_FAIL("/mesh/healthcheck/fail", true),
    HEALTHCHECK_OK("/mesh/healthcheck/ok", true);

    final String path;
    final boolean mutation;

    Endpoint(String path, boolean mutation) {
      this.path = path;
      this.mutation = mutation;
    }

    static Endpoint of(String path) {
      for (Endpoint e : values()) {
        if (e.path.equals(path)) return e;
      }
      return null;
    }
  }

  /**
   * Creates a {@link MeshAdmin} per mesh; registered in {@code
   * META-INF/services/io.mesh4j.servlet.AdminHandler$Factory} so {@code MeshFilter} finds it.
   */
  public static final class Factory implements AdminHandler.Factory {
    /** For {@link java.util.ServiceLoader}. */
    public Factory() {}

    @Override
    public AdminHandler create(Mesh mesh) {
      return new MeshAdmin(mesh);
    }
  }
}
