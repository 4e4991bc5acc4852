package io.mesh4j.cluster;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;

/**
 * A point-in-time view of one endpoint's state in its cluster, for admin pages and tests.
 * Immutable.
 *
 * @param endpoint the endpoint
 * @param healthy whether active health checking considers it healthy (true without checks)
 * @param ejected whether it is ejected right now (enforced ejections only)
 * @param ejectionReason why it is ejected, or {@code null} when it is not
 * @param ejectionRemaining how long the ejection still lasts; {@link Duration#ZERO} when not ejected
 * @param timesEjected outlier detection's ejection multiplier now (after decay)
 * @param effectiveWeight the weight its picker uses now (slow start included; 0 when the picker
 *     leaves it out)
 * @param successes attempts reported with a response below 500
 * @param failures attempts reported with a 5xx or a transport failure
 */
public record EndpointStatus(
    Endpoint endpoint,
    boolean healthy,
    boolean ejected,
    EjectionReason ejectionReason,
    Duration ejectionRemaining,
    int timesEjected,
    int effectiveWeight,
    long successes,
    long failures) {

  /** Whether the endpoint receives traffic outside panic mode: healthy and not ejected. */
  public boolean usable() {
    return healthy && !ejected;
  }
}
