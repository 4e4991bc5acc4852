package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.route.RequestView;

/**
 * What a picker may know about the request it picks for. Implemented by the caller (the adapter's
 * attempt, or the simulator), so a pick allocates nothing.
 */
public interface PickContext {

  /** A context with no request and nothing tried yet. */
  PickContext EMPTY = () -> null;

  /** The request, or {@code null} (simulation, health probes). Used by {@code ring_hash}. */
  RequestView request();

  /**
   * Whether an earlier attempt of this request already used {@code endpoint}. Pickers prefer
   * endpoints not yet tried when others are usable (Envoy's {@code previous_hosts}).
   */
  default boolean alreadyTried(Endpoint endpoint) {
    return false;
  }
}
