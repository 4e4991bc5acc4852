package io.mesh4j.internal.policy;

import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.Ticker;
import java.util.Objects;

/**
 * The engine-facing parts of a {@link PolicyChain}: starting one request's {@link PolicyRun} and
 * what the run reads from the chain (its compiled policies, its ticker, the per-policy failure
 * accounting). They are off {@code PolicyChain}'s public API so that policy authors see only the
 * chain's shape; {@code PolicyChain} installs the {@link Access} when its class is initialized,
 * which has happened before any caller holds a chain.
 *
 * <p>Engine internal: public only so the adapters in other modules can reach it. Not an API; it
 * changes without notice.
 */
public final class PolicyInternals {
  /** What {@link PolicyChain} hands over; implemented once, by {@code PolicyChain}. */
  public interface Access {
    /** The chain's policies in run order; the caller must not modify the array. */
    CompiledPolicy[] policies(PolicyChain chain);

    /** The ticker the chain measures durations on. */
    Ticker ticker(PolicyChain chain);

    /** Counts and (rate-limited) logs a policy's failure; see {@link PolicyInternals#failed}. */
    void failed(CompiledPolicy policy, RouteTable.Direction side, boolean requestPhase, Throwable e);
  }

  private static volatile Access access;

  private PolicyInternals() {}

  /**
   * Installs {@code PolicyChain}'s access; called once, from {@code PolicyChain}'s static
   * initializer.
   *
   * @throws IllegalStateException when an access is already installed
   */
  public static void install(Access a) {
    Objects.requireNonNull(a, "access");
    synchronized (PolicyInternals.class) {
      if (access != null) {
        throw new IllegalStateException("the PolicyChain access is already installed");
      }
      access = a;
    }
  }

  /**
   * Starts running {@code chain} for one request; call {@link PolicyRun#onRequest()} next.
   *
   * @param chain the route's policies ({@code Route.policies()}); not {@link PolicyChain#isEmpty()
   *     empty}, or the run does nothing
   * @param request the request as routed (not copied; read on the calling thread)
   * @param virtualHost the matched virtual host, or {@code null}
   * @param route the matched route's name, or {@code null}
   * @param requestId the request id, or {@code null}
   * @param startNanos the mesh ticker's reading when handling began
   */
  public static PolicyRun start(PolicyChain chain, RequestView request, String virtualHost,
      String route, String requestId, long startNanos) {
    return new PolicyRun(chain, request, virtualHost, route, requestId, startNanos);
  }

  static CompiledPolicy[] policies(PolicyChain chain) {
    return access.policies(chain);
  }

  static Ticker ticker(PolicyChain chain) {
    return access.ticker(chain);
  }

  /**
   * Reports that {@code policy} threw in its request phase ({@code requestPhase}) or its
   * completion: counted in {@code mesh.policy.errors} and logged at most once a minute.
   */
  static void failed(CompiledPolicy policy, RouteTable.Direction side, boolean requestPhase,
      Throwable e) {
    access.failed(policy, side, requestPhase, e);
  }
}
