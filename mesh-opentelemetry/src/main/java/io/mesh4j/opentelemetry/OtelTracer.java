package io.mesh4j.opentelemetry;

import io.mesh4j.config.MatchConfig;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * mesh-core's {@link MeshTracer} over the OpenTelemetry API. Server spans are {@link
 * SpanKind#SERVER} (or {@link SpanKind#INTERNAL} under a span some other instrumentation already
 * made, so a request never has two server spans), call and attempt spans {@link SpanKind#CLIENT}.
 * Attribute names follow OpenTelemetry's HTTP semantic conventions where one exists, {@code
 * mesh4j.*} otherwise ({@link Attr}). Thread-safe; every handle ends once.
 */
final class OtelTracer extends MeshTracer {
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  OtelTracer(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** Attribute keys. */
  static final class Attr {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> URL_TEMPLATE = AttributeKey.stringKey("url.template");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("mesh4j.route");
    static final AttributeKey<String> VIRTUAL_HOST = AttributeKey.stringKey("mesh4j.virtual_host");
    static final AttributeKey<String> ACTION = AttributeKey.stringKey("mesh4j.action");
    static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("mesh4j.cluster");
    static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("mesh4j.endpoint");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("mesh4j.attempt");
    static final AttributeKey<Boolean> HEDGE = AttributeKey.booleanKey("mesh4j.hedge");
    static final AttributeKey<Boolean> MIRROR = AttributeKey.booleanKey("mesh4j.mirror");
    static final AttributeKey<String> RETRY_REASON = AttributeKey.stringKey("mesh4j.retry_reason");
    static final AttributeKey<Boolean> REQUEST_SENT = AttributeKey.booleanKey("mesh4j.request_sent");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("mesh4j.outcome");
    static final AttributeKey<String> AUTHZ = AttributeKey.stringKey("mesh4j.authz");
    static final AttributeKey<String> AUTHZ_RULE = AttributeKey.stringKey("mesh4j.authz.rule");
    static final AttributeKey<String> RATE_LIMIT = AttributeKey.stringKey("mesh4j.rate_limit");
    static final AttributeKey<Boolean> BREAKER_REFUSED =
        AttributeKey.booleanKey("mesh4j.breaker_refused");
    static final AttributeKey<Boolean> BUDGET_REFUSED =
        AttributeKey.booleanKey("mesh4j.budget_refused");
    static final AttributeKey<Boolean> DEADLINE_EXCEEDED =
        AttributeKey.booleanKey("mesh4j.deadline_exceeded");
    static final AttributeKey<String> REFUSED = AttributeKey.stringKey("mesh4j.refused");

    private Attr() {}
  }

  private static final List<String> KEYS = List.of("traceparent", "tracestate", "baggage");

  private static final TextMapGetter<RequestView> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(RequestView carrier) {
      return KEYS;
    }

    @Override
    public String get(RequestView carrier, String key) {
      return carrier == null ? null : carrier.header(key);
    }
  };

  private static final TextMapSetter<BiConsumer<String, String>> SETTER =
      (carrier, key, value) -> {
        if (carrier != null) carrier.accept(key, value);
      };

  // ------------------------------------------------------------------ server

  @Override
  public ServerSpan startServer(RequestView request) {
    Context current = Context.current();
    boolean nested = Span.fromContext(current).getSpanContext().isValid();
    // Under another instrumentation's span (the Java agent's servlet span) continue it, as an
    // internal span; otherwise continue the trace the request's headers carry.
    Context parent = nested ? current : propagator.extract(Context.root(), request, GETTER);
    String method = request.method();
    SpanBuilder b = tracer.spanBuilder(method)
        .setParent(parent)
        .setSpanKind(nested ? SpanKind.INTERNAL : SpanKind.SERVER)
        .setAttribute(Attr.METHOD, method)
        .setAttribute(Attr.URL_PATH, request.path())
        .setAttribute(Attr.URL_SCHEME, request.scheme());
    hostAndPort(b, request.authority());
    String source = request.sourceAddress();
    if (source != null) b.setAttribute(Attr.CLIENT_ADDRESS, source);
    Span span = b.startSpan();
    return new Server(span, parent.with(span), method);
  }

