package io.mesh4j.okhttp;

import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;

/**
 * Sizes a wrapped client's {@link Dispatcher} and {@link ConnectionPool} for mesh traffic, keeping
 * whatever the user set.
 *
 * <h2>Why</h2>
 *
 * <ul>
 *   <li>OkHttp's dispatcher caps <em>async</em> calls per URL host at 5 by default, and it sees the
 *       logical host of a mesh call ({@code inventory}), not the endpoint's: a whole cluster would
 *       get 5 concurrent {@code enqueue()} calls, the rest queued silently.
 *   <li>The default pool keeps 5 idle connections; spread over several endpoints under load,
 *       connections are closed as soon as they go idle and reopened for the next call.
 * </ul>
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>Dispatcher: when the client's {@code maxRequestsPerHost} is OkHttp's default (5), the
 *       wrapped client gets a new {@code Dispatcher} on the <em>same</em> executor, with the same
 *       {@code maxRequests} and idle callback, and {@code maxRequestsPerHost = maxRequests}: the
 *       mesh's own limit per cluster is {@code circuit_breaker.max_concurrent_requests}. Any other
 *       value was set by the user and is kept (the dispatcher is used as is).
 *   <li>Pool: when the client's pool has OkHttp's default limits (5 idle connections, 5 minutes),
 *       the wrapped client gets a new pool keeping {@code max(maxRequests, 4 × endpoints)} idle
 *       connections for 5 minutes (endpoints counted over every cluster when wrapping). A pool
 *       whose limits cannot be read (a future OkHttp) is kept as it is.
 * </ul>
 */
final class Sizing {
  static final int OKHTTP_DEFAULT_PER_HOST = 5;
  static final int OKHTTP_DEFAULT_IDLE = 5;
  static final long OKHTTP_DEFAULT_KEEP_ALIVE_NS = TimeUnit.MINUTES.toNanos(5);
  static final int IDLE_PER_ENDPOINT = 4;

  private Sizing() {}

  /** The dispatcher for the wrapped client: {@code d} itself, or a resized copy on its executor. */
  static Dispatcher dispatcher(Dispatcher d) {
    if (d.getMaxRequestsPerHost() != OKHTTP_DEFAULT_PER_HOST) return d;
    Dispatcher sized = new Dispatcher(d.executorService());
    sized.setMaxRequests(d.getMaxRequests());
    sized.setMaxRequestsPerHost(d.getMaxRequests());
    sized.setIdleCallback(d.getIdleCallback());
    return sized;
  }

  /** The pool for the wrapped client: {@code pool} itself, or a larger one. */
  static ConnectionPool pool(ConnectionPool pool, int maxRequests, MeshSnapshot snapshot) {
    if (!hasDefaultLimits(pool)) return pool;
    return new ConnectionPool(idleConnections(maxRequests, snapshot), 5, TimeUnit.MINUTES);
  }

  static int idleConnections(int maxRequests, MeshSnapshot snapshot) {
    long endpoints = 0;
    for (Cluster c : snapshot.clusters().values()) endpoints += c.endpoints().size();
    long idle = Math.max(maxRequests, IDLE_PER_ENDPOINT * endpoints);
    return (int) Math.min(Integer.MAX_VALUE, Math.max(OKHTTP_DEFAULT_IDLE, idle));
  }

  /**
   * Whether {@code pool} has OkHttp's default limits. OkHttp exposes no getter for them, so this
   * reads the private fields of OkHttp 5's pool; when they are not there (another OkHttp version)
   * the answer is false and the pool is kept.
   */
  static boolean hasDefaultLimits(ConnectionPool pool) {
    return maxIdleConnections(pool) == OKHTTP_DEFAULT_IDLE
        && keepAliveNanos(pool) == OKHTTP_DEFAULT_KEEP_ALIVE_NS;
  }

  /** The idle limit of {@code pool}, or -1 when it cannot be read. */
  static int maxIdleConnections(ConnectionPool pool) {
    Object v = poolField(pool, "maxIdleConnections");
    return v instanceof Integer i ? i : -1;
  }

  /** The keep-alive of {@code pool} in nanoseconds, or -1 when it cannot be read. */
  static long keepAliveNanos(ConnectionPool pool) {
    Object v = poolField(pool, "keepAliveDurationNs");
    return v instanceof Long l ? l : -1;
  }

  private static Object poolField(ConnectionPool pool, String name) {
    try {
      Field delegateField = ConnectionPool.class.getDeclaredField("delegate");
      delegateField.setAccessible(true);
      Object delegate = delegateField.get(pool);
      Field f = delegate.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return f.get(delegate);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
