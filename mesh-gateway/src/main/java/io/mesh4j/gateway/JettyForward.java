package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.context.MeshContext;
import io.mesh4j.internal.Deadlines;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptEnd;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.internal.client.Transport;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.Route;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.HostPort;

/**
 * One request forwarded on the Jetty transport: the engine's {@link AttemptLoop} over this {@link
 * Transport} (each attempt one Jetty client request to the picked endpoint), then the response
 * copied back. Finishes exactly once: {@link Forwarding#done} or {@link Forwarding#failed}, then
 * {@link AsyncContext#complete()} in async mode.
 *
 * <h2>Async mode (the hot path)</h2>
 *
 * No thread waits and none is handed the request: the container thread starts the loop and
 * returns; the first attempt is sent from it, the loop's next steps run on the Jetty client's
 * callback threads (or the mesh scheduler's for a backoff). The request body is pulled by the
 * client from the servlet input through {@link ServletContentSource}; the response body is pushed
 * to the servlet output by this class as a {@link WriteListener}: a chunk is read from the
 * upstream's content source only when the output is ready, and the source is asked for more
 * ({@code demand}) only when it had none, so a slow client slows the upstream read (TCP
 * backpressure) and one chunk at a time is held.
 *
 * <h2>Blocking mode</h2>
 *
 * When the request does not support async the container thread runs the loop ({@link
 * AttemptLoop#run}), the client reads the body from the servlet input with blocking reads, and the
 * container thread copies the response with blocking writes.
 *
 * <p>Shared state between the container, client and scheduler threads: the atomic {@code
 * finished}, and volatile fields for what a cancel must reach.
 */
