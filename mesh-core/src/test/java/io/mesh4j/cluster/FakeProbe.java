package io.mesh4j.cluster;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.health.ProbeResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** A probe whose answer per endpoint address the test sets; healthy by default. Synchronous. */
final class FakeProbe implements HealthProbe {
  private final Map<String, Boolean> healthy = new ConcurrentHashMap<>();
  private final List<String> calls = new ArrayList<>();

  void healthy(String address, boolean value) {
    healthy.put(address, value);
  }

  @Override
  public CompletionStage<ProbeResult> probe(Endpoint endpoint, HealthCheckConfig config) {
    synchronized (calls) {
      calls.add(endpoint.address());
    }
    return CompletableFuture.completedFuture(
        healthy.getOrDefault(endpoint.address(), true) ? ProbeResult.status(200) : ProbeResult.status(503));
  }

  List<String> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  long callsTo(String address) {
    return calls().stream().filter(address::equals).count();
  }
}
