package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.context.RequestIdGenerator;
import java.util.Objects;
import okhttp3.Dispatcher;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * Puts a mesh inside an OkHttp client: one line, the client's pools and settings kept.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.fromFile(Path.of("mesh.yaml"));
 * OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
 * client.newCall(new Request.Builder().url("http://inventory/api/items").build()).execute();
 * }</pre>
 *
 * <p>A call whose authority selects an outbound virtual host, or names a cluster, is a mesh call:
 * it is routed, sent to a picked endpoint with retries, timeouts, circuit breaking and the rest of
 * the route's rules (see {@code docs/okhttp.md}). Any other call passes through untouched, so one
 * client serves mesh and non-mesh traffic. Mesh failures are {@link MeshException}s (an {@code
 * IOException}), so {@code enqueue()} callers get them in {@code onFailure}.
 *
 * <p>The returned client is {@code client.newBuilder()} plus one application interceptor, added
 * after the client's own (they see the caller's request and the final response), with the
 * dispatcher and connection pool sized for mesh traffic where the user left OkHttp's defaults
 * ({@link Builder#sizeDispatcher}, {@link Builder#sizeConnectionPool}). Clients derived from it
 * with {@code newBuilder()} share its mesh state (breakers, budgets).
 *
 * <p>Thread-safe; holds no static state, so two meshes in one JVM never see each other.
 */
public final class MeshOkHttp {
  private MeshOkHttp() {}

  /**
   * Wraps {@code client} with the defaults of {@link #builder(Mesh)}.
   *
   * @throws IllegalArgumentException when {@code client} is already wrapped
   */
  public static OkHttpClient wrap(OkHttpClient client, Mesh mesh) {
    return builder(mesh).wrap(client);
  }

  /** A builder for wrapping clients with non-default options. */
  public static Builder builder(Mesh mesh) {
    return new Builder(mesh);
  }

  /** Options for {@link #wrap}. Not thread-safe; {@link #wrap} may be called any number of times. */
  public static final class Builder {
    /** Default bound on mirror copies in flight per wrapped client. */
    public static final int DEFAULT_MIRROR_MAX_IN_FLIGHT = 64;

    private final Mesh mesh;
    private boolean perEndpointMetrics;
    private boolean sizeDispatcher = true;
    private boolean sizeConnectionPool = true;
    private int mirrorMaxInFlight = DEFAULT_MIRROR_MAX_IN_FLIGHT;
    private RequestIdGenerator requestIds;

    private Builder(Mesh mesh) {
      this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    /**
     * Tags {@code mesh.client.attempts} with the endpoint address too (default off: one series per
     * endpoint can be many series).
     */
    public Builder perEndpointMetrics(boolean on) {
      this.perEndpointMetrics = on;
      return this;
    }

    /**
     * Whether to lift OkHttp's default of 5 async calls per host, which would cap each cluster at 5
     * concurrent {@code enqueue()} calls (default on; a value the user set is always kept).
     */
    public Builder sizeDispatcher(boolean on) {
      this.sizeDispatcher = on;
      return this;
    }

    /**
     * Whether to replace a connection pool that has OkHttp's default limits (5 idle connections)
     * with one sized for the mesh's endpoints (default on; a pool the user configured is kept).
     */
    public Builder sizeConnectionPool(boolean on) {
      this.sizeConnectionPool = on;
      return this;
    }

    /**
     * At most this many mirror copies in flight; more are dropped and counted (default {@value
     * #DEFAULT_MIRROR_MAX_IN_FLIGHT}).
     *
     * @throws IllegalArgumentException when {@code max < 1}
     */
    public Builder mirrorMaxInFlight(int max) {
      if (max < 1) throw new IllegalArgumentException("mirrorMaxInFlight: " + max + " (expected: >= 1)");
      this.mirrorMaxInFlight = max;
      return this;
    }

    /** Makes the {@code x-request-id} of calls made outside any inbound request (default {@link RequestIdGenerator#create()}). */
    public Builder requestIdGenerator(RequestIdGenerator ids) {
      this.requestIds = Objects.requireNonNull(ids, "ids");
      return this;
    }

    /**
     * A client that is {@code client} plus the mesh.
     *
     * @throws IllegalArgumentException when {@code client} already carries a mesh interceptor
     */
    public OkHttpClient wrap(OkHttpClient client) {
      Objects.requireNonNull(client, "client");
      for (Interceptor i : client.interceptors()) {
        if (i instanceof MeshInterceptor) {
          throw new IllegalArgumentException("client is already wrapped by MeshOkHttp");
        }
      }
      OkHttpClient.Builder sized = client.newBuilder();
      Dispatcher dispatcher = client.dispatcher();
      if (sizeDispatcher) {
        dispatcher = Sizing.dispatcher(dispatcher);
        sized.dispatcher(dispatcher);
      }
      if (sizeConnectionPool) {
        sized.connectionPool(
            Sizing.pool(client.connectionPool(), dispatcher.getMaxRequests(), mesh.current()));
      }
      OkHttpClient base = sized.build();
      OkHttpClient.Builder attempts = base.newBuilder();
      attempts.interceptors().clear();
      OkHttpClient attemptClient =
          attempts
              .retryOnConnectionFailure(false)
              .followRedirects(false)
              .followSslRedirects(false)
              .callTimeout(java.time.Duration.ZERO)
              .build();
      // A call the mesh does not route, run without the interceptor (an enqueue()d one): the
      // caller's client as it was, but the caller's call keeps its callTimeout.
      OkHttpClient passThrough = base.newBuilder().callTimeout(java.time.Duration.ZERO).build();
      MeshInterceptor interceptor =
          new MeshInterceptor(
              mesh, attemptClient, passThrough, perEndpointMetrics, mirrorMaxInFlight,
              requestIds != null ? requestIds : RequestIdGenerator.create());
      return new MeshClient(base.newBuilder().addInterceptor(interceptor), interceptor);
    }
  }
}
