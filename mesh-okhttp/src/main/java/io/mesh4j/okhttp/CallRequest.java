package io.mesh4j.okhttp;

import io.mesh4j.context.MeshContext;
import io.mesh4j.context.RequestIdGenerator;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RequestView;
import java.util.Locale;
import okhttp3.EventListener;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * The {@link RequestView} of a mesh call over the OkHttp request of its current routing pass (a
 * follow-up starts a new pass), and what the attempts send: the request with the policies' header
 * edits, the canonical (or rewritten) path, the {@code x-request-id}, the inbound {@link
 * MeshContext} captured when the call was made. Fields are read lazily and computed once per pass.
 * An {@link EventListener} only so that {@link MeshCall} can be one without another object.
 * Confined to the thread running the call's current step.
 */
abstract class CallRequest extends EventListener implements RequestView {
  /** The inbound request being served when the call was made (propagated headers, request id). */
  private final MeshContext context;
  private final RequestIdGenerator requestIds;
  Request request;
  String method;
  String authority;
  private String path;
  private String rawPath;
  /** The path rules of the snapshot the current pass routes on. */
  RequestPath rules = RequestPath.DEFAULT;
  /** Whether the request carries an {@code Idempotency-Key} (a POST may then be retried). */
  boolean hasIdempotencyKey() {
    return request.header(MeshCall.IDEMPOTENCY_KEY) != null;
  }

  /** Whether the request's body can be sent again. */
  boolean replayable() {
    RequestBody body = request.body();
    return body == null || !(body.isOneShot() || body.isDuplex());
  }

  /** The path the attempts send, set by the forward: canonical, rewritten and re-checked. */
  String sendPath;
  private String query;
  private boolean queryRead;
  private String requestId;

  CallRequest(Request request, MeshContext context, RequestIdGenerator requestIds) {
    this.request = request;
    this.context = context;
    this.requestIds = requestIds;
  }

  /** Starts a routing pass of {@code r}: what was computed for the last one is forgotten. */
  void resetRequest(Request r) {
    request = r;
    String m = r.method();
    method = FollowUps.isUpperCase(m) ? m : m.toUpperCase(Locale.ROOT);
    String host = r.header("Host");
    authority = host != null ? host : FollowUps.authorityOf(r.url());
    path = null;
    query = null;
    queryRead = false;
    sendPath = null;
  }

  /** Routes on {@code rules} from now on (the snapshot of the pass); the path is recomputed. */
  void rules(RequestPath rules) {
    this.rules = rules;
    this.path = null;
  }


  @Override
  public String method() {
    return method;
  }

  @Override
  public String scheme() {
    return request.url().scheme();
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String path() {
    String p = path;
    if (p == null) {
      // Computed once, only when asked: the canonical path (RequestPath) every decision is made
      // on and the one sent; "" when it has none (the call fails with INVALID_PATH).
      rawPath = request.url().encodedPath();
      p = rules.canonical(rawPath);
      path = p = p == null ? "" : p;
    }
    return p;
  }

  @Override
  public String query() {
    if (!queryRead) {
      query = request.url().encodedQuery();
      queryRead = true;
    }
    return query;
  }

  @Override
  public String header(String name) {
    String value = joinedHeader(request.headers(), name);
    // Routes see the request as it will be sent: the caller's own header, else the header the
    // mesh propagates from the inbound request being served (upstream() adds exactly these), so
    // a header-based route honours a propagated x-canary without any application code.
    return value != null ? value : context.header(name);
  }

  /**
   * The lines of {@code name} joined with {@code ","} (RequestView#header, Envoy's rule); the
   * single value itself, without allocating, when the header occurs once.
   */
  static String joinedHeader(okhttp3.Headers headers, String name) {
    String value = null;
    for (int i = 0, n = headers.size(); i < n; i++) {
      if (headers.name(i).equalsIgnoreCase(name)) value = RequestView.join(value, headers.value(i));
    }
    return value;
  }

  @Override
  public String sourceAddress() {
    return null; // the local address is only known once a connection is chosen
  }

  /** The request of the current pass, with the policies' header edits. */
  Request outgoing() {
    return request;
  }

  /** The path the attempts send: canonical, rewritten and re-checked by forward(). */
  String sendPath() {
    return sendPath != null ? sendPath : path();
  }

  /** The path as the caller wrote it. */
  String rawPath() {
    path();
    return rawPath;
  }

  /** The inbound request being served when the call was made. */
  MeshContext context() {
    return context;
  }

  /** The caller's {@code x-request-id}-less request gets this one, the same on every attempt. */
  String requestId(MeshContext ctx) {
    if (requestId == null) {
      requestId = ctx.requestId() != null ? ctx.requestId() : requestIds.next();
    }
    return requestId;
  }
}
