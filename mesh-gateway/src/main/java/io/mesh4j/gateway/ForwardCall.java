package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.RouteTarget;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One request forwarded on the OkHttp transport: builds the upstream request from the servlet
 * request, runs it on the mesh client (enqueued when the request supports async, else on the
 * calling thread), and copies the response (or a 502/503/504 of its own) back, streaming its body
 * through {@code InputStream}s. Also the transport of {@code Upgrade} requests (see {@link
 * #isUpgrade}). Finishing once, the gateway's own answers and cancellation are {@link
 * ForwardExchange}'s.
 *
 * <p>Touched by the container thread that starts it, then by one OkHttp thread (async), and by
 * the container's async listener (cancellation).
 */
final class ForwardCall extends ForwardExchange implements Callback {
  private final OkHttpClient client;
  private final Tunnels tunnels;
  private ServletRequestBody body;
  private volatile Call call;
  private boolean writeFailed;
  /** Whether the client sent {@code Accept-Encoding} (else {@link AsSent} hid the response's). */
  private final boolean clientAcceptsEncodings;

  ForwardCall(OkHttpClient client, Forwarding forwarding, UnderscoreAction underscores,
      GatewayMeters meters, Tunnels tunnels) {
    super(forwarding, underscores, meters);
    this.client = client;
    this.tunnels = tunnels;
    this.clientAcceptsEncodings = req.getHeader("Accept-Encoding") != null;
  }

  void start() throws IOException {
    Request upstream;
    if (rejectedUnderscores()) return;
    boolean upgrade = isUpgrade();
    try {
      upstream = upstreamRequest(upgrade);
    } catch (IllegalArgumentException e) {
      // A request OkHttp cannot express (a method or header it rejects): the client's fault.
      rejectBadRequest(e);
      return;
    }
    Call c = client.newCall(upstream);
    call = c;
    if (req.isAsyncSupported() && !upgrade) {
      startAsync();
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
        if (HopByHop.drop(name, options) || name.equalsIgnoreCase(AttemptLoop.DRAINING_HEADER)
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
      failed(0);
      throw e instanceof IOException io ? io : new IOException("upgrade refused: " + e, e);
    }
    done(101);
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

  // ------------------------------------------------------------------ Callback (async mode)

  @Override
  public void onFailure(Call c, IOException e) {
    try {
      failedWithoutResponse(e);
    } catch (IOException | RuntimeException writeFailed) {
      clientGone(writeFailed);
    } finally {
      completeAsync();
    }
  }

  @Override
  public void onResponse(Call c, Response response) {
    try {
      respond(response);
    } catch (BrokenResponse e) {
      // Committed, then the upstream body broke: cut the client's connection, do not complete.
      abortClient(e.getCause());
      return;
    } catch (IOException | RuntimeException e) {
      clientGone(e);
    }
    completeAsync();
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

  @Override
  void cancelUpstream() {
    Call c = call;
    if (c != null) c.cancel();
  }

  // ------------------------------------------------------------------ the response

  /** Copies {@code response} to the client, streaming its body. Closes it. */
  void respond(Response response) throws IOException {
    int status = response.code();
    boolean streaming = false;
    try (response) {
      res.setStatus(status);
      Headers h = response.headers();
      HeadCopy head = headCopy(response.headers("Connection"));
      for (int i = 0, n = h.size(); i < n; i++) {
        String name = h.name(i);
        if (name.equalsIgnoreCase(AsSent.CONTENT_ENCODING)) {
          if (clientAcceptsEncodings) {
            // Not ours: an upstream's own header of that name. Dropped.
            continue;
          }
          head.add(name, "Content-Encoding", h.value(i));
        } else {
          head.add(name, h.value(i));
        }
      }
      ResponseBody body = response.body();
      if (!"HEAD".equals(req.getMethod()) && status != 204 && status != 304) {
        boolean withTrailers = !head.lengthKnown() && acceptTrailers();
        streaming = true;
        copy(body.byteStream(), res.getOutputStream());
        if (withTrailers) trailers = fields(response.trailers());
        streaming = false;
      }
      res.flushBuffer();
      done(status);
    } catch (NumberFormatException e) {
      // A malformed upstream Content-Length: a bad response.
      if (!res.isCommitted()) {
        res.reset();
        Errors.write(res, forwarding, 502, MeshException.Reason.UPSTREAM_FAILURE.tag(),
            "bad upstream response");
        done(502);
        return;
      }
      throw new IOException(e);
    } catch (IOException e) {
      if (streaming && res.isCommitted()) {
        // Part of the body went out: the client must see a broken response, not a short one.
        failed(status);
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

  /** Trailer fields as the Servlet API takes them: one entry per name, repeated values joined. */
  private static Map<String, String> fields(Headers t) {
    if (t.size() == 0) return Map.of();
    Map<String, String> out = newTrailers();
    for (int i = 0, n = t.size(); i < n; i++) addTrailer(out, t.name(i), t.value(i));
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
    ServletRequestBody b = body;
    failedWithoutResponse(e, b == null ? null : b.clientError);
  }
}
