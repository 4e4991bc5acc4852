package io.mesh4j.observe;

import io.mesh4j.context.MeshContext;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;

/**
 * Makes the mesh's spans: a {@link ServerSpan} per inbound request, a {@link CallSpan} per
 * forwarded outbound call, an {@link AttemptSpan} per attempt, hedge and mirror copy. Given to
 * {@link io.mesh4j.Mesh.Builder#tracer}; the server and client adapters of that mesh use it. The
 * default, {@link #noop()}, makes nothing: the adapters then skip every tracing step, allocate
 * nothing for it and carry no trace context.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder()
 *     .configFile(Path.of("mesh.yaml"))
 *     .tracer(MeshOpenTelemetry.tracer(openTelemetry))     // module mesh-opentelemetry
 *     .build();
 * }</pre>
 *
 * <p>An implementation is thread-safe, holds no global state (two meshes may hold two tracers),
 * and never throws from these methods: they run on every request.
 */
public abstract class MeshTracer {
  private static final MeshTracer NOOP = new MeshTracer() {
    @Override
    public boolean isEnabled() {
      return false;
    }

    @Override
    public String toString() {
      return "MeshTracer.noop()";
    }
  };

  protected MeshTracer() {}

  /** The tracer that makes nothing; {@link #isEnabled()} is false. */
  public static MeshTracer noop() {
    return NOOP;
  }

  /** Whether this tracer makes spans; the adapters skip tracing entirely when false. */
  public boolean isEnabled() {
    return true;
  }

  /**
   * Starts the server span of an inbound request, continuing the trace context its headers carry
   * ({@link RequestView#header}); the span starts now.
   */
  public ServerSpan startServer(RequestView request) {
    return ServerSpan.NOOP;
  }

  /**
   * The parent the calls made now on this thread should have, captured when the application makes
   * the call: the tracing library's current span when there is one, else the server span of {@code
   * context} (the inbound request being handled). Opaque to the engine; handed back to {@link
   * #startCall}. May be {@code null}.
   */
  public Object parent(MeshContext context) {
    return null;
  }

  /**
   * Starts the span of an outbound call of {@code request} forwarded by {@code route} to {@code
   * cluster}, a child of {@code parent} (from {@link #parent}; {@code null}: a new trace).
   */
  public CallSpan startCall(Object parent, RequestView request, Route route, String cluster) {
    return CallSpan.NOOP;
  }
}
