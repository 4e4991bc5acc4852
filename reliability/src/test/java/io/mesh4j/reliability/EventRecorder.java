package io.mesh4j.reliability;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the mesh's endpoint events per endpoint address ({@code host:port}). Fast and lock-free,
 * as a {@link MeshEventListener} must be.
 */
final class EventRecorder extends MeshEventListener {
  private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

  private void count(String kind, Endpoint e) {
    counts.computeIfAbsent(kind + " " + e.address(), k -> new LongAdder()).increment();
  }

  /** How many {@code kind} events {@code address} had: ejected, returned, unhealthy, healthy. */
  long count(String kind, String address) {
    LongAdder a = counts.get(kind + " " + address);
    return a == null ? 0 : a.sum();
  }

  long total(String kind) {
    long n = 0;
    for (var e : counts.entrySet()) if (e.getKey().startsWith(kind + " ")) n += e.getValue().sum();
    return n;
  }

  @Override
  public void endpointHealthChanged(Endpoint endpoint, boolean healthy) {
    count(healthy ? "healthy" : "unhealthy", endpoint);
  }

  @Override
  public void endpointEjected(Endpoint endpoint, EjectionReason reason, Duration duration, boolean enforced) {
    if (enforced) count("ejected", endpoint);
  }

  @Override
  public void endpointReturned(Endpoint endpoint) {
    count("returned", endpoint);
  }
}