  private static final class Server extends ServerSpan {
    private final Span span;
    private final Context context;
    private final String method;
    private final AtomicBoolean ended = new AtomicBoolean();

    Server(Span span, Context context, String method) {
      this.span = span;
      this.context = context;
      this.method = method;
    }

    @Override
    public void route(Route route) {
      if (route == null) {
        span.setAttribute(Attr.ACTION, "pass");
        return;
      }
      span.setAttribute(Attr.ROUTE, route.name());
      span.setAttribute(Attr.VIRTUAL_HOST, route.virtualHost());
      span.setAttribute(Attr.ACTION, route.action().kind().name().toLowerCase(Locale.ROOT));
      String template = template(route);
      if (template != null) {
        span.setAttribute(Attr.HTTP_ROUTE, template);
        span.updateName(method + " " + template);
      }
    }

    @Override
    public void authz(boolean allowed, String rule) {
      span.setAttribute(Attr.AUTHZ, allowed ? "allow" : "deny");
      if (rule != null) span.setAttribute(Attr.AUTHZ_RULE, rule);
    }

    @Override
    public void rateLimit(boolean limited) {
      span.setAttribute(Attr.RATE_LIMIT, limited ? "limited" : "allowed");
    }

    @Override
    public TraceScope activate() {
      Scope s = context.makeCurrent();
      return s::close;
    }

    @Override
    public void end(String outcome, int status) {
      if (!ended.compareAndSet(false, true)) return;
      if (status > 0) span.setAttribute(Attr.STATUS, status);
      span.setAttribute(Attr.OUTCOME, outcome);
      if (status >= 500) {
        span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }

    Context context() {
      return context;
    }
  }

  // ------------------------------------------------------------------ client

  @Override
  public Object parent(MeshContext context) {
    Context current = Context.current();
    if (Span.fromContext(current).getSpanContext().isValid()) return current;
    if (context.span() instanceof Server s) return s.context();
    return current;
  }

  @Override
  public CallSpan startCall(Object parent, RequestView request, Route route, String cluster) {
    Context p = parent instanceof Context c ? c : Context.current();
    String method = request.method();
    String template = route == null ? null : template(route);
    SpanBuilder b = tracer.spanBuilder(template == null ? method : method + " " + template)
        .setParent(p)
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(Attr.METHOD, method)
        .setAttribute(Attr.CLUSTER, cluster);
    hostAndPort(b, request.authority());
    if (template != null) b.setAttribute(Attr.URL_TEMPLATE, template);
    if (route != null) {
      b.setAttribute(Attr.ROUTE, route.name());
      b.setAttribute(Attr.VIRTUAL_HOST, route.virtualHost());
      b.setAttribute(Attr.ACTION, route.action().kind().name().toLowerCase(Locale.ROOT));
    }
    Span span = b.startSpan();
    return new Call(this, span, p.with(span), method, template);
  }

  private static final class Call extends CallSpan {
    private final OtelTracer owner;
    private final Span span;
    private final Context context;
    private final String method;
    private final String name;
    private final AtomicBoolean ended = new AtomicBoolean();

    Call(OtelTracer owner, Span span, Context context, String method, String template) {
      this.owner = owner;
      this.span = span;
      this.context = context;
      this.method = method;
      this.name = template == null ? method : method + " " + template;
    }

    @Override
    public AttemptSpan attempt(Endpoint endpoint, int attempt, boolean hedge, String retryReason) {
      SpanBuilder b = child(endpoint).setAttribute(Attr.ATTEMPT, (long) attempt);
      if (attempt > 1) b.setAttribute(Attr.RESEND_COUNT, (long) attempt - 1);
      if (hedge) b.setAttribute(Attr.HEDGE, true);
      if (retryReason != null) b.setAttribute(Attr.RETRY_REASON, retryReason);
      Span s = b.startSpan();
      return new Attempt(owner.propagator, s, context.with(s));
    }

    @Override
    public AttemptSpan mirror(Endpoint endpoint, String cluster) {
      Span s = child(endpoint).setAttribute(Attr.MIRROR, true)
          .setAttribute(Attr.CLUSTER, cluster).startSpan();
      return new Attempt(owner.propagator, s, context.with(s));
    }

