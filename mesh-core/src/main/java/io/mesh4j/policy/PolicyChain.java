package io.mesh4j.policy;

import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The request policies of one route on one side, in run order (global, virtual host, route),
 * already filtered by the side they declared. Compiled once per snapshot into the {@code Route};
 * immutable and thread-safe.
 *
 * <p>The adapters' hot path for a route without policies is one {@link #isEmpty()} check: no
 * allocation, no loop. With policies, {@link #start} makes one {@link PolicyRun} per request.
 */
public final class PolicyChain {
  /** No policies. */
  public static final PolicyChain EMPTY =
      new PolicyChain(RouteTable.Direction.OUTBOUND, new CompiledPolicy[0], Ticker.system());

  private final RouteTable.Direction side;
  final CompiledPolicy[] policies;
  private final Ticker ticker;

  private PolicyChain(RouteTable.Direction side, CompiledPolicy[] policies, Ticker ticker) {
    this.side = side;
    this.policies = policies;
    this.ticker = ticker;
  }

  /**
   * The chain of {@code policies} (in run order) that run on {@code side}; policies declared for
   * the other side only are left out. Durations are measured on {@code ticker}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static PolicyChain of(
      RouteTable.Direction side, List<CompiledPolicy> policies, Ticker ticker) {
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(ticker, "ticker");
    List<CompiledPolicy> out = new ArrayList<>(policies.size());
    for (CompiledPolicy p : policies) {
      if (p.direction().includes(side)) out.add(p);
    }
    if (out.isEmpty()) return EMPTY;
    return new PolicyChain(side, out.toArray(new CompiledPolicy[0]), ticker);
  }

  /** Whether there is nothing to run. */
  public boolean isEmpty() {
    return policies.length == 0;
  }

  /** The names of the policies, in run order. */
  public List<String> names() {
    List<String> out = new ArrayList<>(policies.length);
    for (CompiledPolicy p : policies) out.add(p.name());
    return List.copyOf(out);
  }

  /** The side this chain runs on (meaningless for {@link #EMPTY}). */
  public RouteTable.Direction side() {
    return side;
  }

  Ticker ticker() {
    return ticker;
  }

  /**
   * Starts running the chain for one request; call {@link PolicyRun#onRequest()} next.
   *
   * @param request the request as routed (not copied; read on the calling thread)
   * @param virtualHost the matched virtual host, or {@code null}
   * @param route the matched route's name, or {@code null}
   * @param requestId the request id, or {@code null}
   * @param startNanos the mesh ticker's reading when handling began
   */
  public PolicyRun start(
      RequestView request, String virtualHost, String route, String requestId, long startNanos) {
    return new PolicyRun(this, request, virtualHost, route, requestId, startNanos);
  }

  @Override
  public String toString() {
    return "PolicyChain" + names();
  }
}
