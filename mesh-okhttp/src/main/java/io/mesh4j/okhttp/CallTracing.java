package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.client.AttemptObserver;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;

/**
 * The tracing of one forwarded pass of a traced {@link MeshCall}: its {@link CallSpan}, and the
 * loop's {@link AttemptObserver} that gives every attempt its span. The loop calls {@link
 * #attemptStarted} just before the transport prepares the attempt on the same thread, so {@link
 * #preparing} is the span whose context that attempt's request carries. Made only when the mesh
 * traces.
 */
final class CallTracing implements AttemptObserver {
  final CallSpan span;
  /** The span of the attempt being prepared; read by the transport on the loop's thread. */
  AttemptSpan preparing;

  CallTracing(CallSpan span) {
    this.span = span;
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
