package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.List;

/**
 * Builds a {@link Picker} for one load-balancing policy over a set of usable endpoints. Called off
 * the hot path whenever membership, health or weights change.
 */
@FunctionalInterface
public interface PickerFactory {

  /**
   * Builds a picker.
   *
   * @param endpoints the endpoints to pick from, in a stable order; may be empty (the picker then
   *     always returns {@link PickResult#NONE})
   * @param weights the effective weight of each endpoint (same index), each at least 1; already
   *     includes slow-start ramping
   */
  Picker build(List<Endpoint> endpoints, int[] weights);
}
