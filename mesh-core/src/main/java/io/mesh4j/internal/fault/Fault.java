package io.mesh4j.internal.fault;

import java.time.Duration;

/**
 * What {@link FaultInjector#decide()} chose for one request: nothing, a delay, an abort, or both
 * (delay first, then abort, as Envoy's fault filter). Immutable; the injector preallocates the
 * four possible values, so deciding allocates nothing.
 */
public final class Fault {
  /** No fault: forward the request untouched. */
  public static final Fault NONE = new Fault(0, 0);

  private final long delayNanos;
  private final int abortStatus;

  Fault(long delayNanos, int abortStatus) {
    this.delayNanos = delayNanos;
    this.abortStatus = abortStatus;
  }

  /** Whether the request is neither delayed nor aborted. */
  public boolean isNone() {
    return delayNanos == 0 && abortStatus == 0;
  }

  /** Whether the request is to be held for {@link #delayNanos()} before going on. */
  public boolean delayed() {
    return delayNanos > 0;
  }

  /** How long to hold the request; 0 when not delayed. */
  public long delayNanos() {
    return delayNanos;
  }

  /** Whether the request is to be answered with {@link #abortStatus()} instead of forwarded. */
  public boolean aborted() {
    return abortStatus != 0;
  }

  /** The status to answer with; 0 when not aborted. */
  public int abortStatus() {
    return abortStatus;
  }

  @Override
  public String toString() {
    if (isNone()) return "Fault{none}";
    return "Fault{"
        + (delayed() ? "delay=" + Duration.ofNanos(delayNanos) : "")
        + (delayed() && aborted() ? ", " : "")
        + (aborted() ? "abort=" + abortStatus : "")
        + "}";
  }
}
