package io.mesh4j.lb;

/**
 * Chooses an endpoint for a request from an immutable set of usable endpoints.
 *
 * <p>A picker is built off the hot path, when a cluster's membership, health or weights change,
 * and published with one volatile write; {@link #pick} is lock-free, allocates nothing and may be
 * called from any number of threads at once.
 */
public interface Picker {

  /** Picks an endpoint; never {@code null} ({@link PickResult#NONE} when none is usable). */
  PickResult pick(PickContext context);
}
