package io.mesh4j.policy;

import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.route.RouteTable;

/**
 * A per-request policy, the SPI behind {@code policies: [ { name, args } ]}: runs around each
 * routed request on the client side (mesh-okhttp), the server side (mesh-servlet) or both, in
 * config order (global, then virtual host, then route). It may add, replace or remove request
 * headers, answer the request itself ({@link PolicyDecision#respond}), and observe the outcome.
 *
 * <p>Lifecycle of one request: {@link #onRequest} of each policy in order, until one answers; the
 * request goes on with the headers as edited (or the answer is sent); then {@link #onComplete} of
 * every policy whose {@code onRequest} ran, in reverse order, exactly once, with the final status
 * or failure.
 *
 * <p><b>Failures.</b> A policy that throws from {@link #onRequest} is contained as its {@link
 * #failureMode()} says: {@link FailureMode#FAIL_OPEN} drops that policy's header edits and goes
 * on; {@link FailureMode#FAIL_CLOSED} answers {@code 500} at once. A throw from {@link
 * #onComplete} changes nothing. Either is counted ({@code mesh.policy.errors}) and logged at most
 * once per minute per policy, never per request.
 *
 * <p>Created once per config snapshot by its {@link Factory}, then called from many threads at
 * once: implementations must be thread-safe, must not block (they run on the caller's or the
 * container's request thread), and keep per-request state in the {@link PolicyExchange}, not in
 * fields.
 */
public interface RequestPolicy {

  /** Which sides a policy runs on. */
  enum Direction {
    /** Only the calls this service makes (the OkHttp client). */
    OUTBOUND,
    /** Only the requests this service receives (the servlet filter). */
    INBOUND,
    /** Both. */
    BOTH;

    /** Whether a policy of this direction runs on {@code side}. */
    public boolean includes(RouteTable.Direction side) {
      return this == BOTH
          || (this == OUTBOUND && side == RouteTable.Direction.OUTBOUND)
          || (this == INBOUND && side == RouteTable.Direction.INBOUND);
    }
  }

  /** What happens to the request when {@link #onRequest} throws. */
  enum FailureMode {
    /** The request goes on as if the policy were absent (its header edits are dropped). */
    FAIL_OPEN,
    /** The request is answered {@code 500} without going further. */
    FAIL_CLOSED
  }

  /** The sides this policy runs on; read once when the snapshot is compiled. Default both. */
  default Direction direction() {
    return Direction.BOTH;
  }

  /** What a throw from {@link #onRequest} does; read once per compile. Default fail-open. */
  default FailureMode failureMode() {
    return FailureMode.FAIL_OPEN;
  }

  /**
   * Called before the request goes on. Edit headers through {@code exchange}; return {@link
   * PolicyDecision#CONTINUE} (or {@code null}) to let it go on, or {@link PolicyDecision#respond}
   * to answer it here: later policies and the request itself are then skipped.
   */
  PolicyDecision onRequest(PolicyExchange exchange);

  /** Called once the outcome is known (see the class doc). Default: nothing. */
  default void onComplete(PolicyExchange exchange, PolicyOutcome outcome) {}

  /**
   * Makes {@link RequestPolicy} instances from config arguments. Register one on {@code
   * Mesh.Builder.policy} or by {@link java.util.ServiceLoader} in {@code
   * META-INF/services/io.mesh4j.policy.RequestPolicy$Factory} (then it needs a public no-argument
   * constructor). Names are unique among policies. Thread-safe; called off the hot path.
   */
  interface Factory {

    /** The name configs use ({@code policies[i].name}). */
    String name();

    /**
     * Checks {@code args}, reporting every problem to {@code errors}, in the same pass as the rest
     * of the config. {@link #create} only sees arguments that passed. The default accepts anything.
     */
    default void validate(ExtensionArgs args, ArgErrors errors) {}

    /**
     * A policy for these (validated) arguments; called once per place the config names it, per
     * snapshot.
     *
     * @throws IllegalArgumentException if it cannot be made; the config is then rejected
     */
    RequestPolicy create(ExtensionArgs args, PolicyContext context);
  }
}
