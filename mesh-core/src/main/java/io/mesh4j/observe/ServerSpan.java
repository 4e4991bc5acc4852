package io.mesh4j.observe;

import io.mesh4j.route.Route;

/**
 * The span of one inbound request, from the moment the server adapter sees it until its outcome is
 * recorded (after the response completes, async included). Started by {@link
 * MeshTracer#startServer}; it rides in the request's {@link io.mesh4j.context.MeshContext}, so the
 * calls the application makes while handling the request, on any thread the context reaches, are
 * its children without the application passing anything.
 *
 * <p>Every method does nothing here; {@link #NOOP} is this class. An implementation must be
 * thread-safe (the request may finish on a container thread other than the one that started it),
 * fast, and must not throw: the engine calls these on the request path. {@link #end} is called
 * exactly once; calls after it are ignored.
 */
public abstract class ServerSpan {
  /** A span that records nothing. */
  public static final ServerSpan NOOP = new ServerSpan() {};

  protected ServerSpan() {}

  /** The inbound route chosen for the request ({@code null}: none matched). */
  public void route(Route route) {}

  /** {@code authz} decided: {@code allowed}, by {@code rule} (its name, or {@code default}). */
  public void authz(boolean allowed, String rule) {}

  /** The route's {@code rate_limit} was consulted: {@code limited} when it refused the request. */
  public void rateLimit(boolean limited) {}

  /**
   * Makes this span current in the tracing library's context on this thread (the server adapter
   * does so around the application's handling; {@link io.mesh4j.context.MeshContext#attach} does
   * so wherever the request's context goes).
   */
  public TraceScope activate() {
    return TraceScope.NOOP;
  }

  /**
   * Ends the span: {@code outcome} is the mesh's disposition ({@code pass}, {@code denied}, {@code
   * ratelimited}, ... the {@code outcome} tag of {@code mesh.server.requests}), {@code status} the
   * status the client got.
   */
  public void end(String outcome, int status) {}
}
