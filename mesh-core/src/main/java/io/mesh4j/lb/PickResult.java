package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;

/**
 * The outcome of one pick: an endpoint, or "no usable endpoint". A value, never {@code null}.
 *
 * <p>Pickers return preallocated instances ({@link #of(Endpoint)} results are cached per endpoint
 * by the picker that builds them, {@link #NONE} is shared), so a pick allocates nothing.
 */
public final class PickResult {
  /** No endpoint is usable (empty cluster, or every candidate excluded). */
  public static final PickResult NONE = new PickResult(null);

  private final Endpoint endpoint;

  private PickResult(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** A result holding {@code endpoint}; pickers create these once, when they are built. */
  public static PickResult of(Endpoint endpoint) {
    if (endpoint == null) throw new NullPointerException("endpoint");
    return new PickResult(endpoint);
  }

  /** Whether an endpoint was picked. */
  public boolean hasEndpoint() {
    return endpoint != null;
  }

  /**
   * The picked endpoint.
   *
   * @throws IllegalStateException when this is {@link #NONE}
   */
  public Endpoint endpoint() {
    if (endpoint == null) throw new IllegalStateException("no endpoint was picked");
    return endpoint;
  }

  @Override
  public String toString() {
    return endpoint == null ? "PickResult{none}" : "PickResult{" + endpoint + "}";
  }
}
