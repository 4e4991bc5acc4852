package io.mesh4j.gateway;

import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.Deadlines;
import io.mesh4j.internal.client.AttemptEnd;
import io.mesh4j.internal.client.Transport;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshException.Reason;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.HostPort;

/**
 * The engine's {@link Transport} on Jetty's client for one forwarded request: each attempt is one
 * Jetty client request to the picked endpoint, in the endpoint's pool ({@link
 * GatewayPlan.ClusterPart#pool}), over HTTP/1.1 or h2c. The request's shape (method, path and
 * query, header lines, body) is fixed once, here, and every attempt sends the same; only the
 * deadline header and the timeout follow the time left.
 *
 * <p>Guarantees: each attempt reports its end exactly once ({@link Transport.Callback#onHeaders}
 * or {@link Transport.Callback#onFailure}); a cancel before or during the send aborts it; {@link
 * #requestLeft} turns true only once Jetty began sending (so a failure before is a connect failure,
 * safe to retry elsewhere). The request body is one-shot: the servlet input is streamed to the
 * first attempt that sends it ({@link ServletContentSource} in async mode, {@link BlockingContent}
 * otherwise); a read failure of the client's is kept ({@link #clientBodyError}). Decisions (which
 * endpoint, whether to retry) are the engine's {@link io.mesh4j.internal.client.AttemptLoop}'s.
 */
final class JettyAttempts implements Transport<JettyAttempts.Upstream> {
  /** One attempt's response: its request (to abort it), the response, its content (or null). */
  record Upstream(Request request, Response response, Content.Source source) {}

  /** The h2c origin protocol (prior knowledge, no negotiation). */
  private static final Origin.Protocol H2C = new Origin.Protocol(List.of("h2c"), false);

  private final JettyForwarder owner;
  private final Forwarding forwarding;
  private final HttpServletRequest req;
  private final GatewayPlan.Target target;
  private final String routeTag;
  private final String method;
  private final String pathAndQuery;
  private final HttpFields headers;
  /** h2c: the {@code :authority} to send (the client's Host, or rewrite.host), or null. */
  private final HostPort authority;
  private final boolean hasBody;
  private final boolean emptyBody;
  private final boolean chunkedBody;
  /** The one-shot request content, when the request has a body. */
  private Request.Content body;
  private ServletContentSource asyncBody;
  private BlockingContent blockingBody;

  /**
   * The transport for one request sending {@code headers} (as {@link JettyForward} computed them).
   *
   * @throws IllegalArgumentException when the request cannot be expressed (an h2c {@code Host} that
   *     is no authority)
   */
  JettyAttempts(JettyForwarder owner, Forwarding forwarding, GatewayPlan.Target target,
      String routeTag, String pathAndQuery, HttpFields headers) {
    this.owner = owner;
    this.forwarding = forwarding;
    this.req = forwarding.request();
    this.target = target;
    this.routeTag = routeTag;
    this.method = req.getMethod();
    this.pathAndQuery = pathAndQuery;
    if (owner.h2c) {
      // HTTP/2 carries the Host as :authority (RFC 9113 §8.3.1), never as a header too.
      String host = headers.get("Host");
      this.authority = host != null ? new HostPort(host) : null;
      HttpFields.Mutable h = HttpFields.build(headers);
      h.remove("Host");
      this.headers = h.asImmutable();
    } else {
      this.authority = null;
      this.headers = headers;
    }
    long length = req.getContentLengthLong();
    this.chunkedBody = req.getHeader("Transfer-Encoding") != null;
    this.hasBody = length > 0 || chunkedBody;
    this.emptyBody = !hasBody && (length == 0 || ForwardExchange.requiresBody(method));
  }

  /** Whether the client sent a body (a positive {@code Content-Length} or a chunked one). */
  boolean hasBody() {
    return hasBody;
  }

  /** Async mode: the body is pulled from the servlet input without blocking. Call once. */
  void streamBodyAsync() {
    if (!hasBody) return;
    asyncBody = new ServletContentSource(req, chunkedBody ? -1 : req.getContentLengthLong(),
        owner.client.getByteBufferPool());
    body = asyncBody;
  }

  /** Blocking mode: the body is read from the servlet input with blocking reads. Call once. */
  void streamBodyBlocking() {
    if (!hasBody) return;
    blockingBody = new BlockingContent(req, chunkedBody ? -1 : req.getContentLengthLong());
    body = blockingBody;
  }

  /** Why the client's body could not be read, or {@code null}. */
  IOException clientBodyError() {
    return asyncBody != null ? asyncBody.clientError
        : blockingBody != null ? blockingBody.clientError : null;
  }

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
    // A body not yet asked for may be asked for by this attempt (see AnsweredBeforeBody).
    if (asyncBody != null) asyncBody.upstreamAnswered = false;
    if (blockingBody != null) blockingBody.upstreamAnswered = false;
    return new JettyAttempt(r, destination, hasBody ? this::upstreamAnswered : null);
  }

  /** A final response of the current attempt began (see {@link AnsweredBeforeBody}). */
  private void upstreamAnswered() {
    if (asyncBody != null) asyncBody.upstreamAnswered = true;
    if (blockingBody != null) blockingBody.upstreamAnswered = true;
  }

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
  private static final class JettyAttempt implements Transport.Attempt<Upstream>,
      Request.BeginListener, Response.BeginListener, Response.ContentSourceListener,
      Response.CompleteListener {
    private final Request r;
    /**
     * Told when a final response begins (Jetty never reports a {@code 100} to this listener);
     * null when the request has no body to guard.
     */
    private final Runnable answered;
    /** Where to send it (h2c), or null for the request's own destination. */
    private final Destination destination;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean left;
    private volatile boolean cancelled;
    private Transport.Callback<Upstream> callback;

    JettyAttempt(Request r, Destination destination, Runnable answered) {
      this.r = r;
      this.destination = destination;
      this.answered = answered;
    }

    @Override
    public void start(Transport.Callback<Upstream> callback) {
      this.callback = callback;
      if (cancelled) {
        onComplete(new Result(r, new AttemptCancelled(), null));
        return;
      }
      r.onRequestBegin(this).onResponseContentSource(this);
      if (answered != null) r.onResponseBegin(this); // also called when not registered (below)
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

    /**
     * Jetty's client calls this for every attempt, whether or not it was registered as the
     * response-begin listener ({@code send} registers an object for each {@code Response}
     * listener interface it implements), so possibly twice: an attempt without a body to guard
     * has nothing to do, and telling the guard twice is harmless.
     */
    @Override
    public void onBegin(Response response) {
      if (answered != null) answered.run();
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

  /** The engine's reasons are {@link Reason}s of the same name ({@code MeshExceptionReasonTest}). */
  private static Reason reason(AttemptEnd end) {
    return Reason.valueOf(end.name());
  }

  /**
   * The body was asked for after the upstream's final response began: with {@code Expect:
   * 100-continue} refused (a final status instead of {@code 100}), Jetty's client clears its
   * waiting-for-100 state before it fails the request, so its sender can ask for the body in
   * between. Opening the servlet input then would make the container send the client {@code 100
   * Continue} for a body nobody will read, ahead of the final response. The body sources fail the
   * read with this instead and leave the client's body unread; the request was failing anyway.
   */
  static final class AnsweredBeforeBody extends IOException {
    private static final long serialVersionUID = 1L;

    AnsweredBeforeBody() {
      super("mesh4j: the upstream answered before it asked for the request body");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
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
