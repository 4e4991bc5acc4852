package io.mesh4j.cluster;

import static io.mesh4j.metrics.MeshMetricNames.*;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.outlier.EjectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The Micrometer meters of one cluster: created with the cluster (and with each endpoint), removed
 * when they go away, never looked up per request. Names are in {@link
 * io.mesh4j.metrics.MeshMetricNames}. Endpoint meters are added and removed under the cluster's
 * lock; the counters are thread-safe.
 */
final class ClusterMeters {
  private final MeterRegistry registry;
  private final String cluster;
  private final List<Meter> clusterMeters = new ArrayList<>();
  private final Map<Endpoint, List<Meter>> endpointMeters = new HashMap<>();
  private final Map<EjectionReason, Counter> detected = new EnumMap<>(EjectionReason.class);
  private final Map<EjectionReason, Counter> enforced = new EnumMap<>(EjectionReason.class);
  private final Counter checksPassed;
  private final Counter checksFailed;
  private final Counter probeErrors;
  private final Timer attemptSuccess;
  private final Timer attemptFailure;

  ClusterMeters(MeterRegistry registry, Cluster c) {
    this.registry = registry;
    this.cluster = c.name();
    gauge(ENDPOINTS, c, x -> x.published().endpoints().size());
    gauge(ENDPOINT_HEALTHY, c, x -> x.published().healthy());
    gauge(ENDPOINT_EJECTED, c, x -> x.published().ejected());
    gauge(ENDPOINT_USABLE, c, x -> x.published().usable());
    gauge(PANIC, c, x -> x.published().panic() ? 1 : 0);
    for (EjectionReason r : EjectionReason.values()) {
      detected.put(r, ejections(KIND_DETECTED, r));
      enforced.put(r, ejections(KIND_ENFORCED, r));
    }
    checksPassed = add(Counter.builder(HEALTH_CHECKS).tag(TAG_CLUSTER, cluster).tag(TAG_RESULT, SUCCESS).register(registry));
    checksFailed = add(Counter.builder(HEALTH_CHECKS).tag(TAG_CLUSTER, cluster).tag(TAG_RESULT, FAILURE).register(registry));
    probeErrors = add(Counter.builder(HEALTH_PROBE_ERRORS).tag(TAG_CLUSTER, cluster).register(registry));
    attemptSuccess = add(Timer.builder(ATTEMPTS).tag(TAG_CLUSTER, cluster).tag(TAG_OUTCOME, SUCCESS).register(registry));
    attemptFailure = add(Timer.builder(ATTEMPTS).tag(TAG_CLUSTER, cluster).tag(TAG_OUTCOME, FAILURE).register(registry));
  }

  private void gauge(String name, Cluster c, ToDoubleFunction<Cluster> f) {
    add(Gauge.builder(name, c, f).tag(TAG_CLUSTER, cluster).strongReference(true).register(registry));
  }

  private Counter ejections(String kind, EjectionReason r) {
    return add(
        Counter.builder(OUTLIER_EJECTIONS)
            .tag(TAG_CLUSTER, cluster)
            .tag(TAG_KIND, kind)
            .tag(TAG_REASON, r.tagValue())
            .register(registry));
  }

  private <M extends Meter> M add(M m) {
    clusterMeters.add(m);
    return m;
  }

  void endpointAdded(Endpoint e, LongAdder successes, LongAdder failures) {
    List<Meter> ms = new ArrayList<>(2);
    ms.add(endpointCounter(e, SUCCESS, successes));
    ms.add(endpointCounter(e, FAILURE, failures));
    endpointMeters.put(e, ms);
  }

  private Meter endpointCounter(Endpoint e, String outcome, LongAdder source) {
    return FunctionCounter.builder(ENDPOINT_ATTEMPTS, source, LongAdder::sum)
        .tag(TAG_CLUSTER, cluster)
        .tag(TAG_ENDPOINT, e.address())
        .tag(TAG_OUTCOME, outcome)
        .register(registry);
  }

  void endpointRemoved(Endpoint e) {
    List<Meter> ms = endpointMeters.remove(e);
    if (ms != null) ms.forEach(registry::remove);
  }

  void detected(EjectionReason r) {
    detected.get(r).increment();
  }

  void enforced(EjectionReason r) {
    enforced.get(r).increment();
  }

  void check(boolean passed, boolean probeError) {
    (passed ? checksPassed : checksFailed).increment();
    if (probeError) probeErrors.increment();
  }

  void attempt(boolean success, long latencyNanos) {
    (success ? attemptSuccess : attemptFailure).record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
  }

  /** Removes every meter of the cluster and its endpoints. */
  void close() {
    for (Endpoint e : List.copyOf(endpointMeters.keySet())) endpointRemoved(e);
    clusterMeters.forEach(registry::remove);
    clusterMeters.clear();
  }
}