    private SpanBuilder child(Endpoint endpoint) {
      return owner.tracer.spanBuilder(name)
          .setParent(context)
          .setSpanKind(SpanKind.CLIENT)
          .setAttribute(Attr.METHOD, method)
          .setAttribute(Attr.SERVER_ADDRESS, endpoint.host())
          .setAttribute(Attr.SERVER_PORT, (long) endpoint.port())
          .setAttribute(Attr.ENDPOINT, endpoint.address());
    }

    @Override
    public void refused(String what) {
      switch (what) {
        case "circuit-open", "concurrency-limit" -> span.setAttribute(Attr.BREAKER_REFUSED, true);
        case "budget-exhausted" -> span.setAttribute(Attr.BUDGET_REFUSED, true);
        case "deadline-exceeded" -> span.setAttribute(Attr.DEADLINE_EXCEEDED, true);
        default -> { }
      }
      span.addEvent("mesh4j.refused", Attributes.of(Attr.REFUSED, what));
    }

    @Override
    public TraceScope activate() {
      Scope s = context.makeCurrent();
      return s::close;
    }

    @Override
    public void end(int status, String outcome, Throwable error) {
      if (!ended.compareAndSet(false, true)) return;
      if (status > 0) span.setAttribute(Attr.STATUS, status);
      span.setAttribute(Attr.OUTCOME, outcome);
      if (error != null) {
        span.setAttribute(Attr.ERROR_TYPE, outcome);
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, error.getMessage());
      } else if (status >= 400) {
        span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  private static final class Attempt extends AttemptSpan {
    private final TextMapPropagator propagator;
    private final Span span;
    private final Context context;
    private final AtomicBoolean ended = new AtomicBoolean();

    Attempt(TextMapPropagator propagator, Span span, Context context) {
      this.propagator = propagator;
      this.span = span;
      this.context = context;
    }

    @Override
    public void inject(BiConsumer<String, String> header) {
      propagator.inject(context, header, SETTER);
    }

    @Override
    public TraceScope activate() {
      Scope s = context.makeCurrent();
      return s::close;
    }

    @Override
    public void end(int status, Failure failure, boolean requestSent) {
      if (!ended.compareAndSet(false, true)) return;
      if (status > 0) span.setAttribute(Attr.STATUS, status);
      span.setAttribute(Attr.REQUEST_SENT, requestSent);
      String outcome = failure == Failure.NONE ? "response" : failure.name().toLowerCase(Locale.ROOT);
      span.setAttribute(Attr.OUTCOME, outcome);
      if (failure != Failure.NONE && failure != Failure.CANCELLED) {
        span.setAttribute(Attr.ERROR_TYPE, outcome);
        span.setStatus(StatusCode.ERROR);
      } else if (status >= 400) {
        span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The low-cardinality path template of {@code route}: its {@code path}, or its prefix followed by
   * {@code *}; null for a regex, a custom matcher or no path condition.
   */
  static String template(Route route) {
    MatchConfig m = route.config().match();
    if (m.pathKind() == null || m.pathValue() == null) return null;
    String v = m.pathValue();
    return switch (m.pathKind()) {
      case PATH -> v;
      case PREFIX -> v + "*";
      case PATH_SEPARATED_PREFIX -> v.endsWith("/") ? v + "*" : v + "/*";
      case REGEX -> null;
    };
  }

  private static void hostAndPort(SpanBuilder b, String authority) {
    if (authority == null || authority.isEmpty()) return;
    int colon = authority.lastIndexOf(':');
    int bracket = authority.lastIndexOf(']');
    if (colon > bracket && colon > 0) {
      b.setAttribute(Attr.SERVER_ADDRESS, authority.substring(0, colon));
      try {
        b.setAttribute(Attr.SERVER_PORT, Long.parseLong(authority.substring(colon + 1)));
      } catch (NumberFormatException e) {
        // not a port: leave it out
      }
    } else {
      b.setAttribute(Attr.SERVER_ADDRESS, authority);
    }
  }
}
