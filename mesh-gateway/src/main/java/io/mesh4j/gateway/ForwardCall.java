package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.RouteTarget;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded request: builds the upstream request from the servlet request, runs it on the
 * mesh client (enqueued when the request supports async, else on the calling thread), and copies
 * the response (or a 502/503/504 of its own) back. Finishes exactly once: {@link Forwarding#done}
 * or {@link Forwarding#failed}, then {@link AsyncContext#complete()} in async mode.
 *
 * <p>Touched by the container thread that starts it, then by one OkHttp thread (async), and by
 * the container's async listener (cancellation); the shared state is the atomic {@code finished}.
 */
final class ForwardCall implements Callback, AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(ForwardCall.class);
  static final String ERROR_HEADER = Errors.ERROR_HEADER;
  private static final String DRAINING_HEADER = "x-mesh-draining";


  private final OkHttpClient client;
  private final Tunnels tunnels;
  private final Forwarding forwarding;
  private final UnderscoreAction underscores;
  private final GatewayMeters meters;
  private final HttpServletRequest req;
  private final HttpServletResponse res;
  private final AtomicBoolean finished = new AtomicBoolean();
  private ServletRequestBody body;
  private volatile Call call;
  private volatile AsyncContext async;
  private volatile boolean clientGone;
  private boolean writeFailed;
  /** Whether the client sent {@code Accept-Encoding} (else {@link AsSent} hid the response's). */
  private final boolean clientAcceptsEncodings;
  /** The upstream's trailer fields, once its body was read; what the container sends as trailers. */
  private volatile java.util.Map<String, String> trailers = java.util.Map.of();

  ForwardCall(OkHttpClient client, Forwarding forwarding, UnderscoreAction underscores,
      GatewayMeters meters, Tunnels tunnels) {
    this.client = client;
    this.tunnels = tunnels;
    this.forwarding = forwarding;
    this.underscores = underscores;
    this.meters = meters;
    this.req = forwarding.request();
    this.res = forwarding.response();
    this.clientAcceptsEncodings = req.getHeader("Accept-Encoding") != null;
  }

  void start() throws IOException {
    Request upstream;
    if (underscores == UnderscoreAction.REJECT_REQUEST) {
      String name = ForwardHeaders.underscoreHeader(req);
      if (name != null) {
        meters.rejectedUnderscore.increment();
        error(400, "bad-request", "header name with an underscore: " + name
            + " (inbound.headers_with_underscores_action: reject_request)");
        forwarding.done(400);
        return;
      }
    }
    boolean upgrade = isUpgrade();
    try {
      upstream = upstreamRequest(upgrade);
    } catch (IllegalArgumentException e) {
      // A request OkHttp cannot express (a method or header it rejects): the client's fault.
      meters.rejectedBadRequest.increment();
      error(400, "bad-request", "the request cannot be forwarded: " + e.getMessage());
      forwarding.done(400);
      return;
    }
    Call c = client.newCall(upstream);
    call = c;
    if (req.isAsyncSupported() && !upgrade) {
      AsyncContext a = forwarding.startAsync();
      async = a;
      a.addListener(this);
      c.enqueue(this);
      return;
    }
    Response response;
    try {
      response = c.execute();
    } catch (IOException e) {
      failedWithoutResponse(e);
      return;
    }
    if (upgrade && response.code() == 101 && response.socket() != null) {
      tunnel(response);
      return;
    }
    respond(response);
  }

  /**
   * Whether the client asks to switch protocols ({@code Upgrade} named by {@code Connection}, on
   * HTTP/1.1, the only version with {@code Upgrade}) and the container is Jetty 12, where {@link
   * JettyTunnel} can take the connection over. Such a request is forwarded on the container thread
   * (the upgrade is accepted there) with its {@code Upgrade} header. On another container the
   * request is forwarded without {@code Upgrade}, as any request.
   */
  private boolean isUpgrade() {
    return isUpgrade(req, tunnels);
  }

  /** Whether {@code req} asks to switch protocols and can be tunnelled here (see above). */
  static boolean isUpgrade(HttpServletRequest req, Tunnels tunnels) {
    return req.getHeader("Upgrade") != null
        && tunnels.jetty && JettyTunnel.supports(req)
        && "HTTP/1.1".equals(req.getProtocol())
        && HopByHop.connectionOptions(req.getHeaders("Connection")).contains("upgrade");
  }

  /**
   * The upstream switched protocols: its {@code 101} headers go to the client, and once they are
   * sent Jetty hands the client's connection to a {@link JettyTunnel}, which copies bytes both
   * ways from then on.
   */
  private void tunnel(Response response) throws IOException {
    okio.Socket socket = response.socket();
    try {
      Headers h = response.headers();
      List<String> options = HopByHop.connectionOptions(response.headers("Connection"));
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0, n = h.size(); i < n; i++) {
        String name = h.name(i);
        if (HopByHop.drop(name, options) || name.equalsIgnoreCase(DRAINING_HEADER)
            || name.equalsIgnoreCase("Content-Length")) {
          continue;
        }
        // The first value replaces what the container preset (Server, Date).
        if (res.containsHeader(name) && seen.add(name.toLowerCase(Locale.ROOT))) {
          res.setHeader(name, h.value(i));
        } else {
          seen.add(name.toLowerCase(Locale.ROOT));
          res.addHeader(name, h.value(i));
        }
      }
      res.setStatus(101);
      res.setHeader("Connection", "Upgrade");
      res.setHeader("Upgrade", response.header("Upgrade"));
      JettyTunnel.install(req, socket, tunnels);
      res.flushBuffer();
    } catch (IOException | RuntimeException e) {
      socket.cancel();
      if (finished.compareAndSet(false, true)) forwarding.failed(0);
      throw e instanceof IOException io ? io : new IOException("upgrade refused: " + e, e);
    }
    if (finished.compareAndSet(false, true)) forwarding.done(101);
  }

  // ------------------------------------------------------------------ the upstream request

  Request upstreamRequest(boolean upgrade) throws IOException {
    Request.Builder b = new Request.Builder()
        .url(url())
        .tag(RouteTarget.class, RouteTarget.of(forwarding.route(), forwarding.cluster()));
    ForwardHeaders.write(forwarding, underscores, meters, b::addHeader);
    b.tag(AsSent.class, AsSent.of(req.getHeader("User-Agent") != null, clientAcceptsEncodings));
    if (upgrade) {
      // Hop-by-hop, so dropped above; asked for again on the upstream hop (OkHttp then hands back
      // the upgraded socket of a 101).
      b.header("Connection", "upgrade");
      b.header("Upgrade", ForwardHeaders.joined(req.getHeaders("Upgrade")));
    }
    String method = req.getMethod();
    b.method(method, requestBody(method));
    return b.build();
  }

  /**
   * {@code http://<cluster><canonical path>?<query>}: the path the route was chosen on ({@link
   * Forwarding#path()}, which has no dot segments left for OkHttp to resolve, so it arrives byte
   * for byte), the query as the client sent it.
   */
  private HttpUrl url() {
    String uri = forwarding.path();
    HttpUrl.Builder u = new HttpUrl.Builder()
        .scheme("http")
        .host(hostOf(forwarding.cluster()))
        .encodedPath(uri == null || uri.isEmpty() ? "/" : uri);
    String q = req.getQueryString();
    if (q != null) u.encodedQuery(q);
    return u.build();
  }

  /** The cluster name as a URL host; characters a host cannot hold ({@code _ | :}) become '-'. */
  static String hostOf(String cluster) {
    StringBuilder b = null;
    for (int i = 0; i < cluster.length(); i++) {
      char c = cluster.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.';
      if (!ok) {
        if (b == null) b = new StringBuilder(cluster);
        b.setCharAt(i, '-');
      }
    }
    return b == null ? cluster : b.toString();
  }

  /**
   * The body to send: the servlet input, streamed, when the request has one (a positive {@code
   * Content-Length} or a {@code Transfer-Encoding}); empty for a method that needs one and has
   * none; nothing for GET and HEAD, which OkHttp cannot send with a body (such a body is dropped).
   */
  private RequestBody requestBody(String method) throws IOException {
    long length = req.getContentLengthLong();
    boolean hasBody = length > 0 || req.getHeader("Transfer-Encoding") != null;
    if (method.equals("GET") || method.equals("HEAD")) return null;
    if (!hasBody) {
      return requiresBody(method) || length == 0
          ? RequestBody.create(new byte[0], null)
          : null;
    }
    body = new ServletRequestBody(req, length);
    return body;
  }

  /** The methods OkHttp refuses to send without a body. */
  private static boolean requiresBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
        || method.equals("PROPPATCH") || method.equals("REPORT");
  }

  // ------------------------------------------------------------------ Callback (async mode)

  @Override
  public void onFailure(Call c, IOException e) {
    try {
      failedWithoutResponse(e);
    } catch (IOException | RuntimeException writeFailed) {
      clientGone(writeFailed);
    } finally {
      complete();
    }
  }

  @Override
  public void onResponse(Call c, Response response) {
    try {
      respond(response);
    } catch (BrokenResponse e) {
      // Committed, then the upstream body broke: cut the client's connection, do not complete.
      AsyncContext a = async;
      if (a != null) {
        try {
          forwarding.abort(a, e.getCause());
          return;
        } catch (IllegalStateException alreadyDone) {
          // The container ended the cycle meanwhile.
        }
      }
      complete();
      return;
    } catch (IOException | RuntimeException e) {
      clientGone(e);
    }
    complete();
  }

  /** The response was committed and its upstream body then failed. */
  static final class BrokenResponse extends IOException {
    private static final long serialVersionUID = 1L;

    BrokenResponse(IOException cause) {
      super("the upstream response body broke after the response was committed", cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  private void complete() {
    AsyncContext a = async;
    if (a == null) return;
    try {
      a.complete();
    } catch (IllegalStateException alreadyDone) {
      // The container completed it (the client went away, or its own error handling).
    }
  }

  // ------------------------------------------------------------------ AsyncListener

  @Override
  public void onComplete(AsyncEvent event) {
    // Our own complete(), or the container ending the cycle: nothing left to do.
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    cancel();
  }

  @Override
  public void onError(AsyncEvent event) {
    cancel();
  }

  @Override
  public void onStartAsync(AsyncEvent event) {}

  /** The client went away (or the container gave up): stop the upstream call. */
  private void cancel() {
    clientGone = true;
    Call c = call;
    if (c != null) c.cancel();
    if (finished.compareAndSet(false, true)) forwarding.failed(0);
  }

  // ------------------------------------------------------------------ the response

  /** Copies {@code response} to the client, streaming its body. Closes it. */
  void respond(Response response) throws IOException {
    int status = response.code();
    boolean streaming = false;
    try (response) {
      res.setStatus(status);
      Headers h = response.headers();
      List<String> options = HopByHop.connectionOptions(response.headers("Connection"));
      java.util.Set<String> seen = new java.util.HashSet<>();
      boolean lengthKnown = false;
      for (int i = 0, n = h.size(); i < n; i++) {
        String name = h.name(i);
        if (HopByHop.drop(name, options) || name.equalsIgnoreCase(DRAINING_HEADER)) continue;
        if (name.equalsIgnoreCase("Content-Length")) {
          res.setContentLengthLong(Long.parseLong(h.value(i).trim()));
          lengthKnown = true;
          continue;
        }
        if (name.equalsIgnoreCase(AsSent.CONTENT_ENCODING)) {
          if (clientAcceptsEncodings) continue; // not ours: an upstream's own header of that name
          name = "Content-Encoding";
        }
        // The first value replaces what the container or the filter preset (Date, x-request-id).
        if (seen.add(name.toLowerCase(Locale.ROOT))) {
          res.setHeader(name, h.value(i));
        } else {
          res.addHeader(name, h.value(i));
        }
      }
      ResponseBody body = response.body();
      if (!"HEAD".equals(req.getMethod()) && status != 204 && status != 304) {
        boolean withTrailers = !lengthKnown && acceptTrailers();
        streaming = true;
        copy(body.byteStream(), res.getOutputStream());
        if (withTrailers) trailers = fields(response.trailers());
        streaming = false;
      }
      res.flushBuffer();
      if (finished.compareAndSet(false, true)) forwarding.done(status);
    } catch (NumberFormatException e) {
      // A malformed upstream Content-Length: a bad response.
      if (!res.isCommitted()) {
        res.reset();
        error(502, MeshException.Reason.UPSTREAM_FAILURE.tag(), "bad upstream response");
        if (finished.compareAndSet(false, true)) forwarding.done(502);
        return;
      }
      throw new IOException(e);
    } catch (IOException e) {
      if (streaming && res.isCommitted()) {
        // Part of the body went out: the client must see a broken response, not a short one.
        if (finished.compareAndSet(false, true)) forwarding.failed(status);
        if (clientGone || writeFailed) throw e;
        throw new BrokenResponse(e);
      }
      if (!res.isCommitted()) {
        res.reset();
        failedWithoutResponse(e);
        return;
      }
      throw e;
    }
  }

  /**
   * Asks the container to end the response with the upstream's trailer fields (read once the
   * upstream body is done): only a chunked HTTP/1.1 or an HTTP/2 response can carry them, so the
   * container refuses for an HTTP/1.0 client (then they are dropped, as the protocol requires).
   */
  private boolean acceptTrailers() {
    try {
      res.setTrailerFields(() -> trailers);
      return true;
    } catch (IllegalStateException cannotCarryThem) {
      return false;
    }
  }

  /** Trailer fields as the Servlet API takes them: one entry per name, repeated values joined. */
  private static java.util.Map<String, String> fields(Headers t) {
    if (t.size() == 0) return java.util.Map.of();
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (int i = 0, n = t.size(); i < n; i++) {
      out.merge(t.name(i).toLowerCase(Locale.ROOT), t.value(i), (a, b) -> a + ", " + b);
    }
    return out;
  }

  /** Copies the upstream body; a failed write to the client sets {@code writeFailed}. */
  private void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buffer = new byte[ServletRequestBody.BUFFER];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      try {
        out.write(buffer, 0, n);
      } catch (IOException e) {
        writeFailed = true;
        throw e;
      }
    }
  }

  /** No response from upstream: answers 400 (the client's body broke), 502, 503 or 504. */
  void failedWithoutResponse(IOException e) throws IOException {
    if (clientGone || !finished.compareAndSet(false, true)) return;
    ServletRequestBody b = body;
    if (b != null && b.clientError != null) {
      forwarding.failed(400);
      if (!res.isCommitted()) error(400, "bad-request", "the request body could not be read");
      return;
    }
    int status;
    String reason;
    if (e instanceof MeshException me) {
      status = status(me);
      reason = me.reason().tag();
    } else {
      status = 502;
      reason = MeshException.Reason.UPSTREAM_FAILURE.tag();
      log.debug("mesh4j: forwarding failed outside the mesh call", e);
    }
    forwarding.done(status);
    if (!res.isCommitted()) error(status, reason, message(status));
  }

  /**
   * 504 for a timeout (the route's, or the deadline the request arrived with); 503 when no endpoint could take the request (none healthy, circuit open,
   * concurrency limit, or the last try could not connect); 502 otherwise (reset, bad response).
   */
  static int status(MeshException e) {
    switch (e.reason()) {
      case TIMEOUT:
      case DEADLINE_EXCEEDED:
        return 504;
      case NO_HEALTHY_ENDPOINT:
      case CIRCUIT_OPEN:
      case CONCURRENCY_LIMIT:
        return 503;
      default:
        Failure f = e.failure();
        if (f == Failure.TIMEOUT) return 504;
        if (f == Failure.CONNECT_FAILURE || f == Failure.REFUSED_STREAM) return 503;
        return 502;
    }
  }

  private static String message(int status) {
    return Errors.message(status);
  }

  private void error(int status, String reason, String text) throws IOException {
    Errors.write(res, forwarding, status, reason, text);
  }

  private void clientGone(Exception e) {
    clientGone = true;
    if (finished.compareAndSet(false, true)) forwarding.failed(res.isCommitted() ? res.getStatus() : 0);
    log.debug("mesh4j: writing a forwarded response failed", e);
  }
}
