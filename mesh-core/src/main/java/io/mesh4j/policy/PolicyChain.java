package io.mesh4j.policy;

import io.mesh4j.internal.policy.PolicyInternals;
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
 * allocation, no loop. With policies, the engine starts one run per request (an internal {@code
 * PolicyRun}, the {@link PolicyExchange} the policies see).
 */
public final class PolicyChain {
  static {
    PolicyInternals.install(new PolicyInternals.Access() {
      @Override
      public CompiledPolicy[] policies(PolicyChain chain) {
        return chain.policies;
      }

      @Override
      public Ticker ticker(PolicyChain chain) {
        return chain.ticker;
      }

      @Override
      public void failed(CompiledPolicy policy, RouteTable.Direction side, boolean requestPhase,
          Throwable e) {
        policy.failed(side, requestPhase, e);
      }
    });
  }


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

  @Override
  public String toString() {
    return "PolicyChain" + names();
  }
}