final class JettyForward implements Transport<JettyForward.Upstream>,
    AttemptLoop.Completion<JettyForward.Upstream>, AsyncListener, WriteListener {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /** One attempt's response: its request (to abort it), the response, its content. */
  record Upstream(Request request, Response response, Content.Source source) {}

  private final JettyForwarder owner;
  private final GatewayPlan plan;
  private final Forwarding forwarding;
  private final UnderscoreAction underscores;
  private final HttpServletRequest req;
  private final HttpServletResponse res;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final String method;

  private GatewayPlan.Target target;
  private String routeTag;
  private String pathAndQuery;
  private HttpFields headers;
  /** h2c: the {@code :authority} to send (the client's Host, or rewrite.host), or null. */
  private HostPort authority;
  private boolean hasBody;
  private boolean emptyBody;
  private boolean chunkedBody;
  /** The one-shot request content, when the request has a body. */
  private Request.Content body;
  private ServletContentSource asyncBody;
  private BlockingContent blockingBody;
  private long start;
  private volatile AttemptLoop loop;
  private volatile AsyncContext async;
  private volatile boolean clientGone;
  private volatile Upstream answered;
  private int status;
  private Content.Source source;
  private boolean lastWritten;
  /** The pump, resumed when the upstream has more (one object for every demand). */
  private final Runnable resume = this::onWritePossible;
  private byte[] scratch;
  /** The upstream's trailer fields, once its body was read; what the container sends as trailers. */
  private volatile Map<String, String> trailers = Map.of();

  JettyForward(JettyForwarder owner, GatewayPlan plan, Forwarding forwarding,
      UnderscoreAction underscores) {
    this.owner = owner;
    this.plan = plan;
    this.forwarding = forwarding;
    this.underscores = underscores;
    this.req = forwarding.request();
    this.res = forwarding.response();
    this.method = req.getMethod();
  }

  void start() throws IOException {
    if (underscores == UnderscoreAction.REJECT_REQUEST) {
      String name = ForwardHeaders.underscoreHeader(req);
      if (name != null) {
        owner.meters.rejectedUnderscore.increment();
        Errors.write(res, forwarding, 400, "bad-request", "header name with an underscore: " + name
            + " (inbound.headers_with_underscores_action: reject_request)");
        forwarding.done(400);
        return;
      }
    }
    start = owner.ticker.read();
    Route route = forwarding.route();
    RequestPath rules = plan.snapshot.requestPath();
    String raw = forwarding.path();
    String canonical = rules.canonical(raw);
    GatewayRequestView view = new GatewayRequestView(forwarding, canonical == null ? "" : canonical);
    String path = route.rewritesPath() ? route.rewritePath(view, rules)
        : view.path().isEmpty() ? "" : rules.forwarded(raw);
    routeTag = GatewayPlan.tag(route);
    if (path == null || path.isEmpty()) {
      plan.direct(route).request(GatewayPlan.Outcome.INVALID_PATH, 0, owner.ticker.read() - start);
      failedWithoutResponse(new MeshException(Reason.INVALID_PATH, forwarding.cluster(), routeTag,
          false, Failure.NONE, 0, "the path " + raw + " has no safe canonical form"
              + (path == null ? " after the route's rewrite" : ""), null));
      return;
    }
    target = plan.target(route, forwarding.cluster());
    if (target == null) {
      plan.direct(route).request(GatewayPlan.Outcome.NO_HEALTHY_ENDPOINT, 0,
          owner.ticker.read() - start);
      failedWithoutResponse(new MeshException(Reason.NO_HEALTHY_ENDPOINT, forwarding.cluster(),
          routeTag, false, Failure.NONE, 0, "the cluster is not in the current config", null));
      return;
    }
    String q = req.getQueryString();
    pathAndQuery = q == null ? path : path + "?" + q;
    try {
      headers = upstreamHeaders(route);
      if (owner.h2c) {
        // HTTP/2 carries the Host as :authority (RFC 9113 §8.3.1), never as a header too.
        String host = headers.get("Host");
        if (host != null) authority = new HostPort(host);
        HttpFields.Mutable h = HttpFields.build(headers);
        h.remove("Host");
        headers = h.asImmutable();
      }
    } catch (IllegalArgumentException e) {
      owner.meters.rejectedBadRequest.increment();
      Errors.write(res, forwarding, 400, "bad-request",
          "the request cannot be forwarded: " + e.getMessage());
      forwarding.done(400);
      return;
    }
    long length = req.getContentLengthLong();
    chunkedBody = req.getHeader("Transfer-Encoding") != null;
    hasBody = length > 0 || chunkedBody;
    emptyBody = !hasBody && (length == 0 || requiresBody(method));
    AttemptLoop l = new AttemptLoop(view, owner.ticker, owner.clock, owner.scheduler);
    MeshContext ctx = forwarding.context();
    if (ctx.hasDeadline()) l.deadline(ctx.deadlineNanos());
    loop = l;
    boolean idempotencyKey = req.getHeader(IDEMPOTENCY_KEY) != null;
    if (req.isAsyncSupported()) {
      AsyncContext a = forwarding.startAsync();
      async = a;
      a.addListener(this);
      if (hasBody) {
        asyncBody = new ServletContentSource(req, chunkedBody ? -1 : length,
            owner.client.getByteBufferPool());
        body = asyncBody;
      }
      l.start(target, method, idempotencyKey, !hasBody, this, this);
      return;
    }
    if (hasBody) {
      blockingBody = new BlockingContent(req, chunkedBody ? -1 : length);
      body = blockingBody;
    }
    Upstream u;
    try {
      u = l.run(target, method, idempotencyKey, !hasBody, this);
    } catch (IOException | RuntimeException e) {
      recordFailure(e);
      failedWithoutResponse(e);
      return;
    }
    target.meters.request(GatewayPlan.Outcome.RESPONSE, u.response.getStatus(),
        owner.ticker.read() - start);
    answered = u;
    respondBlocking(u);
  }

  /**
   * The header lines every attempt sends: {@link ForwardHeaders}, then the route's {@code
   * rewrite.host}, the propagated mesh-context headers the request lacks, and the route's {@code
   * headers} (remove, then add), as mesh-okhttp's transport applies them.
   */
  private HttpFields upstreamHeaders(Route route) {
    HttpFields.Mutable h = HttpFields.build();
    ForwardHeaders.write(forwarding, underscores, owner.meters, h::add);
    if (route.hostRewrite() != null) h.put("Host", route.hostRewrite());
    MeshContext ctx = forwarding.context();
    for (int i = 0, n = ctx.headerCount(); i < n; i++) {
      if (!h.contains(ctx.headerName(i))) h.add(ctx.headerName(i), ctx.headerValue(i));
    }
    List<String> remove = route.headers().remove();
    for (int i = 0; i < remove.size(); i++) h.remove(remove.get(i));
    for (Map.Entry<String, String> e : route.headers().add().entrySet()) {
      h.add(e.getKey(), e.getValue());
    }
    return h.asImmutable();
  }

  /** The methods sent with an empty body ({@code Content-Length: 0}) when the client sent none. */
  private static boolean requiresBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
        || method.equals("PROPPATCH") || method.equals("REPORT");
  }

  // ------------------------------------------------------------------ Transport

  @Override
  public Transport.Attempt<Upstream> prepare(Endpoint endpoint, long timeoutNanos) {
    Request r;
    Destination destination = null;
    if (owner.h2c) {
      // The request's URI gives :authority; the destination (the endpoint's pool) where it goes.
      destination = owner.client.resolveDestination(new Origin("http",
          new Origin.Address(endpoint.host(), endpoint.port()), target.cluster.pool, H2C));
      r = authority != null
          ? owner.client.newRequest(authority.getHost(), authority.getPort(80))
          : owner.client.newRequest(endpoint.host(), endpoint.port());
      r.version(HttpVersion.HTTP_2);
    } else {
      r = owner.client.newRequest(endpoint.host(), endpoint.port()).version(HttpVersion.HTTP_1_1);
    }
    r.method(method)
        .path(pathAndQuery)
        .tag(target.cluster.pool)
        .headers(h -> h.add(headers));
    MeshContext ctx = forwarding.context();
    if (ctx.hasDeadline()) {
      // The client's deadline header is not copied: each attempt carries the time it has left.
      String name = ctx.deadlineHeader();
      r.headers(h -> h.put(name, Deadlines.format(name, timeoutNanos)));
    }
    if (timeoutNanos != Long.MAX_VALUE) {
      r.timeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)), TimeUnit.MILLISECONDS);
    }
    if (hasBody) {
      r.body(body);
      if (chunkedBody) r.trailersSupplier(this::requestTrailers);
    } else if (emptyBody) {
      r.body(new BytesRequestContent());
    } else {
      r.body(NoContent.INSTANCE);
    }
    return new JettyAttempt(r, destination);
  }

  /** The h2c origin protocol (prior knowledge, no negotiation). */
  private static final Origin.Protocol H2C = new Origin.Protocol(List.of("h2c"), false);

  /** The client's trailer fields, once its body was read (async mode, chunked body). */
  private HttpFields requestTrailers() {
    if (!req.isTrailerFieldsReady()) return null;
    Map<String, String> t = req.getTrailerFields();
    if (t.isEmpty()) return null;
    HttpFields.Mutable f = HttpFields.build();
    t.forEach(f::add);
    return f;
  }

  /** One attempt: a Jetty client request, its listeners, its end reported once. */
  private final class JettyAttempt implements Transport.Attempt<Upstream>, Request.BeginListener,
      Response.ContentSourceListener, Response.CompleteListener {
    private final Request r;
    /** Where to send it (h2c), or null for the request's own destination. */
    private final Destination destination;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean left;
    private volatile boolean cancelled;
    private Transport.Callback<Upstream> callback;

    JettyAttempt(Request r, Destination destination) {
      this.r = r;
      this.destination = destination;
    }

    @Override
    public void start(Transport.Callback<Upstream> callback) {
      this.callback = callback;
      if (cancelled) {
        onComplete(new Result(r, new AttemptCancelled(), null));
        return;
      }
      r.onRequestBegin(this).onResponseContentSource(this);
      if (destination != null) {
        destination.send(r, this);
      } else {
        r.send(this);
      }
      if (cancelled) r.abort(new AttemptCancelled());
    }

    @Override
    public void cancel() {
      cancelled = true;
      r.abort(new AttemptCancelled());
    }

    @Override
    public boolean requestLeft() {
      return left;
    }

    @Override
    public void onBegin(Request request) {
      left = true;
    }

    @Override
    public void onContentSource(Response response, Content.Source source) {
      if (ended.compareAndSet(false, true)) {
        callback.onHeaders(new Upstream(r, response, source));
      } else {
        source.fail(new AttemptCancelled());
      }
    }

    @Override
    public void onComplete(Result result) {
      if (!ended.compareAndSet(false, true)) return;
      if (result.isFailed()) {
        callback.onFailure(UpstreamException.of(result.getFailure()));
      } else {
        // A response whose content was never offered (none to read): an empty one.
        callback.onHeaders(new Upstream(r, result.getResponse(), null));
      }
    }
  }

  @Override
  public int status(Upstream u) {
    return u.response.getStatus();
  }

  @Override
  public String header(Upstream u, String name) {
    return u.response.getHeaders().get(name);
  }

  @Override
  public void discard(Upstream u) {
    u.request.abort(new AttemptCancelled());
  }

  @Override
  public Failure classify(IOException e, boolean requestLeft) {
    return UpstreamException.classify(e, requestLeft);
  }

  @Override
  public boolean isDeadline(IOException e) {
    return UpstreamException.isDeadline(e);
  }

  @Override
  public IOException end(AttemptEnd end, boolean sent, Failure failure, int attempts,
      String detail, IOException cause) {
    return new MeshException(reason(end), target.cluster.name, routeTag, sent, failure, attempts,
        detail, cause);
  }

  private static Reason reason(AttemptEnd end) {
    return switch (end) {
      case NO_HEALTHY_ENDPOINT -> Reason.NO_HEALTHY_ENDPOINT;
      case CIRCUIT_OPEN -> Reason.CIRCUIT_OPEN;
      case CONCURRENCY_LIMIT -> Reason.CONCURRENCY_LIMIT;
      case BUDGET_EXHAUSTED -> Reason.BUDGET_EXHAUSTED;
      case TIMEOUT -> Reason.TIMEOUT;
      case DEADLINE_EXCEEDED -> Reason.DEADLINE_EXCEEDED;
      case CANCELLED -> Reason.CANCELLED;
      case UPSTREAM_FAILURE -> Reason.UPSTREAM_FAILURE;
    };
  }

  // ------------------------------------------------------------------ Completion (async mode)

  @Override
  public void complete(Upstream u, Throwable failure) {
    if (failure != null) {
      recordFailure(failure);
      try {
        failedWithoutResponse(failure);
      } catch (IOException | RuntimeException e) {
        clientGone(e);
      }
      completeAsync();
      return;
    }
    target.meters.request(GatewayPlan.Outcome.RESPONSE, u.response.getStatus(),
        owner.ticker.read() - start);
    answered = u;
    if (clientGone) {
      u.request.abort(new AttemptCancelled());
      completeAsync();
      return;
    }
    try {
      if (!responseHeaders(u)) {
        finishOk();
        return;
      }
      source = u.source;
      if (source == null) {
        finishOk();
        return;
      }
      res.getOutputStream().setWriteListener(this);
    } catch (IOException | RuntimeException e) {
      u.request.abort(e);
      clientGone(e);
      completeAsync();
    }
  }

  private void recordFailure(Throwable failure) {
    GatewayPlan.Outcome outcome = failure instanceof MeshException me ? outcome(me.reason())
        : GatewayPlan.Outcome.UPSTREAM_FAILURE;
    target.meters.request(outcome, 0, owner.ticker.read() - start);
  }

  private static GatewayPlan.Outcome outcome(Reason r) {
    return switch (r) {
      case NO_HEALTHY_ENDPOINT -> GatewayPlan.Outcome.NO_HEALTHY_ENDPOINT;
      case CIRCUIT_OPEN -> GatewayPlan.Outcome.CIRCUIT_OPEN;
      case CONCURRENCY_LIMIT -> GatewayPlan.Outcome.CONCURRENCY_LIMIT;
      case BUDGET_EXHAUSTED -> GatewayPlan.Outcome.BUDGET_EXHAUSTED;
      case TIMEOUT -> GatewayPlan.Outcome.TIMEOUT;
      case DEADLINE_EXCEEDED -> GatewayPlan.Outcome.DEADLINE_EXCEEDED;
      case CANCELLED -> GatewayPlan.Outcome.CANCELLED;
      case INVALID_PATH -> GatewayPlan.Outcome.INVALID_PATH;
      default -> GatewayPlan.Outcome.UPSTREAM_FAILURE;
    };
  }

  // ------------------------------------------------------------------ the response

  /**
   * Sets the status and headers of {@code u} on the servlet response (hop-by-hop and {@code
   * x-mesh-draining} removed; the first value of a name replaces what the container preset) and
   * asks for trailers when the body has no length. Returns whether a body follows.
   */
  private boolean responseHeaders(Upstream u) {
    status = u.response.getStatus();
    res.setStatus(status);
    HttpFields h = u.response.getHeaders();
    List<String> options = HopByHop.connectionOptions(h.getValuesList("Connection"));
    Set<String> seen = new HashSet<>();
    boolean lengthKnown = false;
    for (HttpField f : h) {
      String name = f.getName();
      if (HopByHop.drop(name, options) || name.equalsIgnoreCase(AttemptLoop.DRAINING_HEADER)) continue;
      if (name.equalsIgnoreCase("Content-Length")) {
        res.setContentLengthLong(f.getLongValue());
        lengthKnown = true;
        continue;
      }
      if (seen.add(name.toLowerCase(Locale.ROOT))) {
        res.setHeader(name, f.getValue());
      } else {
        res.addHeader(name, f.getValue());
      }
    }
    if ("HEAD".equals(method) || status == 204 || status == 304) {
      // No body: take the end of the (empty) content so the connection goes back to its pool;
      // abort (close it) only if the upstream sent something after all.
      if (u.source != null) {
        Content.Chunk c = u.source.read();
        boolean clean = c != null && c.isLast() && !Content.Chunk.isFailure(c) && !c.hasRemaining();
        if (c != null) c.release();
        if (!clean) u.request.abort(new AttemptCancelled());
      }
      return false;
    }
    if (!lengthKnown) acceptTrailers();
    return true;
  }

  /**
   * Asks the container to end the response with the upstream's trailer fields: only a chunked
   * HTTP/1.1 or an HTTP/2 response can carry them (refused for an HTTP/1.0 client: dropped).
   */
  private void acceptTrailers() {
    try {
      res.setTrailerFields(() -> trailers);
    } catch (IllegalStateException cannotCarryThem) {
      // dropped, as the protocol requires
    }
  }

  private static Map<String, String> fields(HttpFields t) {
    if (t == null || t.size() == 0) return Map.of();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (HttpField f : t) {
      out.merge(f.getLowerCaseName(), f.getValue(), (a, b) -> a + ", " + b);
    }
    return out;
  }

  @Override
  public void onWritePossible() {
    try {
      pump();
    } catch (IOException | RuntimeException e) {
      onError(e);
    }
  }

  /** Copies chunks while the client can take them; demands more when the upstream has none. */
  private void pump() throws IOException {
    ServletOutputStream out = res.getOutputStream();
    if (lastWritten) {
      finishOk();
      return;
    }
    while (out.isReady()) {
      Content.Chunk c = source.read();
      if (c == null) {
        source.demand(resume);
        return;
      }
      if (Content.Chunk.isFailure(c)) {
        upstreamBroke(c.getFailure());
        return;
      }
      boolean last = c.isLast();
      try {
        if (c instanceof Trailers t) trailers = fields(t.getTrailers());
        write(out, c.getByteBuffer());
      } finally {
        c.release();
      }
      if (last) {
        lastWritten = true;
        if (out.isReady()) finishOk();
        return;
      }
    }
  }

  private void write(java.io.OutputStream out, ByteBuffer b) throws IOException {
    int n = b.remaining();
    if (n == 0) return;
    if (b.hasArray()) {
      out.write(b.array(), b.arrayOffset() + b.position(), n);
      return;
    }
    if (scratch == null) scratch = new byte[ServletRequestBody.BUFFER];
    while (b.hasRemaining()) {
      int k = Math.min(scratch.length, b.remaining());
      b.get(scratch, 0, k);
      out.write(scratch, 0, k);
    }
  }

  /** The output failed: the client went away. */
  @Override
  public void onError(Throwable t) {
    Upstream u = answered;
    if (u != null) u.request.abort(t);
    clientGone(t);
    completeAsync();
  }

  /** The whole response was written. */
  private void finishOk() {
    Upstream u = answered;
    if (trailers.isEmpty() && u != null && u.response.getTrailers() != null) {
      trailers = fields(u.response.getTrailers());
    }
    if (finished.compareAndSet(false, true)) forwarding.done(status);
    completeAsync();
  }

  /** Committed, then the upstream body broke: the client must see a broken response. */
  private void upstreamBroke(Throwable cause) {
    if (finished.compareAndSet(false, true)) forwarding.failed(status);
    AsyncContext a = async;
    if (a != null) {
      try {
        forwarding.abort(a, UpstreamException.of(cause));
        return;
      } catch (IllegalStateException alreadyDone) {
        // The container ended the cycle meanwhile.
      }
    }
    completeAsync();
  }

  /** Blocking mode: the response copied on the container thread. */
  private void respondBlocking(Upstream u) throws IOException {
    boolean body;
    try {
      body = responseHeaders(u) && u.source != null;
    } catch (RuntimeException e) {
      u.request.abort(e);
      throw e;
    }
    if (!body) {
      res.flushBuffer();
      if (finished.compareAndSet(false, true)) forwarding.done(status);
      return;
    }
    Content.Source s = u.source;
    ServletOutputStream out = res.getOutputStream();
    Semaphore more = new Semaphore(0);
    while (true) {
      Content.Chunk c = s.read();
      if (c == null) {
        s.demand(more::release);
        more.acquireUninterruptibly();
        continue;
      }
      if (Content.Chunk.isFailure(c)) {
        if (!res.isCommitted()) {
          // Nothing went out yet: answer 502 as for a failure without response.
          res.reset();
          if (finished.compareAndSet(false, true)) forwarding.done(502);
          Errors.write(res, forwarding, 502, Reason.UPSTREAM_FAILURE.tag(), Errors.message(502));
          return;
        }
        if (finished.compareAndSet(false, true)) forwarding.failed(status);
        // Part of the body went out: the exception makes the container cut the connection.
        throw UpstreamException.of(c.getFailure());
      }
      boolean last = c.isLast();
      try {
        if (c instanceof Trailers t) trailers = fields(t.getTrailers());
        write(out, c.getByteBuffer());
      } catch (IOException e) {
        u.request.abort(e);
        clientGone(e);
        throw e;
      } finally {
        c.release();
      }
      if (last) break;
    }
    if (trailers.isEmpty() && u.response.getTrailers() != null) {
      trailers = fields(u.response.getTrailers());
    }
    res.flushBuffer();
    if (finished.compareAndSet(false, true)) forwarding.done(status);
  }

  /** No response from upstream: answers 400 (the client's body broke), 502, 503 or 504. */
  private void failedWithoutResponse(Throwable e) throws IOException {
    if (clientGone || !finished.compareAndSet(false, true)) return;
    IOException clientError = asyncBody != null ? asyncBody.clientError
        : blockingBody != null ? blockingBody.clientError : null;
    if (clientError != null) {
      forwarding.failed(400);
      if (!res.isCommitted()) Errors.write(res, forwarding, 400, "bad-request",
          "the request body could not be read");
      return;
    }
    int code;
    String reason;
    if (e instanceof MeshException me) {
      code = ForwardCall.status(me);
      reason = me.reason().tag();
    } else {
      code = 502;
      reason = Reason.UPSTREAM_FAILURE.tag();
    }
    forwarding.done(code);
    if (!res.isCommitted()) Errors.write(res, forwarding, code, reason, Errors.message(code));
  }

  private void completeAsync() {
    AsyncContext a = async;
    if (a == null) return;
    try {
      a.complete();
    } catch (IllegalStateException alreadyDone) {
      // The container completed it (the client went away, or its own error handling).
    }
  }

  private void clientGone(Throwable e) {
    clientGone = true;
    if (finished.compareAndSet(false, true)) {
      forwarding.failed(res.isCommitted() ? res.getStatus() : 0);
    }
  }

  // ------------------------------------------------------------------ AsyncListener

  @Override
  public void onComplete(AsyncEvent event) {}

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
    AttemptLoop l = loop;
    if (l != null) l.cancel();
    Upstream u = answered;
    if (u != null) u.request.abort(new AttemptCancelled());
    if (finished.compareAndSet(false, true)) forwarding.failed(0);
  }

  /** Why an attempt was aborted by the gateway (a cancel, a discarded response). */
  static final class AttemptCancelled extends IOException {
    private static final long serialVersionUID = 1L;

    AttemptCancelled() {
      super("mesh4j: attempt cancelled");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // a cancel is not a bug: no stack to capture
    }
  }

  /** A request without content whose length is unknown: no {@code Content-Length} is added. */
  private static final class NoContent implements Request.Content {
    static final NoContent INSTANCE = new NoContent();

    @Override
    public String getContentType() {
      return null;
    }

    @Override
    public long getLength() {
      return -1;
    }

    @Override
    public Content.Chunk read() {
      return Content.Chunk.EOF;
    }

    @Override
    public void demand(Runnable demandCallback) {
      demandCallback.run();
    }

    @Override
    public void fail(Throwable failure) {}

    @Override
    public boolean rewind() {
      return true;
    }
  }
}
