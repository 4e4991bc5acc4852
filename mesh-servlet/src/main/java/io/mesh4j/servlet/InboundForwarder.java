package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import java.io.IOException;

/**
 * Sends an inbound request on to a cluster: what {@link MeshFilter} does with a request whose
 * inbound route has a {@code to} or {@code split} action (and whose split turn is not the {@code
 * local} entry). The servlet module itself has no implementation, so it does not depend on an HTTP
 * client; add {@code io.mesh4j:mesh-gateway}, whose forwarder runs the request through the
 * mesh-okhttp client path (picker, retries, circuit breaker, metrics), or supply your own.
 *
 * <p>The filter obtains one with {@link MeshFilter.Builder#forwarder(InboundForwarder)}, or else
 * from the first {@link Factory} found through {@link java.util.ServiceLoader} (registered in
 * {@code META-INF/services/io.mesh4j.servlet.InboundForwarder$Factory}). A config with an inbound
 * forwarding route and no forwarder is refused at {@link MeshFilter#init} (and such a reload is
 * not taken up by the filter), never per request.
 *
 * <p>Implementations must be thread-safe.
 */
public interface InboundForwarder {
  /**
   * Forwards {@code forwarding}'s request and produces its response, synchronously or
   * asynchronously ({@link Forwarding#startAsync()}). Whatever happens, the implementation calls
   * {@link Forwarding#done(int)} (answered) or {@link Forwarding#failed(int)} (the client went
   * away, or the response broke after it was committed) when the response is complete, so the
   * filter records the outcome; only the first call counts. When this method throws, the filter
   * records an error itself.
   *
   * @throws IOException when writing the response fails on the calling thread (the container
   *     then aborts the connection)
   */
  void forward(Forwarding forwarding) throws IOException;

  /** Creates the forwarder for a mesh; found through ServiceLoader by {@link MeshFilter}. */
  interface Factory {
    /** A forwarder sending requests to {@code mesh}'s clusters. Called at most once per filter. */
    InboundForwarder create(Mesh mesh);
  }
}
