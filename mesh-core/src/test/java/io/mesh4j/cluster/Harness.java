package io.mesh4j.cluster;

import io.mesh4j.internal.cluster.ClusterRegistry;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.EndpointSources;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A registry wired to fakes: FakeTime, a fake probe named "fake", recording pickers and events. */
final class Harness implements AutoCloseable {
  final FakeTime time = new FakeTime();
  final FakeProbe probe = new FakeProbe();
  final RecordingListener events = new RecordingListener();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final HealthProbes probes = HealthProbes.builder().add("fake", probe).build();
  final Map<String, RecordingPickerFactory> pickers = new ConcurrentHashMap<>();
  final ClusterRegistry registry;

  Harness() {
    registry =
        ClusterRegistry.builder()
            .scheduler(time)
            .ticker(time)
            .pickerFactories(c -> pickers.computeIfAbsent(c.name(), n -> new RecordingPickerFactory()))
            .healthProbes(probes)
            .meterRegistry(meters)
            .eventListener(events)
            .endpointSources(EndpointSources.fromConfig())
            .random(Fixtures.NO_JITTER)
            .build();
  }

  Cluster apply(ClusterConfig... configs) {
    registry.apply(List.of(configs));
    return configs.length == 0 ? null : registry.cluster(configs[0].name());
  }

  RecordingPickerFactory pickers(String cluster) {
    return pickers.get(cluster);
  }

  static Endpoint endpoint(Cluster c, String address) {
    return c.endpoints().stream()
        .filter(e -> e.address().equals(address))
        .findFirst()
        .orElseThrow(() -> new AssertionError(address + " not in " + c.endpoints()));
  }

  void advance(Duration d) {
    time.advance(d);
  }

  @Override
  public void close() {
    registry.close();
    probes.close();
  }
}
