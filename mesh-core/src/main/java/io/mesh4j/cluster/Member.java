package io.mesh4j.cluster;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.outlier.OutlierState;
import io.mesh4j.time.Scheduler;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything a cluster keeps about one of its endpoints. Fields without {@code volatile} or a
 * thread-safe type are guarded by the cluster's lock.
 */
final class Member {
  static final long NOT_RAMPING = Long.MIN_VALUE;

  final Endpoint endpoint;
  final OutlierState outlier = new OutlierState();
  final LongAdder successes = new LongAdder();
  final LongAdder failures = new LongAdder();

  volatile boolean healthy = true;
  volatile boolean ejected;
  volatile EjectionReason ejectionReason;
  volatile long ejectedUntilNanos;
  /** When the current ejection began (ticker nanos); meaningful while {@link #ejected}. */
  volatile long ejectedAtNanos;
  volatile int effectiveWeight;
  Scheduler.Cancellable returnTask;
  /**
   * A health check failed since this endpoint was ejected for draining: the draining instance (or
   * its closed port) was seen down, so the next healthy verdict is an instance that came back (a
   * restart on the same address). Guarded by the cluster's lock.
   */
  boolean failedCheckSinceDrain;
  long slowStartBeginNanos = NOT_RAMPING;

  Member(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  boolean usable() {
    return healthy && !ejected;
  }
}
