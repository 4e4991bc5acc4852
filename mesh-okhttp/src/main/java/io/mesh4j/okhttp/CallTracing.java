package io.mesh4j.okhttp;

import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptObserver;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracing of one forwarded pass of a traced {@link MeshCall}: its {@link CallSpan}, and the
 * loop's {@link AttemptObserver} that gives every attempt its span. The loop calls {@link
 * #attemptStarted} just before the transport prepares the attempt on the same thread, so {@link
 * #preparing} is the span whose context that attempt's request carries. Made only when the mesh
 * traces. A tracer that throws is logged once and never fails the call: the call goes on untraced.
 */
final class CallTracing implements AttemptObserver {
  private static final Logger log = LoggerFactory.getLogger(CallTracing.class);
  private static volatile boolean failureLogged;

  final CallSpan span;
  /** The span of the attempt being prepared; read by the transport on the loop's thread. */
  AttemptSpan preparing;

  CallTracing(CallSpan span) {
    this.span = span;
  }

  /** The parent the tracer chooses for a call made now under {@code context}, or null. */
  static Object parent(MeshTracer tracer, MeshContext context) {
    try {
      return tracer.parent(context);
    } catch (RuntimeException e) {
      failed(e);
      return null;
    }
  }

  /** The tracing of a forward of {@code request} by {@code route} to {@code cluster}, or null. */
  static CallTracing start(MeshTracer tracer, Object parent, RequestView request, Route route,
      String cluster) {
    try {
      CallSpan s = tracer.startCall(parent, request, route, cluster);
      return s == null || s == CallSpan.NOOP ? null : new CallTracing(s);
    } catch (RuntimeException e) {
      failed(e);
      return null;
    }
  }

  /**
   * The call ended: records its meters with the span current (a registry that samples exemplars
   * sees it), then ends the span.
   */
  void ended(ClientMeters.RouteMeters meters, ClientMeters.Outcome outcome, int status,
      long latencyNanos, Throwable failure) {
    TraceScope scope;
    try {
      scope = span.activate();
    } catch (RuntimeException e) {
      failed(e);
      scope = TraceScope.NOOP;
    }
    try {
      meters.request(outcome, status, latencyNanos);
    } finally {
      scope.close();
    }
    try {
      span.end(status, outcome.tag, failure);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private static void failed(RuntimeException e) {
    if (!failureLogged) {
      failureLogged = true;
      log.warn("mesh4j: the tracer threw; the call goes on untraced (further failures not logged)", e);
    }
  }

  @Override
  public Object attemptStarted(Endpoint endpoint, int attempt, boolean hedge, String retryReason) {
    AttemptSpan a = span.attempt(endpoint, attempt, hedge, retryReason);
    preparing = a;
    return a;
  }

  @Override
  public void attemptEnded(Object token, int status, Failure failure, boolean requestSent,
      long latencyNanos) {
    if (token instanceof AttemptSpan a) a.end(status, failure, requestSent);
  }

  @Override
  public void refused(String what) {
    span.refused(what);
  }
}
