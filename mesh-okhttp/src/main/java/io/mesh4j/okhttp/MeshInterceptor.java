package io.mesh4j.okhttp;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.context.RequestIdGenerator;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.internal.MeshRuntime;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application interceptor that puts a mesh inside an OkHttp client; installed by {@link
 * MeshOkHttp}. Each intercepted call is run by a {@link MeshCall}. Shared by every client derived
 * from the wrapped one with {@code newBuilder()}, so they share the plan and the mirror bound;
 * breakers and budgets are the mesh's ({@link MeshRuntime}), shared by every client wrapped
 * around it. Thread-safe.
 */
final class MeshInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(MeshInterceptor.class);

  final Mesh mesh;
  final Ticker ticker;
  final Clock clock;
  final Scheduler scheduler;
  final AttemptClients attemptClients;
  /**
   * The wrapped client without the mesh (its redirects, retries, cache and network interceptors;
   * no call timeout): what an {@code enqueue()}d call the mesh does not route is sent on, as the
   * interceptor's {@code chain.proceed} sends an executed one.
   */
  final OkHttpClient passThrough;
  final RequestIdGenerator requestIds;
  /** The mesh's tracer, or null when it does not trace (nothing is made for tracing then). */
  final MeshTracer tracer;
  private final ClientMeters meters;
  private final MeshRuntime runtime;
  private final int mirrorMaxInFlight;
  private final Object planLock = new Object();
  private volatile Plan plan;
  private volatile Mirror mirror;
  private volatile boolean mirrorErrorLogged;

  MeshInterceptor(
      Mesh mesh, OkHttpClient attemptClient, OkHttpClient passThrough, boolean perEndpointMetrics,
      int mirrorMaxInFlight, RequestIdGenerator requestIds) {
    this.mesh = mesh;
    this.ticker = MeshInternals.ticker(mesh);
    this.clock = mesh.clock();
    this.scheduler = MeshInternals.scheduler(mesh);
    this.attemptClients = new AttemptClients(attemptClient);
    this.passThrough = passThrough;
    this.requestIds = requestIds;
    this.tracer = mesh.tracer().isEnabled() ? mesh.tracer() : null;
    this.meters = new ClientMeters(mesh.meterRegistry(), perEndpointMetrics);
    this.runtime = MeshInternals.runtime(mesh);
    this.mirrorMaxInFlight = mirrorMaxInFlight;
    plan(mesh.current());
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    return new MeshCall(this, chain).run();
  }

  /**
   * The plan for {@code snapshot}: the published one when it matches (one volatile read), else a
   * new one, published when the snapshot is not older than the published plan's.
   */
  Plan plan(MeshSnapshot snapshot) {
    Plan p = plan;
    if (p != null && p.snapshot == snapshot) return p;
    synchronized (planLock) {
      p = plan;
      if (p != null && p.snapshot == snapshot) return p;
      if (p != null && snapshot.generation() < p.snapshot.generation()) {
        // A request still holding an older snapshot: serve it without rolling the state back.
        return new Plan(snapshot, mesh, meters, runtime);
      }
      runtime.update(snapshot);
      p = new Plan(snapshot, mesh, meters, runtime);
      plan = p;
      return p;
    }
  }

  /** The mirror sender, created on first use (its threads start only when a copy is sent). */
  Mirror mirror() {
    Mirror m = mirror;
    if (m == null) {
      synchronized (planLock) {
        m = mirror;
        if (m == null) {
          mirror = m = new Mirror(attemptClients.base(), ticker, mirrorMaxInFlight);
        }
      }
    }
    return m;
  }

  /** A caller's callback threw: logged, as OkHttp does ("Callback failure"). */
  void callbackFailed(okhttp3.Call call, Exception e) {
    log.warn("mesh4j: callback failure for {}", call, e);
  }

  /**
   * Sends a mirror copy of {@code call}'s forwarded pass when its route mirrors and the percentage
   * draws it; never fails the real call.
   */
  void mirror(MeshCall call, Plan plan, Plan.RoutePlan rp, RequestBody body) {
    try {
      double percent = rp.mirror.percent();
      if (percent <= 0) return;
      if (percent < 100 && ThreadLocalRandom.current().nextDouble(100) >= percent) return;
      Plan.ClusterPlan target = plan.cluster(rp.mirror.cluster());
      if (target == null) return;
      mirror().send(call, rp, target, body);
    } catch (RuntimeException e) {
      mirrorFailedUnexpectedly(e);
    }
  }

  void mirrorFailedUnexpectedly(RuntimeException e) {
    if (!mirrorErrorLogged) {
      mirrorErrorLogged = true;
      log.warn("mesh4j: sending a mirror copy failed; the real call is unaffected", e);
    }
  }

  /** The meters (for tests). */
  ClientMeters meters() {
    return meters;
  }
}
